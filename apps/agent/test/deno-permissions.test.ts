/**
 * `deno run` with too few permissions (issue "field conditions"): the agent never reaches Deno's
 * prompt (which hangs a terminal session or a service started from one) and never gives a wrong
 * hint ("No credentials: set SMS_TOKEN" while SMS_TOKEN is set but --allow-env is missing): what
 * is missing is found before use and named with the exact flags to add.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AGENT_DIR, runtimeAvailable, runtimeBinary } from './agent-process.ts'

const HAS_DENO = runtimeAvailable('deno')
const HAS_SCRIPT = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
const CLI = join(AGENT_DIR, 'src', 'cli.ts')
const TOKEN = 'tok-SECRET-deno-perm-5e'

interface Ran {
  code: number
  output: string
}

async function denoAgent(flags: readonly string[], args: readonly string[]): Promise<Ran> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-deno-perm-'))
  try {
    const { stdout, stderr } = await promisify(execFile)(
      runtimeBinary('deno'),
      ['run', ...flags, CLI, ...args],
      {
        cwd: dir,
        timeout: 20_000,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SMS_TOKEN: TOKEN, HOME: dir },
      },
    )
    return { code: 0, output: `${stdout}${stderr}` }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

const BASE = ['--endpoint', 'http://127.0.0.1:9', '--server-id', 'srv-1', '--once']

describe.skipIf(!HAS_DENO)('deno run with missing permissions', () => {
  it('names --allow-env, not "No credentials", when SMS_TOKEN is set but unreadable', async () => {
    const ran = await denoAgent(
      ['--allow-net=127.0.0.1'],
      [...BASE, '--state-dir', '/tmp/x', '--handler', '/bin/true'],
    )
    expect(ran.code).toBe(2)
    expect(ran.output).toContain('Deno may not read')
    expect(ran.output).toContain('SMS_TOKEN')
    expect(ran.output).toContain('--allow-env=SMS_*,')
    expect(ran.output).not.toContain('No credentials')
    expect(ran.output).not.toContain(TOKEN)
  }, 30_000)

  it('names --allow-read for a config file it may not read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-deno-conf-'))
    const config = join(dir, 'config.json')
    await writeFile(config, '{"serverId": "srv-1"}\n')
    const ran = await denoAgent(
      ['--allow-net=127.0.0.1', '--allow-env'],
      ['--config', config, '--endpoint', 'http://127.0.0.1:9'],
    )
    expect(ran.code).toBe(2)
    expect(ran.output).toContain(`--allow-read=${config}`)
  }, 30_000)

  it('names every missing grant of the configuration at once, with the whole command line', async () => {
    const ran = await denoAgent(
      ['--allow-net=127.0.0.1', '--allow-env'],
      [...BASE, '--state-dir', '/tmp/agent-deno-state', '--handler', '/bin/true'],
    )
    expect(ran.code).toBe(2)
    expect(ran.output).toContain('--allow-read=/tmp/agent-deno-state')
    expect(ran.output).toContain('--allow-write=/tmp/agent-deno-state')
    expect(ran.output).toContain('--allow-run=/bin/true,kill')
  }, 30_000)

  it.skipIf(!HAS_SCRIPT)(
    'never stops at a prompt on a terminal (run under script(1), a pseudo-terminal)',
    async () => {
      const command = [
        runtimeBinary('deno'),
        'run',
        '--allow-net=127.0.0.1',
        CLI,
        ...BASE,
        ...['--state-dir', '/tmp/x', '--handler', '/bin/true'],
      ].join(' ')
      const started = Date.now()
      const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], {
        timeout: 20_000,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SMS_TOKEN: TOKEN, TERM: 'xterm' },
      }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }))
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(stdout).not.toContain('Deno requests')
      expect(stdout).toContain('--allow-env=SMS_*,')
    },
    30_000,
  )
})
