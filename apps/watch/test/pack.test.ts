/**
 * Packs @sms-command/watch, @sms-command/cli-kit and @sms-command/core as they would be published
 * (pnpm pack applies publishConfig), installs the tarballs into a fresh project and runs the
 * installed `sms-watch` on Node, Bun and Deno from node_modules: `--help`, and `--print-config`
 * (which reads and checks every setting without opening the terminal UI).
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

const run = promisify(execFile)
const packageDir = join(import.meta.dirname, '..')
const rootDir = join(packageDir, '..', '..')
const coreDir = join(rootDir, 'packages', 'core')
/** Bun and Deno come with the agent's devDependencies. */
const runtimeBins = join(rootDir, 'apps', 'agent', 'node_modules', '.bin')
const { packageManager } = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as {
  packageManager: string
}
const TOKEN = 'tok-SECRET-packed-watch-1'
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

const cli = () => join(consumer, 'node_modules', '@sms-command', 'watch', 'dist', 'cli.js')

const RUNTIMES = [
  ['Node', process.execPath, (args: string[]) => [cli(), ...args]],
  ['Bun', join(runtimeBins, 'bun'), (args: string[]) => [cli(), ...args]],
  [
    'Deno',
    join(runtimeBins, 'deno'),
    (args: string[]) => ['run', '--no-prompt', '--quiet', '-A', cli(), ...args],
  ],
] as const

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'sms-watch-pack-'))
  consumer = join(workDir, 'consumer')
  mkdirSync(consumer)
  install(coreDir, '@sms-command/core')
  install(join(rootDir, 'packages', 'cli-kit'), '@sms-command/cli-kit')
  install(packageDir, '@sms-command/watch')
  // The published dependencies, linked from the workspace so the test needs no network.
  for (const dependency of ['ky', 'valibot', '@valibot/to-json-schema', 'eventsource-parser']) {
    link(coreDir, dependency)
  }
  for (const dependency of ['ink', 'react', 'string-width']) link(packageDir, dependency)
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module', private: true }))
}, 180_000)

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

describe('the published watch', () => {
  it('points every export at dist and ships the CLI', () => {
    const manifest = readFileSync(
      join(consumer, 'node_modules', '@sms-command', 'watch', 'package.json'),
      'utf8',
    )
    const parsed = JSON.parse(manifest)
    expect(JSON.stringify(parsed.exports)).not.toMatch(/src\/|"bun"|"deno"/)
    expect(parsed.bin).toEqual({ 'sms-watch': './dist/cli.js' })
    expect(manifest).not.toMatch(/catalog:|workspace:/)
  })

  it.each(RUNTIMES)(
    'runs sms-watch --help and --print-config from node_modules on %s',
    async (_runtime, command, argv) => {
      const options = {
        cwd: consumer,
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', SMS_TOKEN: TOKEN },
        timeout: 60_000,
      }
      const help = await run(command, argv(['--help']), options)
      expect(help.stdout).toContain('sms-watch')
      expect(help.stdout).toContain('--servers')
      const printed = await run(
        command,
        argv(['--endpoint', 'http://127.0.0.1:9', '--servers', 'a,b', '--print-config']),
        options,
      )
      const config = JSON.parse(printed.stdout)
      expect(config.sources).toMatchObject({ endpoint: 'flag --endpoint' })
      expect(printed.stdout).not.toContain(TOKEN)
    },
    120_000,
  )
})
