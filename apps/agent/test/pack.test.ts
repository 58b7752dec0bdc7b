/**
 * Packs @sms-command/agent, @sms-command/cli-kit and @sms-command/core as they would be published
 * (pnpm pack applies publishConfig: every export points at dist), installs the tarballs into a
 * fresh project and runs the installed `sms-agent` on Node, Bun and Deno from node_modules
 * (Deno refuses to strip types there): `--version`, and a real `--once` run against the mock that
 * polls, runs a handler and reports.
 */
import { execFile, execFileSync } from 'node:child_process'
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
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Mock, startMock } from './mock.ts'

const run = promisify(execFile)
const packageDir = join(import.meta.dirname, '..')
const rootDir = join(packageDir, '..', '..')
const coreDir = join(rootDir, 'packages', 'core')
const { packageManager } = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as {
  packageManager: string
}
const TOKEN = 'tok-SECRET-packed-agent-1'
let workDir = ''
let consumer = ''
let mock: Mock

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

const cli = () => join(consumer, 'node_modules', '@sms-command', 'agent', 'dist', 'cli.js')

const RUNTIMES = [
  ['Node', process.execPath, (args: string[]) => [cli(), ...args]],
  ['Bun', join(packageDir, 'node_modules', '.bin', 'bun'), (args: string[]) => [cli(), ...args]],
  [
    'Deno',
    join(packageDir, 'node_modules', '.bin', 'deno'),
    (args: string[]) => ['run', '--no-prompt', '--quiet', '-A', cli(), ...args],
  ],
] as const

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'sms-agent-pack-'))
  consumer = join(workDir, 'consumer')
  mkdirSync(consumer)
  install(coreDir, '@sms-command/core')
  install(join(rootDir, 'packages', 'cli-kit'), '@sms-command/cli-kit')
  install(packageDir, '@sms-command/agent')
  // The published dependencies, linked from the workspace so the test needs no network.
  for (const dependency of ['ky', 'valibot', '@valibot/to-json-schema', 'eventsource-parser']) {
    link(coreDir, dependency)
  }
  link(packageDir, 'undici')
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module', private: true }))
  mock = await startMock({ tokens: [TOKEN] })
}, 180_000)

afterAll(async () => {
  await mock?.close()
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

describe('the published agent', () => {
  it('points every export at dist and ships the CLI', () => {
    const manifest = readFileSync(
      join(consumer, 'node_modules', '@sms-command', 'agent', 'package.json'),
      'utf8',
    )
    const parsed = JSON.parse(manifest)
    expect(JSON.stringify(parsed.exports)).not.toMatch(/src\/|"bun"|"deno"/)
    expect(parsed.bin).toEqual({ 'sms-agent': './dist/cli.js' })
    expect(manifest).not.toMatch(/catalog:|workspace:/)
  })

  it.each(RUNTIMES)(
    'runs sms-agent --version and a --once poll, handle and report from node_modules on %s',
    async (runtime, command, argv) => {
      const options = {
        cwd: consumer,
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', SMS_TOKEN: TOKEN },
        timeout: 60_000,
      }
      const version = await run(command, argv(['--version']), options)
      expect(version.stdout).toMatch(/^sms-agent \d+\.\d+\.\d+/)
      const serverId = `srv-packed-${runtime.toLowerCase()}`
      await mock.register(serverId)
      await mock.enqueue(serverId, [
        { command_name: 'SYNC', command_param: { task_id: `packed-${runtime}` } },
      ])
      const args = ['--endpoint', mock.url, '--server-id', serverId, '--handler', '/bin/true']
      args.push('--state-dir', join(workDir, `state-${runtime}`), '--once')
      await run(command, argv(args), options)
      expect(await mock.results(serverId)).toMatchObject([
        { result: 'success', result_detail: { task_id: `packed-${runtime}` } },
      ])
    },
    120_000,
  )
})
