/**
 * Packs @sms-command/core as it would be published (pnpm pack rewrites catalog: versions), checks
 * it with publint, unpacks it into a fresh project and imports it from Node, JavaScript and
 * TypeScript alike.
 */
import { execFileSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { publint } from 'publint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const packageDir = join(import.meta.dirname, '..')
const rootDir = join(packageDir, '..', '..')
const { packageManager } = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as {
  packageManager: string
}
let workDir = ''
let tarball = ''
let consumer = ''

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'sms-core-pack-'))
  execFileSync('npx', ['-y', packageManager, 'pack', '--pack-destination', workDir], {
    cwd: packageDir,
    stdio: 'pipe',
    env: { ...process.env, npm_config_yes: 'true' },
  })
  tarball = join(workDir, readdirTgz(workDir))
  consumer = join(workDir, 'consumer')
  const installed = join(consumer, 'node_modules', '@sms-command', 'core')
  mkdirSync(installed, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'])
  // The published dependencies, linked from the workspace so the test needs no network.
  for (const dependency of ['ky', 'valibot', '@valibot/to-json-schema', 'eventsource-parser']) {
    const target = join(consumer, 'node_modules', dependency)
    mkdirSync(dirname(target), { recursive: true })
    symlinkSync(realpathSync(join(packageDir, 'node_modules', dependency)), target)
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module', private: true }))
}, 120_000)

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

function readdirTgz(dir: string): string {
  const name = execFileSync('ls', [dir])
    .toString()
    .split('\n')
    .find((file) => file.endsWith('.tgz'))
  if (!name) throw new Error('pnpm pack produced no tarball')
  return name
}

describe('the published package', () => {
  it('is publint clean', async () => {
    const { messages } = await publint({
      pkgDir: join(consumer, 'node_modules', '@sms-command', 'core'),
      strict: true,
    })
    expect(messages).toEqual([])
  })

  it('has resolved versions instead of catalog: and workspace: ranges', () => {
    const manifest = readFileSync(
      join(consumer, 'node_modules', '@sms-command', 'core', 'package.json'),
      'utf8',
    )
    expect(manifest).not.toMatch(/catalog:|workspace:/)
    expect(JSON.parse(manifest).sideEffects).toBe(false)
  })

  it('ships no tests', () => {
    const listing = execFileSync('tar', ['-tzf', tarball]).toString()
    expect(listing).toContain('package/dist/index.js')
    expect(listing).toContain('package/dist/index.d.ts')
    expect(listing).not.toMatch(/\.test\.(ts|js)/)
  })

  it('imports from a fresh Node project and talks to an injected server', () => {
    writeFileSync(
      join(consumer, 'main.mjs'),
      `import { createSmsClient, staticToken, isKnownCommand } from '@sms-command/core'
import { createVirtualScheduler } from '@sms-command/core/testing'
const fetch = async () => new Response('{"command_name":"START","command_param":{"task_id":"t"}}')
const client = createSmsClient({ endpoint: 'http://sms.local', auth: staticToken('t'), fetch })
const command = await client.getCommand('srv')
console.log(JSON.stringify({ command, known: isKnownCommand(command.command_name), clock: typeof createVirtualScheduler }))`,
    )
    const output = execFileSync(process.execPath, ['main.mjs'], { cwd: consumer }).toString().trim()
    expect(JSON.parse(output)).toEqual({
      command: { command_name: 'START', command_param: { task_id: 't' } },
      known: true,
      clock: 'function',
    })
  })

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(
      join(consumer, 'main.ts'),
      `import { createSmsClient, staticToken, type SmsCommand } from '@sms-command/core'
const client = createSmsClient({ endpoint: 'http://sms.local', auth: staticToken('t') })
export const pending: Promise<SmsCommand | null> = client.getCommand('srv')
// @ts-expect-error result must be 'success' or 'fail'
client.reportResult('srv', { command_name: 'START', result: 'ok', result_detail: {} })
`,
    )
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          lib: ['ES2023', 'DOM'],
          types: [],
          skipLibCheck: false,
        },
        files: ['main.ts'],
      }),
    )
    const tsc = join(packageDir, 'node_modules', 'typescript', 'bin', 'tsc')
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', consumer], { stdio: 'pipe' }),
    ).not.toThrow()
  })
})
