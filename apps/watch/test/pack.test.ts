/**
 * Packs @sms-command/watch, @sms-command/mock-server (for its admin client), @sms-command/cli-kit
 * and @sms-command/core as they would be published (pnpm pack applies publishConfig), installs the
 * tarballs into a fresh project and runs the installed `sms-watch` on Node, Bun and Deno from
 * node_modules: `--help`, and `--print-config` (which reads and checks every setting without
 * opening the terminal UI). Hono is not installed there: the watch loads the mock's client only.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type PackedConsumer,
  packAppIntoConsumer,
  repoRoot,
  runInConsumer,
  runtimes,
} from '@sms-command/vitest-config/pack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const packageDir = join(import.meta.dirname, '..')
/** Bun and Deno come with the agent's devDependencies. */
const runtimeBins = join(repoRoot, 'apps', 'agent', 'node_modules', '.bin')
let packed: PackedConsumer | undefined
let consumer = ''
const TOKEN = 'tok-SECRET-packed-watch-1'

const cli = () => join(consumer, 'node_modules', '@sms-command', 'watch', 'dist', 'cli.js')

const RUNTIMES = runtimes(runtimeBins, ['-A'], cli)

beforeAll(() => {
  // The published dependencies are linked from the workspace so the test needs no network.
  packed = packAppIntoConsumer({
    prefix: 'sms-watch-pack-',
    dir: packageDir,
    name: '@sms-command/watch',
    dependencies: ['chalk', 'ink', 'react', 'string-width'],
    packages: [{ dir: join(repoRoot, 'apps', 'mock-server'), name: '@sms-command/mock-server' }],
  })
  consumer = packed.consumer
  // Three `npx pnpm pack` runs: about 2 s each alone, but over a minute each inside the full CI run
  // on 2 cores (measured on Node 24; the cause is not yet known), so the hook gets ten minutes.
}, 600_000)

afterAll(() => {
  packed?.remove()
})

describe('the published watch', () => {
  it('points every export at dist and ships the CLI', () => {
    const manifest = readFileSync(
      join(consumer, 'node_modules', '@sms-command', 'watch', 'package.json'),
      'utf8',
    )
    const parsed = JSON.parse(manifest)
    expect(JSON.stringify(parsed.exports)).not.toMatch(/src\/|"bun"|"deno"/)
    expect(parsed.bin).toEqual({ 'sms-watch': './bin/sms-watch.js' })
    expect(manifest).not.toMatch(/catalog:|workspace:/)
  })

  it("needs the mock's client, not its server: no Hono in the project", () => {
    expect(existsSync(join(consumer, 'node_modules', 'hono'))).toBe(false)
    expect(existsSync(join(consumer, 'node_modules', '@hono'))).toBe(false)
    expect(
      existsSync(join(consumer, 'node_modules', '@sms-command', 'mock-server', 'dist', 'client')),
    ).toBe(true)
  })

  it.each(RUNTIMES)(
    'runs sms-watch --help and --print-config from node_modules on %s',
    async (_runtime, command, argv) => {
      const help = await runInConsumer(consumer, command, argv(['--help']), { SMS_TOKEN: TOKEN })
      expect(help.stdout).toContain('sms-watch')
      expect(help.stdout).toContain('--servers')
      const printed = await runInConsumer(
        consumer,
        command,
        argv(['--endpoint', 'http://127.0.0.1:9', '--servers', 'a,b', '--print-config']),
        { SMS_TOKEN: TOKEN },
      )
      const config = JSON.parse(printed.stdout)
      expect(config.sources).toMatchObject({ endpoint: 'flag --endpoint' })
      expect(printed.stdout).not.toContain(TOKEN)
    },
    120_000,
  )
})
