/**
 * The shipped systemd unit and sample config, and being stopped the way systemd's default
 * KillMode=control-group stops a unit: SIGTERM to the agent and its handler at the same instant.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseDuration } from '@sms-command/cli-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flushBudgetMs } from '../src/agent.ts'
import { loadConfig } from '../src/config/load-config.ts'
import { EXIT_STORAGE_UNAVAILABLE } from '../src/durable/storage-failure.ts'
import { AGENT_DIR, startAgentProcess } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const UNIT = join(AGENT_DIR, 'deploy', 'sms-agent.service')
const SAMPLE = join(AGENT_DIR, 'deploy', 'config.sample.json')
const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(existsSync)
const TOKEN = 'tok-SECRET-systemd-77aa'

/** `Key=value` lines of the unit, repeated keys kept in order. */
async function unitSettings(): Promise<Map<string, string[]>> {
  const settings = new Map<string, string[]>()
  for (const line of (await readFile(UNIT, 'utf8')).split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim())
    if (!match) continue
    const [, key = '', value = ''] = match
    settings.set(key, [...(settings.get(key) ?? []), value])
  }
  return settings
}

describe('the shipped systemd unit', () => {
  it('stops the agent alone first and waits out shutdown grace + kill grace + flush budget', async () => {
    const unit = await unitSettings()
    const config = await loadConfig({
      args: ['--config', SAMPLE],
      env: () => undefined,
      cwd: AGENT_DIR,
      readTextFile: async (path) =>
        path === SAMPLE ? readFile(path, 'utf8') : 'sample-password\n',
      checkExecutable: async () => {},
    })
    if (config.action !== 'run') throw new Error('the sample config did not load')
    const needed =
      config.config.shutdownGraceMs +
      config.config.killGraceMs +
      flushBudgetMs(config.config.requestTimeoutMs)
    expect(unit.get('KillMode')).toEqual(['mixed'])
    expect(parseDuration(`${unit.get('TimeoutStopSec')?.[0]}s`)).toBeGreaterThanOrEqual(needed)
    expect(unit.get('Restart')).toEqual(['on-failure'])
    // Exit 75 (storage not writable for now) is restarted, forever; 2 and 3 are permanent.
    expect(unit.get('RestartPreventExitStatus')).toEqual(['2 3'])
    expect(unit.get('RestartPreventExitStatus')?.[0]?.split(' ')).not.toContain(
      String(EXIT_STORAGE_UNAVAILABLE),
    )
    expect(unit.get('StartLimitIntervalSec')).toEqual(['0'])
    expect(Number(unit.get('RestartSec')?.[0])).toBeGreaterThanOrEqual(10)
    expect(unit.get('StateDirectory')).toEqual(['sms-agent'])
    expect(unit.get('NoNewPrivileges')).toEqual(['yes'])
    expect(unit.get('ProtectSystem')).toEqual(['strict'])
    expect(unit.get('PrivateTmp')).toEqual(['yes'])
    expect(unit.get('ReadWritePaths')).toEqual([config.config.stateDir])
    expect(unit.get('ExecStart')?.[0]).toContain('--config /etc/sms-agent/config.json')
  })

  it.skipIf(SYSTEMD_ANALYZE === undefined)(
    'passes systemd-analyze verify (skipped without the Debian package systemd)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'agent-unit-'))
      const binary = join(dir, 'sms-agent')
      await writeFile(binary, '#!/bin/sh\nexit 0\n')
      await chmod(binary, 0o755)
      const copy = join(dir, 'sms-agent.service')
      await writeFile(
        copy,
        (await readFile(UNIT, 'utf8')).replace('/usr/local/bin/sms-agent', binary),
      )
      const { stdout, stderr } = await promisify(execFile)(SYSTEMD_ANALYZE as string, [
        'verify',
        copy,
      ])
      expect(`${stdout}${stderr}`).not.toMatch(/sms-agent\.service:\d+:|Unknown|Invalid/i)
    },
  )
})

describe('stopped as KillMode=control-group does (SIGTERM to agent and handler at once)', () => {
  let mock: Mock
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-systemd-'))
    mock = await startMock({ tokens: [TOKEN] })
  })
  afterAll(async () => {
    await mock?.close()
  })

  it('journals the handler interrupted and reports it so, not as a plain signal failure', async () => {
    const pidFile = join(dir, 'handler.pid')
    const handler = join(dir, 'handler.sh')
    await writeFile(handler, `#!/bin/sh\necho $$ > '${pidFile}'\nsleep 20\n`)
    await chmod(handler, 0o755)
    await mock.register('srv-stop')
    await mock.enqueue('srv-stop', [{ command_name: 'START', command_param: { task_id: 'cg' } }])
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', mock.url, '--server-id', 'srv-stop'],
        ...['--state-dir', join(dir, 'state'), '--handler', handler],
        ...['--interval', '50ms', '--first-poll-jitter', '0ms'],
      ],
      { SMS_TOKEN: TOKEN },
    )
    await agent.waitForEvent((event) => event.event === 'command.start')
    let pid = ''
    for (let tries = 0; tries < 200 && !/^\d+\s*$/.test(pid); tries++) {
      pid = await readFile(pidFile, 'utf8').catch(() => '')
      if (!/^\d+\s*$/.test(pid)) await new Promise((resolve) => setTimeout(resolve, 25))
    }
    // The handler runs in its own process group (= its pid): signal the group and the agent.
    process.kill(-Number(pid), 'SIGTERM')
    agent.child.kill('SIGTERM')
    expect(await agent.exited).toBe(0)
    expect(await mock.results('srv-stop')).toMatchObject([
      {
        result: 'fail',
        result_detail: { reason: 'interrupted', signal: 'SIGTERM', task_id: 'cg' },
      },
    ])
  }, 30_000)
})
