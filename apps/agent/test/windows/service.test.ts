/**
 * The shipped Windows service definition (WinSW) and the Windows sample config: the stop timeout
 * covers shutdown grace + kill grace + flush budget, the agent is stopped first (Ctrl+C, which it
 * handles like SIGTERM), failures restart it, the log rotates. A CRLF copy of the sample loads
 * like the original. Runs everywhere (it reads files); the service itself can't run under Wine
 * (no Service Control Manager that starts it, no .NET for WinSW): see apps/agent/README.md.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseDuration } from '@sms-command/cli-kit'
import { describe, expect, it } from 'vitest'
import { flushBudgetMs } from '../../src/agent.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { AGENT_DIR } from '../agent-process.ts'

const DEPLOY = join(AGENT_DIR, 'deploy', 'windows')
const SERVICE = join(DEPLOY, 'sms-agent-service.xml')
const SAMPLE = join(DEPLOY, 'config.sample.json')

/** The text of every `<name>` element of the service definition, comments left out. */
async function elements(name: string): Promise<string[]> {
  const xml = (await readFile(SERVICE, 'utf8')).replace(/<!--[\s\S]*?-->/g, '')
  return [...xml.matchAll(new RegExp(`<${name}(\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map(
    (match) => (match[2] ?? '').trim(),
  )
}

async function attributes(name: string): Promise<Record<string, string>[]> {
  const xml = (await readFile(SERVICE, 'utf8')).replace(/<!--[\s\S]*?-->/g, '')
  return [...xml.matchAll(new RegExp(`<${name}\\s([^>]*?)/?>`, 'g'))].map((match) =>
    Object.fromEntries(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]),
    ),
  )
}

async function sampleConfig(path = SAMPLE) {
  const loaded = await loadConfig({
    args: ['--config', path],
    env: (name) => (name === 'SMS_STATE_DIR' ? 'C:\\ProgramData\\sms-agent\\state' : undefined),
    cwd: DEPLOY,
    readTextFile: async (file) => (file === path ? readFile(file, 'utf8') : 'sample-password\r\n'),
    checkExecutable: async () => {},
  })
  if (loaded.action !== 'run') throw new Error('the Windows sample config did not load')
  return loaded.config
}

describe('the shipped Windows service (WinSW)', () => {
  it('stops the agent first and waits out shutdown grace + kill grace + flush budget', async () => {
    const config = await sampleConfig()
    const needed =
      config.shutdownGraceMs + config.killGraceMs + flushBudgetMs(config.requestTimeoutMs)
    const [timeout] = await elements('stoptimeout')
    expect(parseDuration((timeout ?? '').replace(/\s*sec$/, 's'))).toBeGreaterThanOrEqual(needed)
    expect(await elements('stopparentprocessfirst')).toEqual(['true'])
  })

  it('restarts on failure, starts with Windows, rotates its log', async () => {
    const failures = await attributes('onfailure')
    expect(failures.length).toBeGreaterThanOrEqual(1)
    expect(failures.every((failure) => failure.action === 'restart')).toBe(true)
    expect(await elements('startmode')).toEqual(['Automatic'])
    expect((await attributes('log'))[0]).toEqual({ mode: 'roll-by-size' })
    expect(await elements('keepFiles')).toEqual(['8'])
    expect((await elements('logpath'))[0]).toContain('%ProgramData%\\sms-agent')
  })

  it('runs the one-file agent with the config under %ProgramData%', async () => {
    expect(await elements('executable')).toEqual(['%BASE%\\sms-agent.exe'])
    expect((await elements('arguments'))[0]).toBe(
      '--config "%ProgramData%\\sms-agent\\config.json"',
    )
  })

  it('loads the Windows sample written with CRLF line ends and a BOM, as Notepad may save it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-winsample-'))
    const copy = join(dir, 'config.json')
    await writeFile(copy, `\uFEFF${(await readFile(SAMPLE, 'utf8')).replaceAll('\n', '\r\n')}`)
    const original = await sampleConfig()
    const crlf = await sampleConfig(copy)
    expect(crlf.shutdownGraceMs).toBe(original.shutdownGraceMs)
    expect(crlf.handlers.default?.endsWith('on-command.cmd')).toBe(true)
    expect(crlf.serverId).toBe(original.serverId)
  })
})
