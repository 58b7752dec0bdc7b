/**
 * Packs @sms-command/mock-server, @sms-command/cli-kit and @sms-command/core as they would be published (pnpm pack
 * applies publishConfig: every export points at dist), installs both into a fresh project and runs
 * a call on Node, Bun and Deno from node_modules (Deno refuses to strip types there, so a `deno`
 * condition pointing at src/*.ts would fail).
 */
import { execFileSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const packageDir = join(import.meta.dirname, '..')
const rootDir = join(packageDir, '..', '..')
const coreDir = join(rootDir, 'packages', 'core')
const { packageManager } = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as {
  packageManager: string
}
let workDir = ''
let consumer = ''

function install(fromDir: string, name: string): void {
  const packDir = join(workDir, name.replace('/', '+'))
  mkdirSync(packDir)
  execFileSync('npx', ['-y', packageManager, 'pack', '--pack-destination', packDir], {
    cwd: fromDir,
    stdio: 'pipe',
    env: { ...process.env, npm_config_yes: 'true' },
  })
  const tarball = readdirSync(packDir).find((file) => file.endsWith('.tgz'))
  if (!tarball) throw new Error(`pnpm pack produced no tarball for ${name}`)
  const installed = join(consumer, 'node_modules', name)
  mkdirSync(installed, { recursive: true })
  execFileSync('tar', ['-xzf', join(packDir, tarball), '-C', installed, '--strip-components=1'])
}

function link(fromDir: string, dependency: string): void {
  const target = join(consumer, 'node_modules', dependency)
  mkdirSync(dirname(target), { recursive: true })
  symlinkSync(realpathSync(join(fromDir, 'node_modules', dependency)), target)
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'sms-mock-pack-'))
  consumer = join(workDir, 'consumer')
  mkdirSync(consumer)
  install(coreDir, '@sms-command/core')
  install(join(rootDir, 'packages', 'cli-kit'), '@sms-command/cli-kit')
  install(packageDir, '@sms-command/mock-server')
  // The published dependencies, linked from the workspace so the test needs no network.
  for (const dependency of ['ky', 'valibot', '@valibot/to-json-schema', 'eventsource-parser']) {
    link(coreDir, dependency)
  }
  for (const dependency of ['hono', '@hono/node-server']) link(packageDir, dependency)
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module', private: true }))
  writeFileSync(
    join(consumer, 'main.mjs'),
    `import { createSmsClient, staticToken } from '@sms-command/core'
import { createMockApp, DEMO_CREDENTIALS } from '@sms-command/mock-server'
const app = createMockApp()
const client = createSmsClient({
  endpoint: 'http://mock.local',
  auth: staticToken(DEMO_CREDENTIALS.token),
  fetch: (input, init) => app.fetch(new Request(input, init)),
})
const command = await client.getCommand(DEMO_CREDENTIALS.server)
console.log(JSON.stringify({ answered: command === null || typeof command.command_name === 'string' }))`,
  )
}, 180_000)

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

describe('the published mock-server', () => {
  it('points every export at dist', () => {
    const manifest = readFileSync(
      join(consumer, 'node_modules', '@sms-command', 'mock-server', 'package.json'),
      'utf8',
    )
    expect(JSON.stringify(JSON.parse(manifest).exports)).not.toMatch(/src\/|"bun"|"deno"/)
    expect(manifest).not.toMatch(/catalog:|workspace:/)
  })

  it.each([
    ['Node', process.execPath, ['main.mjs']],
    ['Bun', join(packageDir, 'node_modules', '.bin', 'bun'), ['main.mjs']],
    [
      'Deno',
      join(packageDir, 'node_modules', '.bin', 'deno'),
      ['run', '--no-prompt', '--quiet', 'main.mjs'],
    ],
  ])(
    'answers a client call from node_modules on %s',
    (_runtime, command, args) => {
      const output = execFileSync(command as string, args as string[], {
        cwd: consumer,
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
        stdio: 'pipe',
        timeout: 60_000,
      })
        .toString()
        .trim()
      expect(JSON.parse(output)).toEqual({ answered: true })
    },
    90_000,
  )
})
