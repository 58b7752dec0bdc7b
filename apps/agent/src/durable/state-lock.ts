import { open, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { syncDirectory } from './atomic-file.ts'
import { StateError } from './state-error.ts'

/** Name of the lock file inside the state directory. */
export const LOCK_FILE = 'agent.lock'

/** What the lock file records about its holder. */
export interface LockOwner {
  pid: number
  runtime: string
  startedAt: string
}

/** A held lock. */
export interface StateLock {
  readonly path: string
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>
}

/** Options of {@link acquireStateLock}. */
export interface LockOptions {
  dir: string
  pid: number
  runtime: string
  /** True while a process with this id exists. */
  processExists: (pid: number) => Promise<boolean>
  now?: () => number
  /** Called when a lock left by a dead process is taken over. */
  onStale?: (owner: LockOwner | undefined) => void
}

/**
 * Takes the state directory's lock so that two agents never share one journal. The lock file is
 * created with `O_EXCL`; one left by a process that no longer exists (a crash, `kill -9`) is
 * detected and taken over. A live holder makes this fail with a {@link StateError} naming its pid.
 *
 * @throws {StateError}
 * @example
 * const lock = await acquireStateLock({ dir, pid: process.pid, runtime: 'node', processExists })
 * try { await runAgent() } finally { await lock.release() }
 */
export async function acquireStateLock(options: LockOptions): Promise<StateLock> {
  const path = join(options.dir, LOCK_FILE)
  const now = options.now ?? Date.now
  const owner: LockOwner = {
    pid: options.pid,
    runtime: options.runtime,
    startedAt: new Date(now()).toISOString(),
  }
  const content = `${JSON.stringify(owner)}\n`
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      try {
        await handle.writeFile(content, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
      await syncDirectory(options.dir)
      return {
        path,
        async release() {
          const current = await readFile(path, 'utf8').catch(() => undefined)
          if (current === content) await unlink(path).catch(() => {})
        },
      }
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        throw new StateError(
          'io',
          path,
          `Cannot create lock ${path}: ${(error as Error).message}`,
          {
            cause: error,
          },
        )
      }
    }
    const text = await readFile(path, 'utf8').catch(() => undefined)
    if (text === undefined) continue // released meanwhile: try again
    const holder = parseOwner(text)
    let holderAlive = false
    if (holder && holder.pid !== options.pid) {
      try {
        holderAlive = await options.processExists(holder.pid)
      } catch (cause) {
        throw new StateError(
          'locked',
          path,
          `State directory ${options.dir} is locked by pid ${holder.pid}, and whether it still runs can't be checked: ${(cause as Error).message}`,
          { cause },
        )
      }
    }
    if (holder && holderAlive) {
      throw new StateError(
        'locked',
        path,
        `State directory ${options.dir} is locked by another agent (pid ${holder.pid}, ${holder.runtime}, since ${holder.startedAt}). Two agents must not share a journal; stop it or give this one another --state-dir.`,
      )
    }
    if (!holder && text.trim() !== '') {
      throw new StateError(
        'corrupt',
        path,
        `Lock file ${path} is not an sms-agent lock; remove it if no agent uses ${options.dir}.`,
      )
    }
    // Stale (holder gone, or an empty file from a crash mid-creation). Move it aside rather than
    // delete it: if another agent replaced it meanwhile, the content check below notices.
    const aside = `${path}.stale.${options.pid}`
    try {
      await rename(path, aside)
    } catch {
      continue
    }
    const moved = await readFile(aside, 'utf8').catch(() => undefined)
    if (moved !== text) {
      // Not the file judged stale: a fresh lock of another agent. Put it back and give up.
      await rename(aside, path).catch(() => {})
      throw new StateError(
        'locked',
        path,
        `State directory ${options.dir} was locked by another agent starting at the same time.`,
      )
    }
    await unlink(aside).catch(() => {})
    options.onStale?.(holder)
  }
  throw new StateError('locked', path, `Could not take the lock ${path}; try again.`)
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const data = JSON.parse(text) as Partial<LockOwner>
    if (typeof data.pid === 'number' && Number.isInteger(data.pid) && data.pid > 0) {
      return {
        pid: data.pid,
        runtime: typeof data.runtime === 'string' ? data.runtime : 'unknown',
        startedAt: typeof data.startedAt === 'string' ? data.startedAt : 'unknown',
      }
    }
  } catch {
    // fall through
  }
  return undefined
}
