import { open, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { type HostIdentity, linuxHostIdentity, looksLikeAgent } from '../platform/host-identity.ts'
import { syncDirectory } from './atomic-file.ts'
import { StateError } from './state-error.ts'

/** Name of the lock file inside the state directory. */
export const LOCK_FILE = 'agent.lock'

/** What the lock file records about its holder. */
export interface LockOwner {
  pid: number
  runtime: string
  startedAt: string
  /** The boot the holder ran in: a lock of an earlier boot is stale whatever its pid. */
  bootId?: string
  /** The holder's start in ticks since boot: another start time means another process. */
  processStart?: string
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
  /** Called when a lock left by a process that is no agent any more is taken over. */
  onStale?: (owner: LockOwner | undefined, why: string) => void
  /** Boot id and process start times (Linux `/proc` by default). */
  identity?: Pick<HostIdentity, 'bootId' | 'processStart' | 'commandLine'>
}

/** Whether a lock's holder is a live agent, and if not, why not. */
async function judgeHolder(
  holder: LockOwner,
  options: LockOptions,
  identity: NonNullable<LockOptions['identity']>,
  currentBoot: string | undefined,
): Promise<{ live: true } | { live: false; why: string }> {
  if (holder.bootId && currentBoot && holder.bootId !== currentBoot) {
    return { live: false, why: 'its holder ran before the machine restarted (another boot id)' }
  }
  if (!(await options.processExists(holder.pid))) {
    return { live: false, why: `no process has its pid ${holder.pid} (a crash or kill)` }
  }
  const start = await identity.processStart(holder.pid)
  if (holder.processStart && start !== undefined) {
    return start === holder.processStart
      ? { live: true }
      : {
          live: false,
          why: `pid ${holder.pid} now belongs to another process (it started later than the holder)`,
        }
  }
  // A lock without proof (an older agent's): the pid is someone's; is it an agent's?
  const argv = await identity.commandLine(holder.pid)
  if (argv !== undefined && argv.length > 0 && !looksLikeAgent(argv)) {
    return {
      live: false,
      why: `pid ${holder.pid} now belongs to ${JSON.stringify(argv[0])}, not an sms-agent (pids are reused after a restart)`,
    }
  }
  return { live: true }
}

/**
 * Takes the state directory's lock so that two agents never share one journal. The lock file is
 * created with `O_EXCL` and records what proves its holder alive: pid, boot id and the holder's
 * start time. A lock is refused only while that very process runs; one of an earlier boot, of a
 * dead pid, or whose pid now belongs to another process (pids are reused after a reboot or a
 * container restart) is stale and taken over through `onStale`; so is a file that is no lock at
 * all (torn JSON, garbage, a pid that is no positive integer). A lock without that proof (an
 * older agent's) counts as live only while its pid runs something that looks like an agent.
 *
 * @throws {StateError}
 * @example
 * const lock = await acquireStateLock({ dir, pid: process.pid, runtime: 'node', processExists })
 * try { await runAgent() } finally { await lock.release() }
 */
export async function acquireStateLock(options: LockOptions): Promise<StateLock> {
  const path = join(options.dir, LOCK_FILE)
  const now = options.now ?? Date.now
  const identity = options.identity ?? linuxHostIdentity()
  const bootId = await identity.bootId()
  const processStart = await identity.processStart(options.pid)
  const owner: LockOwner = {
    pid: options.pid,
    runtime: options.runtime,
    startedAt: new Date(now()).toISOString(),
    ...(bootId ? { bootId } : {}),
    ...(processStart ? { processStart } : {}),
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
    let verdict: Awaited<ReturnType<typeof judgeHolder>> = {
      live: false,
      why:
        text.trim() === ''
          ? 'an empty lock file (a crash while it was being written)'
          : `not a readable sms-agent lock (${describeUnreadable(text)}): a crash while it was written, or a stray file; no live agent can be proven`,
    }
    if (holder && holder.pid === options.pid) {
      verdict = { live: false, why: `its pid ${holder.pid} is this process's own (a restart)` }
    } else if (holder) {
      try {
        verdict = await judgeHolder(holder, options, identity, bootId)
      } catch (cause) {
        throw new StateError(
          'locked',
          path,
          `State directory ${options.dir} is locked by pid ${holder.pid}, and whether it still runs can't be checked: ${(cause as Error).message}`,
          { cause },
        )
      }
    }
    if (holder && verdict.live) {
      throw new StateError(
        'locked',
        path,
        `State directory ${options.dir} is locked by another agent (pid ${holder.pid}, ${holder.runtime}, since ${holder.startedAt}). Two agents must not share a journal; stop it or give this one another --state-dir.`,
      )
    }
    // Stale: holder gone, or a file that proves no holder (empty, torn by a crash mid-write,
    // garbage). Refusing it would stop the agent for good under systemd's
    // RestartPreventExitStatus, and only a live agent is a reason to refuse. Move it aside rather than
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
    options.onStale?.(holder, verdict.live ? '' : verdict.why)
  }
  throw new StateError('locked', path, `Could not take the lock ${path}; try again.`)
}

/** A short, safe description of a lock file that is no lock (its start, printable, bounded). */
function describeUnreadable(text: string): string {
  const start = text
    .trim()
    .slice(0, 40)
    .replace(/[^\x20-\x7e]/g, '?')
  return `it reads ${JSON.stringify(start)}${text.trim().length > 40 ? '…' : ''}`
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const data = JSON.parse(text) as Partial<LockOwner>
    if (typeof data.pid === 'number' && Number.isInteger(data.pid) && data.pid > 0) {
      return {
        pid: data.pid,
        runtime: typeof data.runtime === 'string' ? data.runtime : 'unknown',
        startedAt: typeof data.startedAt === 'string' ? data.startedAt : 'unknown',
        ...(typeof data.bootId === 'string' ? { bootId: data.bootId } : {}),
        ...(typeof data.processStart === 'string' ? { processStart: data.processStart } : {}),
      }
    }
  } catch {
    // fall through
  }
  return undefined
}
