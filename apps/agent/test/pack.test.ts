/**
 * Packs @sms-command/agent, @sms-command/cli-kit and @sms-command/core as they would be published
 * (pnpm pack applies publishConfig: every export points at dist), installs the tarballs into a
 * fresh project and runs the installed `sms-agent` on Node, Bun and Deno from node_modules
 * (Deno refuses to strip types there): `--version`, and a real `--once` run against the mock that
 * polls, runs a handler and reports.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type PackedConsumer,
  packAppIntoConsumer,
  runInConsumer,
  runtimes,
} from '@sms-command/vitest-config/pack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Mock, startMock } from './mock.ts'

const packageDir = join(import.meta.dirname, '..')
const runtimeBins = join(packageDir, 'node_modules', '.bin')
let packed: PackedConsumer | undefined
let workDir = ''
let consumer = ''
const TOKEN = 'tok-SECRET-packed-agent-1'
let mock: Mock

const cli = () => join(consumer, 'node_modules', '@sms-command', 'agent', 'dist', 'cli.js')

const RUNTIMES = runtimes(runtimeBins, ['-A'], cli)

beforeAll(async () => {
  // The published dependencies are linked from the workspace so the test needs no network.
  packed = packAppIntoConsumer({
    prefix: 'sms-agent-pack-',
    dir: packageDir,
    name: '@sms-command/agent',
    dependencies: ['undici'],
  })
  workDir = packed.workDir
  consumer = packed.consumer
  mock = await startMock({ tokens: [TOKEN] })
  // Three `npx pnpm pack` runs: about 2 s each alone, but over a minute each inside the full CI run
  // on 2 cores (measured on Node 24; the cause is not yet known), so the hook gets ten minutes.
}, 600_000)

afterAll(async () => {
  await mock?.close()
  packed?.remove()
})

describe('the published agent', () => {
  it('points every export at dist and ships the CLI', () => {
    const manifest = readFileSync(
      join(consumer, 'node_modules', '@sms-command', 'agent', 'package.json'),
      'utf8',
    )
    const parsed = JSON.parse(manifest)
    expect(JSON.stringify(parsed.exports)).not.toMatch(/src\/|"bun"|"deno"/)
    expect(parsed.bin).toEqual({ 'sms-agent': './bin/sms-agent.js' })
    expect(manifest).not.toMatch(/catalog:|workspace:/)
  })

  it.each(RUNTIMES)(
    'runs sms-agent --version and a --once poll, handle and report from node_modules on %s',
    async (runtime, command, argv) => {
      const version = await runInConsumer(consumer, command, argv(['--version']), {
        SMS_TOKEN: TOKEN,
      })
      expect(version.stdout).toMatch(/^sms-agent \d+\.\d+\.\d+/)
      const serverId = `srv-packed-${runtime.toLowerCase()}`
      await mock.register(serverId)
      await mock.enqueue(serverId, [
        { command_name: 'SYNC', command_param: { task_id: `packed-${runtime}` } },
      ])
      const args = ['--endpoint', mock.url, '--server-id', serverId, '--handler', '/bin/true']
      args.push('--state-dir', join(workDir, `state-${runtime}`), '--once')
      await runInConsumer(consumer, command, argv(args), { SMS_TOKEN: TOKEN })
      expect(await mock.results(serverId)).toMatchObject([
        { result: 'success', result_detail: { task_id: `packed-${runtime}` } },
      ])
    },
    120_000,
  )
})
