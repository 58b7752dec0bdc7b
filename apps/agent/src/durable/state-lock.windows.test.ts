/**
 * The state lock on Windows, without /proc: the holder's pid is probed with process.kill(pid, 0),
 * its image name read with tasklist and (where PowerShell runs) its creation time compared.
 * The first tests fake the Windows programs and run everywhere; the last ones run for real on
 * Windows (CI: under Wine with node.exe).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { beforeEach, describe, expect, it } from 'vitest'
import { currentPlatform } from '../platform/platform.ts'
import { isWindows, type ProgramRunner, windowsHostIdentity } from '../platform/windows.ts'
import { isStateError } from './state-error.ts'
import { acquireStateLock, LOCK_FILE } from './state-lock.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-winlock-'))
})

/** tasklist and PowerShell answering as Windows would for `images` (pid → image name). */
function windowsPrograms(images: Record<number, string>, starts: Record<number, string> = {}) {
  const run: ProgramRunner = async (file, args) => {
    const pid = Number(/(\d+)/.exec(args.join(' '))?.[1])
    if (/tasklist/i.test(file)) {
      const image = images[pid]
      return {
        code: 0,
        stdout: image ? `"${image}","${pid}","Console","1","9 K"\r\n` : 'INFO: No tasks\r\n',
      }
    }
    if (/powershell/i.test(file)) return { code: 0, stdout: starts[pid] ?? '' }
    return { code: null, stdout: '' }
  }
  return windowsHostIdentity({ run, env: { SystemRoot: 'C:\\Windows' } })
}

describe('the state lock with the Windows identity (programs faked)', () => {
  it('takes over a lock whose pid now belongs to a program that is no agent', async () => {
    await writeFile(
      join(dir, LOCK_FILE),
      `${JSON.stringify({ pid: 640, runtime: 'node 24', startedAt: 'x' })}\n`,
    )
    const stale: string[] = []
    const lock = await acquireStateLock({
      dir,
      pid: 700,
      runtime: 'node 24',
      processExists: async () => true,
      identity: windowsPrograms({ 640: 'svchost.exe' }),
      onStale: (_, why) => stale.push(why),
    })
    expect(stale[0]).toContain('svchost.exe')
    await lock.release()
  })

  it('refuses while the pid is a runtime whose arguments cannot be read (the documented limit)', async () => {
    await writeFile(
      join(dir, LOCK_FILE),
      `${JSON.stringify({ pid: 640, runtime: 'node 24', startedAt: 'x' })}\n`,
    )
    const error = await acquireStateLock({
      dir,
      pid: 700,
      runtime: 'node 24',
      processExists: async () => true,
      identity: windowsPrograms({ 640: 'node.exe' }),
    }).catch((caught: unknown) => caught)
    expect(isStateError(error) && error.kind).toBe('locked')
  })

  it('tells a reused pid by its creation time where PowerShell answers', async () => {
    const identity = windowsPrograms({ 640: 'node.exe' }, { 640: '638700000000000001' })
    await writeFile(
      join(dir, LOCK_FILE),
      `${JSON.stringify({ pid: 640, runtime: 'node 24', startedAt: 'x', processStart: '638700000000000000' })}\n`,
    )
    const stale: string[] = []
    const lock = await acquireStateLock({
      dir,
      pid: 700,
      runtime: 'node 24',
      processExists: async () => true,
      identity,
      onStale: (_, why) => stale.push(why),
    })
    expect(stale[0]).toContain('another process')
    await lock.release()
  })
})

describe.skipIf(!isWindows())(
  'the state lock on Windows for real (skipped off Windows; CI runs it under Wine)',
  () => {
    const platform = currentPlatform()
    const identity = windowsHostIdentity()

    it('refuses a second agent while the holder runs, and takes over once it is gone', async () => {
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
        stdio: 'ignore',
      })
      const pid = holder.pid as number
      await writeFile(
        join(dir, LOCK_FILE),
        `${JSON.stringify({ pid, runtime: 'node 24', startedAt: 'x' })}\n`,
      )
      const options = {
        dir,
        pid: process.pid,
        runtime: platform.runtimeVersion,
        processExists: (candidate: number) => platform.processExists(candidate),
        identity,
      }
      const refused = await acquireStateLock(options).catch((caught: unknown) => caught)
      expect(isStateError(refused) && refused.kind).toBe('locked')
      holder.kill()
      await new Promise((resolve) => holder.once('exit', resolve))
      const stale: string[] = []
      const lock = await acquireStateLock({ ...options, onStale: (_, why) => stale.push(why) })
      expect(stale[0]).toContain(`no process has its pid ${pid}`)
      await lock.release()
    }, 60_000)
  },
)
