/** What a handler's ending means for its entry. */
export type HandlerEnding =
  /** Journal the outcome as it is. */
  | { action: 'record' }
  /** Journal it as a `fail` with reason `interrupted` (`--interrupted fail`). */
  | { action: 'record-interrupted' }
  /** Leave it `running`: the next start runs it once more (`--interrupted rerun`). */
  | { action: 'rerun-next-start' }

/**
 * Judges a handler that ended while the agent was stopping. A handler killed by a signal the
 * agent did not send (systemd's default `KillMode=control-group` signals every process of the
 * unit at once) was interrupted by the stop, not failed on its own: it follows `--interrupted`
 * like a handler cut short by a crash.
 *
 * @example
 * judgeHandlerEnding({ reason: 'signal' }, { stopping: true, interrupted: 'fail', runs: 1 })
 * // { action: 'record-interrupted' }
 */
export function judgeHandlerEnding(
  detail: { reason?: string | undefined },
  context: { stopping: boolean; interrupted: 'fail' | 'rerun'; runs: number },
): HandlerEnding {
  if (!context.stopping || detail.reason !== 'signal') return { action: 'record' }
  return context.interrupted === 'rerun' && context.runs < 2
    ? { action: 'rerun-next-start' }
    : { action: 'record-interrupted' }
}
