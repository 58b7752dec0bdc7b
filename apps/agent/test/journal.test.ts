/**
 * The agent under systemd: when stdout is the journal stream (`JOURNAL_STREAM` = its device and
 * inode, as systemd sets it), text lines carry sd-daemon(3) priority prefixes (`<3>` error … `<7>`
 * debug) so `journalctl -p err` filters; JSON lines stay plain NDJSON; a stdout that is not the
 * journal (a pipe, with the variable inherited) gets no prefix. The built CLI, against the mock.
 */
import { spawn } from 'node:child_process'
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AGENT_DIR } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const TOKEN = 'tok-journal-5e1f0a77'
let dir: string
let mock: Mock

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-journal-'))
  mock = await startMock({ tokens: [TOKEN] })
  await mock.register('srv-journal')
})
afterAll(async () => {
  await mock?.close()
})

/** Runs `sms-agent --once` with stdout written to a file, as journald's stream would take it. */
async function runOnce(logFormat: 'json' | 'text', journal: 'this-stdout' | 'elsewhere' | 'unset') {
  const file = join(dir, `out-${logFormat}-${journal}-${Date.now()}.log`)
  const fd = openSync(file, 'w')
  const { dev, ino } = fstatSync(fd, { bigint: true })
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    SMS_TOKEN: TOKEN,
  }
  if (journal === 'this-stdout') env.JOURNAL_STREAM = `${dev}:${ino}`
  if (journal === 'elsewhere') env.JOURNAL_STREAM = `${dev}:${ino + 1n}`
  const stateDir = join(dir, `state-${logFormat}-${journal}`)
  const args = [
    '--endpoint',
    mock.url,
    '--server-id',
    'srv-journal',
    '--state-dir',
    stateDir,
    '--once',
  ]
  args.push('--log-format', logFormat, '--log-level', 'debug')
  const child = spawn(process.execPath, [join(AGENT_DIR, 'dist', 'cli.js'), ...args], {
    cwd: AGENT_DIR,
    env,
    stdio: ['ignore', fd, 'inherit'],
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  closeSync(fd)
  return { code, lines: readFileSync(file, 'utf8').split('\n').filter(Boolean) }
}

describe('log lines under systemd (JOURNAL_STREAM)', () => {
  it('prefixes every text line with its syslog priority when stdout is the journal stream', async () => {
    const { code, lines } = await runOnce('text', 'this-stdout')
    expect(code).toBe(0)
    expect(lines.length).toBeGreaterThan(2)
    const priorities: Record<string, string> = {
      ERROR: '<3>',
      WARN: '<4>',
      INFO: '<6>',
      DEBUG: '<7>',
    }
    for (const line of lines) {
      const match = /^(<\d>)\S+ (ERROR|WARN|INFO|DEBUG)\s/.exec(line)
      expect(match, line).not.toBeNull()
      expect(match?.[1], line).toBe(priorities[match?.[2] ?? ''])
    }
    expect(lines.some((line) => line.startsWith('<6>') && line.includes(' agent.start '))).toBe(
      true,
    )
    expect(lines.some((line) => line.startsWith('<7>') && line.includes(' poll.idle '))).toBe(true)
  }, 60_000)

  it('leaves JSON lines as they are: NDJSON, the level in its field', async () => {
    const { code, lines } = await runOnce('json', 'this-stdout')
    expect(code).toBe(0)
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    expect(lines[0]).toMatch(/^\{"time":/)
  }, 60_000)

  it('writes no prefix when stdout is not the stream JOURNAL_STREAM names, or it is unset', async () => {
    for (const journal of ['elsewhere', 'unset'] as const) {
      const { code, lines } = await runOnce('text', journal)
      expect(code).toBe(0)
      for (const line of lines) expect(line, journal).toMatch(/^\d{4}-\d\d-\d\dT/)
    }
  }, 60_000)
})
