/**
 * Packs @sms-command/core as it would be published (pnpm pack rewrites catalog: versions and
 * applies publishConfig), checks it with publint, unpacks it into a fresh project and runs a call
 * from node_modules on Node, Bun and Deno, and type-checks a TypeScript consumer.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  CORE_DEPENDENCIES,
  type PackedConsumer,
  packIntoConsumer,
  runInConsumer,
  runtimes,
} from '@sms-command/vitest-config/pack'
import { publint } from 'publint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const packageDir = join(import.meta.dirname, '..')
let packed: PackedConsumer | undefined
let tarball = ''
let consumer = ''

beforeAll(() => {
  packed = packIntoConsumer({
    prefix: 'sms-core-pack-',
    packages: [{ dir: packageDir, name: '@sms-command/core' }],
    // The published dependencies, linked from the workspace so the test needs no network.
    links: [{ fromDir: packageDir, dependencies: CORE_DEPENDENCIES }],
  })
  tarball = packed.tarballs['@sms-command/core'] ?? ''
  consumer = packed.consumer
}, 120_000)

afterAll(() => {
  packed?.remove()
})

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

  it('points every export at dist: no source conditions in what is published', () => {
    const manifest = JSON.parse(
      readFileSync(join(consumer, 'node_modules', '@sms-command', 'core', 'package.json'), 'utf8'),
    )
    expect(JSON.stringify(manifest.exports)).not.toMatch(/src\/|"bun"|"deno"/)
    expect(Object.keys(manifest.exports)).toEqual([
      '.',
      './signing',
      './testing',
      './events',
      './sse',
      './delivery',
      './package.json',
    ])
  })

  it.each(runtimes(join(packageDir, 'node_modules', '.bin')))(
    'runs a call from node_modules on %s, with a signed request and the virtual clock',
    async (_runtime, command, argv) => {
      writeFileSync(
        join(consumer, 'main.mjs'),
        `import { akSk, createSmsClient, isKnownCommand } from '@sms-command/core'
import { verifySignature } from '@sms-command/core/signing'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { followEventStream } from '@sms-command/core/sse'
if (typeof followEventStream !== 'function') throw new Error('no SSE reader')
const scheduler = createVirtualScheduler()
let verdict
const fetch = async (input, init) => {
  const request = new Request(input, init)
  verdict = await verifySignature(
    { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: '' },
    () => 'SK1',
    { now: new Date(scheduler.now()) },
  )
  return new Response('{"command_name":"START","command_param":{"task_id":"t"}}')
}
const auth = akSk({ ak: 'AK1', sk: 'SK1', now: scheduler.now })
const client = createSmsClient({ endpoint: 'http://sms.local', auth, fetch, scheduler })
const command = await client.getCommand('srv')
console.log(JSON.stringify({ command, known: isKnownCommand(command.command_name), verified: verdict.ok }))`,
      )
      const { stdout } = await runInConsumer(consumer, command, argv(['main.mjs']))
      expect(JSON.parse(stdout.trim())).toEqual({
        command: { command_name: 'START', command_param: { task_id: 't' } },
        known: true,
        verified: true,
      })
    },
    90_000,
  )

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(
      join(consumer, 'main.ts'),
      `import { createSmsClient, staticToken, type SmsCommand } from '@sms-command/core'
import { deliverOnce, memoryJournal } from '@sms-command/core/delivery'
const client = createSmsClient({ endpoint: 'http://sms.local', auth: staticToken('t') })
export const pending: Promise<SmsCommand | null> = client.getCommand('srv')
export const pass = deliverOnce(client, 'srv', { journal: memoryJournal(), run: async () => ({ result: 'success' }) })
// @ts-expect-error a run resolves { result: 'success' | 'fail' }
deliverOnce(client, 'srv', { journal: memoryJournal(), run: async () => ({ result: 'done' }) })
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
    // tsc over the shipped declarations takes a while on a loaded 2-core machine.
  }, 90_000)
})
