/**
 * Which state-directory failures at start can go away by themselves. A full disk is freed, a
 * quota raised, a filesystem remounted read-write after an fsck, a flaky device replaced: the
 * agent should be started again then, by the service manager, without anyone touching it. A
 * journal from another machine, a corrupt one or a lock held by a live agent stays what it is
 * until someone acts, so those keep exit 3, which the unit never restarts.
 */

/** Exit code of a state directory that can't be written now but may be later (EX_TEMPFAIL). */
export const EXIT_STORAGE_UNAVAILABLE = 75

/** Error codes of storage that may recover without anyone changing the agent's setup. */
export const TRANSIENT_STORAGE_CODES: ReadonlySet<string> = new Set([
  'ENOSPC', // no space left on device
  'EDQUOT', // disk quota exceeded
  'EROFS', // read-only filesystem (remounted read-only after errors, a snapshot being taken)
  'EIO', // I/O error
])

/** What each transient code means, for the log line. */
const MEANING: Readonly<Record<string, string>> = {
  ENOSPC: 'the filesystem is full',
  EDQUOT: "the user's disk quota is used up",
  EROFS: 'the filesystem is mounted read-only',
  EIO: 'the device reported an I/O error',
}

/**
 * The transient storage code behind `error`, looking through its `cause` chain (a `StateError`
 * wraps the filesystem's error), or `undefined` when the failure is not one that can recover by
 * itself (a permission, a corrupt or foreign journal, a live lock holder).
 *
 * @example
 * transientStorageCode(new StateError('io', dir, 'Cannot write', { cause: enospc })) // 'ENOSPC'
 */
export function transientStorageCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && TRANSIENT_STORAGE_CODES.has(code)) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * The advice of a transient storage failure: what happened, and that the service manager will
 * start the agent again.
 *
 * @example
 * transientStorageAdvice('ENOSPC', '/var/lib/sms-agent')
 * // '/var/lib/sms-agent can't be written now (ENOSPC: the filesystem is full): …'
 */
export function transientStorageAdvice(code: string, dir: string): string {
  return `${dir} can't be written now (${code}: ${MEANING[code] ?? 'storage failure'}): nothing was polled or reported; free space or fix the filesystem. Exit ${EXIT_STORAGE_UNAVAILABLE}: the systemd unit starts the agent again with backoff, and it picks up where its journal left off`
}
