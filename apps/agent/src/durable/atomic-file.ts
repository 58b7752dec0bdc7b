import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import process from 'node:process'

let sequence = 0

/** Error codes of a rename over a file another program holds open (Windows: antivirus, indexer, backup). */
const TRANSIENT_RENAME = new Set(['EPERM', 'EBUSY', 'EACCES'])

/** How {@link writeFileAtomic} retries a rename refused with EPERM/EBUSY/EACCES. */
export interface ReplaceRetry {
  /** Renames tried in all, the first included (default 10). */
  attempts?: number
  /** Wait before retry `n` (1-based); default 25 ms doubling, capped at 500 ms (~3 s in all). */
  delayMs?: (retry: number) => number
  /** Waits; injectable for tests. */
  sleep?: (ms: number) => Promise<void>
  /** The rename; injectable for tests. */
  rename?: (from: string, to: string) => Promise<void>
}

/**
 * The rename over the target still failed after every retry. The target keeps its previous
 * content and the new content was not written: the caller must not treat the change as saved.
 */
export class AtomicReplaceError extends Error {
  override readonly name = 'AtomicReplaceError' as const
  readonly code: string | undefined
  readonly attempts: number

  constructor(path: string, attempts: number, elapsedMs: number, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code
    super(
      `cannot replace ${path}: the rename was refused ${attempts} times over ${elapsedMs} ms (${typeof code === 'string' ? code : (cause as Error)?.message}). Another program holds the file open (on Windows: antivirus, the search indexer or a backup tool); exclude the state directory from it. The file keeps its previous content.`,
      { cause },
    )
    this.code = typeof code === 'string' ? code : undefined
    this.attempts = attempts
  }
}

/**
 * True for an {@link AtomicReplaceError}.
 *
 * @example
 * if (isAtomicReplaceError(error)) console.error(error.attempts, error.code)
 */
export function isAtomicReplaceError(error: unknown): error is AtomicReplaceError {
  return error instanceof Error && error.name === 'AtomicReplaceError'
}

/**
 * Renames `from` over `to`, retrying while the failure is the kind that passes (Windows refuses a
 * rename over a file another process has open without FILE_SHARE_DELETE, with EPERM, EBUSY or
 * EACCES; antivirus scanners and indexers open freshly written files for a moment). Bounded:
 * then an {@link AtomicReplaceError}. Any other error is thrown at once.
 *
 * @throws {AtomicReplaceError}
 * @example
 * await renameWithRetry('/var/lib/sms-agent/.journal.json.tmp', '/var/lib/sms-agent/journal.json')
 */
export async function renameWithRetry(
  from: string,
  to: string,
  retry: ReplaceRetry = {},
): Promise<void> {
  const attempts = Math.max(1, retry.attempts ?? 10)
  const delayMs = retry.delayMs ?? ((n: number) => Math.min(500, 25 * 2 ** (n - 1)))
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const move = retry.rename ?? rename
  let waited = 0
  for (let attempt = 1; ; attempt++) {
    try {
      await move(from, to)
      return
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (typeof code !== 'string' || !TRANSIENT_RENAME.has(code)) throw error
      if (attempt >= attempts) throw new AtomicReplaceError(to, attempt, waited, error)
      const delay = delayMs(attempt)
      waited += delay
      await sleep(delay)
    }
  }
}

/**
 * Replaces `path` with `data` so that a crash at any instant leaves either the old content or the
 * new one, never a mix: write a temporary file beside it, fsync it, rename it over `path` (retried
 * a bounded number of times while another program holds `path` open, see {@link renameWithRetry}),
 * then fsync the directory so the rename itself survives a power cut.
 *
 * @throws {AtomicReplaceError} when the rename is still refused after the retries
 *
 * @example
 * await writeFileAtomic('/var/lib/sms-agent/journal.json', JSON.stringify(state))
 */
export async function writeFileAtomic(
  path: string,
  data: string,
  retry: ReplaceRetry = {},
): Promise<void> {
  const directory = dirname(path)
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${++sequence}.tmp`)
  let renamed = false
  try {
    const handle = await open(temporary, 'w', 0o600)
    try {
      await handle.writeFile(data, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameWithRetry(temporary, path, retry)
    renamed = true
    await syncDirectory(directory)
  } finally {
    if (!renamed) await unlink(temporary).catch(() => {})
  }
}

/**
 * Flushes a directory's entries (a rename or a new file) to disk.
 *
 * @example
 * await syncDirectory('/var/lib/sms-agent')
 */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(directory, 'r')
    await handle.sync()
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL/EISDIR/EPERM); the rename is still
    // atomic there, only its durability is up to the file system.
    const code = (error as { code?: unknown }).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error
  } finally {
    await handle?.close()
  }
}
