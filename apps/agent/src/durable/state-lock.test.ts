import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { isStateError } from './state-error.ts'
import { acquireStateLock, LOCK_FILE, type LockOptions } from './state-lock.ts'

let dir: string
const alive = new Set<number>()

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-lock-'))
  alive.clear()
})

const options = (pid: number, extra: Partial<LockOptions> = {}): LockOptions => ({
  dir,
  pid,
  runtime: 'node 20',
  processExists: async (candidate) => alive.has(candidate),
  ...extra,
})

describe('acquireStateLock', () => {
  it('records the holder and removes the file on release', async () => {
    alive.add(100)
    const lock = await acquireStateLock(options(100))
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: 100,
      runtime: 'node 20',
    })
    await lock.release()
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a second agent while the first is alive, naming its pid', async () => {
    alive.add(100)
    await acquireStateLock(options(100))
    const error = await acquireStateLock(options(200)).catch((caught: unknown) => caught)
    expect(isStateError(error) && error.kind).toBe('locked')
    expect((error as Error).message).toContain('is locked by another agent (pid 100')
  })

  it('takes over a lock left by a dead process and says so', async () => {
    await acquireStateLock(options(100)) // pid 100 is not alive: it "crashed"
    const stale: unknown[] = []
    const lock = await acquireStateLock(options(200, { onStale: (owner) => stale.push(owner) }))
    expect(stale).toMatchObject([{ pid: 100 }])
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(200)
    expect(await readdir(dir)).toEqual([LOCK_FILE])
  })

  it('takes over an empty lock file left by a crash during creation', async () => {
    await writeFile(join(dir, LOCK_FILE), '')
    const lock = await acquireStateLock(options(200))
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(200)
  })

  // A file that proves no live holder is stale, whatever it holds: refusing it stopped the agent
  // for good (exit 3 is in the unit's RestartPreventExitStatus).
  it.each([
    ['someone else'],
    ['{"pid":12345,"runt'],
    ['xyz garbage'],
    ['{"pid":"1"}'],
    ['{"pid":1.5}'],
    ['{"pid":0}'],
    ['{"pid":-4}'],
    ['null'],
    ['[]'],
    ['{}'],
    ['\u0000\u0000\u0000'],
  ])('takes over a lock file that is no sms-agent lock (%j) with a warning', async (text) => {
    alive.add(1)
    alive.add(12345)
    await writeFile(join(dir, LOCK_FILE), text)
    const stale: { owner: unknown; why: string }[] = []
    const lock = await acquireStateLock(
      options(200, { onStale: (owner, why) => stale.push({ owner, why }) }),
    )
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(200)
    expect(stale).toHaveLength(1)
    expect(stale[0]?.owner).toBeUndefined()
    expect(stale[0]?.why).toContain('not a readable sms-agent lock')
    expect(await readdir(dir)).toEqual([LOCK_FILE])
  })

  it('does not remove a lock that another agent took over', async () => {
    const first = await acquireStateLock(options(100))
    await acquireStateLock(options(200)) // 100 counted as dead
    await first.release()
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(200)
  })

  it('uses a real liveness probe: the current process holds, a finished one does not', async () => {
    const { currentPlatform } = await import('../platform/platform.ts')
    const platform = currentPlatform()
    const probe = { processExists: (pid: number) => platform.processExists(pid) }
    await acquireStateLock(options(process.pid, probe))
    const error = await acquireStateLock(options(process.pid + 1, probe)).catch((e: unknown) => e)
    expect(isStateError(error) && error.kind).toBe('locked')
  })

  describe('after a reboot or a pid reuse', () => {
    const identity = (boot: string, starts: Record<number, string>) => ({
      bootId: async () => boot,
      processStart: async (pid: number) => starts[pid],
      commandLine: async () => ['/usr/bin/node', '/opt/sms-agent/dist/cli.js'],
    })

    it('records the boot id and the holder start time in the lock', async () => {
      alive.add(100)
      const lock = await acquireStateLock(
        options(100, { identity: identity('boot-a', { 100: '4242' }) }),
      )
      expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({
        pid: 100,
        bootId: 'boot-a',
        processStart: '4242',
      })
    })

    it('takes over a lock of an earlier boot even though its pid is alive again', async () => {
      alive.add(100)
      await acquireStateLock(options(100, { identity: identity('boot-a', { 100: '4242' }) }))
      const stale: string[] = []
      const lock = await acquireStateLock(
        options(200, {
          identity: identity('boot-b', { 100: '4242', 200: '9' }),
          onStale: (_owner, why) => stale.push(why),
        }),
      )
      expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(200)
      expect(stale).toEqual([expect.stringContaining('restarted')])
    })

    it('takes over a lock whose pid now belongs to a process that started later', async () => {
      alive.add(100)
      await acquireStateLock(options(100, { identity: identity('boot-a', { 100: '4242' }) }))
      const stale: string[] = []
      await acquireStateLock(
        options(200, {
          identity: identity('boot-a', { 100: '5000', 200: '6000' }),
          onStale: (_owner, why) => stale.push(why),
        }),
      )
      expect(stale).toEqual([expect.stringContaining('another process')])
    })

    it('refuses the same boot, pid and start time: a live agent', async () => {
      alive.add(100)
      const same = identity('boot-a', { 100: '4242', 200: '6000' })
      await acquireStateLock(options(100, { identity: same }))
      const error = await acquireStateLock(options(200, { identity: same })).catch((e) => e)
      expect(isStateError(error) && error.kind).toBe('locked')
    })

    it('takes over {"pid":1,…}: pid 1 is alive but is no agent', async () => {
      const { currentPlatform } = await import('../platform/platform.ts')
      const platform = currentPlatform()
      await writeFile(
        join(dir, LOCK_FILE),
        `${JSON.stringify({ pid: 1, runtime: 'node 20', startedAt: new Date().toISOString() })}\n`,
      )
      const stale: string[] = []
      const lock = await acquireStateLock(
        options(process.pid, {
          processExists: (pid) => platform.processExists(pid),
          onStale: (_owner, why) => stale.push(why),
        }),
      )
      expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(process.pid)
      expect(stale).toEqual([expect.stringMatching(/pid 1 now belongs to .*not an sms-agent/)])
    })
  })
})
