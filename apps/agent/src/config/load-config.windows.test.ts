/**
 * What the configuration does on Windows: handlers are told by their extension (Windows reports
 * every file as 0666, no execute bit), and the state directory defaults to
 * %ProgramData%\sms-agent. Windows only: CI runs this file under Wine with node.exe.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { describe, expect, it } from 'vitest'
import { isWindows } from '../platform/windows.ts'
import { loadConfig } from './load-config.ts'

const base = ['--endpoint', 'http://127.0.0.1:9', '--server-id', 'srv-1']
const env = (name: string) => (name === 'SMS_TOKEN' ? 'tok-win-1' : undefined)

describe.skipIf(!isWindows())(
  'configuration on Windows (skipped off Windows; CI runs it under Wine)',
  () => {
    it('accepts a .cmd handler (mode 0666) and refuses a file Windows would not run', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'agent-winconf-'))
      const good = join(dir, 'on-start.cmd')
      const bad = join(dir, 'on-start.sh')
      await writeFile(good, '@echo off\r\n')
      await writeFile(bad, 'echo\n')
      const inputs = { env, cwd: dir }
      const loaded = await loadConfig({
        ...inputs,
        args: [...base, '--state-dir', dir, '--handler', good],
      })
      expect(loaded.action === 'run' && loaded.config.handlers.default).toBe(good)
      await expect(
        loadConfig({ ...inputs, args: [...base, '--state-dir', dir, '--handler', bad] }),
      ).rejects.toThrow(/not a \.exe, \.com, \.cmd, \.bat or \.ps1 file/)
    })

    it('keeps state under %ProgramData%\\sms-agent when --state-dir is not given', async () => {
      const loaded = await loadConfig({ args: base, env, cwd: process.cwd() })
      const programData = process.env.ProgramData ?? 'C:\\ProgramData'
      expect(loaded.action === 'run' && loaded.config.stateDir).toBe(`${programData}\\sms-agent`)
    })
  },
)
