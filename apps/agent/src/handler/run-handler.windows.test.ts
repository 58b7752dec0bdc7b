/**
 * Handlers on Windows, for real: a `.cmd` through cmd.exe, an `.exe`, metacharacters in the task
 * id, and the whole tree ended on timeout. Windows only: CI runs this file under Wine with the
 * Windows node.exe (test/windows/wine-unit.test.ts); on Linux every test is skipped.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SmsCommand } from '@sms-command/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { currentPlatform } from '../platform/platform.ts'
import { isWindows } from '../platform/windows.ts'
import { type RunHandlerOptions, runHandler } from './run-handler.ts'

const ON_WINDOWS = isWindows()
/** Everything cmd.exe would act on if it ever parsed the value. */
export const HOSTILE_TASK_ID =
  'x" & echo pwned>"%TEMP%\\pwned.txt" & "y | calc ^ <nul >out.txt %PATH% !PATH! (a) \'b\''

let dir: string
const platform = currentPlatform()

function command(taskId: string, bucket = 'b-1'): SmsCommand {
  return { command_name: 'START', command_param: { task_id: taskId, bucket } }
}

function options(path: string, extra: Partial<RunHandlerOptions> = {}): RunHandlerOptions {
  return {
    path,
    command: command('t-1'),
    serverId: 'srv-1',
    baseEnv: Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => !!entry[1]),
    ),
    timeoutMs: 20_000,
    killGraceMs: 1_000,
    outputTailBytes: 4096,
    platform,
    // As the agent runs them: output to a file (numeric stdio descriptors on Windows too).
    outputDir: join(dir, 'output'),
    ...extra,
  }
}

/** A batch file in the test directory (CRLF, as Windows editors write them). */
async function batch(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${lines.join('\r\n')}\r\n`)
  return path
}

beforeAll(async () => {
  if (ON_WINDOWS) dir = await mkdtemp(join(tmpdir(), 'agent-win-handler-'))
})

describe.skipIf(!ON_WINDOWS)(
  'handlers on Windows (skipped off Windows; CI runs them under Wine)',
  () => {
    it('runs a .cmd handler through cmd.exe with the command name as %1 and its exit code', async () => {
      const path = await batch('on start.cmd', ['@echo off', 'echo ran %1', 'exit /b 3'])
      const outcome = await runHandler(options(path))
      expect(outcome.result).toBe('fail')
      expect(outcome.detail.exit_code).toBe(3)
      expect(outcome.detail.output).toContain('ran START')
    })

    it('hands a task id and bucket full of cmd.exe metacharacters over unchanged, running nothing', async () => {
      const envFile = join(dir, 'env.txt')
      const path = await batch('record.cmd', [
        '@echo off',
        // `set NAME` prints the value as stored: no expansion, no parsing of its content.
        `set SMS_TASK_ID>"${envFile}"`,
        `set SMS_BUCKET>>"${envFile}"`,
      ])
      const bucket = 'bkt & del /q *.* | "%COMSPEC%"'
      const outcome = await runHandler(options(path, { command: command(HOSTILE_TASK_ID, bucket) }))
      expect(outcome.result).toBe('success')
      const lines = (await readFile(envFile, 'utf8')).split(/\r?\n/)
      expect(lines).toContain(`SMS_TASK_ID=${HOSTILE_TASK_ID}`)
      expect(lines).toContain(`SMS_BUCKET=${bucket}`)
      expect(existsSync(join(process.env.TEMP ?? tmpdir(), 'pwned.txt'))).toBe(false)
      expect(await readdir(dir)).not.toContain('out.txt')
    })

    it('starts an .exe handler directly', async () => {
      // cmd.exe itself, run as a plain program: with stdin closed it reads nothing and exits 0.
      const outcome = await runHandler(
        options(process.env.ComSpec ?? 'C:\\Windows\\System32\\cmd.exe'),
      )
      expect(outcome.result).toBe('success')
    })

    it('ends the handler and the process it started on timeout (taskkill /T)', async () => {
      const beat = join(dir, 'beat.txt')
      const child = join(dir, 'child.js')
      // It beats at once, then every 100 ms: node.exe may take seconds to start under load.
      await writeFile(
        child,
        `const fs = require('fs'); const beat = () => fs.appendFileSync(${JSON.stringify(beat)}, '.'); beat(); setInterval(beat, 100)`,
      )
      const path = await batch('slow.cmd', ['@echo off', `"${process.execPath}" "${child}"`])
      const outcome = await runHandler(options(path, { timeoutMs: 10_000, killGraceMs: 500 }))
      expect(outcome.detail.reason).toBe('timeout')
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      const size = (await stat(beat)).size
      expect(size).toBeGreaterThan(0)
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      // The grandchild is gone too: the heartbeat stopped.
      expect((await stat(beat)).size).toBe(size)
    }, 40_000)

    it('reports a handler cut short by the agent stopping as interrupted', async () => {
      const path = await batch('wait.cmd', [
        '@echo off',
        `"${process.execPath}" -e "setTimeout(()=>{},60000)"`,
      ])
      const stop = new AbortController()
      setTimeout(() => stop.abort(), 1_500)
      const outcome = await runHandler(options(path, { signal: stop.signal, killGraceMs: 500 }))
      expect(outcome.detail.reason).toBe('interrupted')
    }, 30_000)
  },
)
