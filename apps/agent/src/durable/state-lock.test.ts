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

  it('refuses a lock file it did not write', async () => {
    await writeFile(join(dir, LOCK_FILE), 'someone else')
    const error = await acquireStateLock(options(200)).catch((caught: unknown) => caught)
    expect(isStateError(error) && error.kind).toBe('corrupt')
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
})
