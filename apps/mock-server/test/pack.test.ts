/**
 * Packs @sms-command/mock-server, @sms-command/cli-kit and @sms-command/core as they would be published (pnpm pack
 * applies publishConfig: every export points at dist), installs both into a fresh project and runs
 * a call on Node, Bun and Deno from node_modules (Deno refuses to strip types there, so a `deno`
 * condition pointing at src/*.ts would fail).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type PackedConsumer,
  packAppIntoConsumer,
  runInConsumer,
  runtimes,
} from '@sms-command/vitest-config/pack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const packageDir = join(import.meta.dirname, '..')
let packed: PackedConsumer | undefined
let consumer = ''

beforeAll(() => {
  // The published dependencies are linked from the workspace so the test needs no network.
  packed = packAppIntoConsumer({
    prefix: 'sms-mock-pack-',
    dir: packageDir,
    name: '@sms-command/mock-server',
    dependencies: ['hono', '@hono/node-server'],
  })
  consumer = packed.consumer
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
  // Three `npx pnpm pack` runs: about 2 s each alone, but over a minute each inside the full CI run
  // on 2 cores (measured on Node 24; the cause is not yet known), so the hook gets ten minutes.
}, 600_000)

afterAll(() => {
  packed?.remove()
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

  it.each(runtimes(join(packageDir, 'node_modules', '.bin')))(
    'answers a client call from node_modules on %s',
    async (_runtime, command, argv) => {
      const { stdout } = await runInConsumer(consumer, command, argv(['main.mjs']))
      expect(JSON.parse(stdout.trim())).toEqual({ answered: true })
    },
    90_000,
  )
})
