import { NOT_APPLIED_STATUSES, statusKind } from '../client/status-kind.ts'
import { isSmsApiError } from '../errors/sms-api-error.ts'
import { isSmsInputError } from '../errors/sms-input-error.ts'
import type { EntryState } from './journal-state.ts'

/**
 * The delivery rule, as pure decisions. A report is sent only right after a poll showed that its
 * command is still the current one (docs/api.md §2: a result names only `command_name`, and SMS clears
 * the current command when it records one). A poll that shows another command, or none, settles
 * the entry instead: if a report was ever sent its answer was lost and SMS recorded it
 * (`presumed-recorded`); if none was sent, SMS moved on without it (`superseded`). The agent loop
 * only carries these decisions out (journal writes, handler runs, requests, logs).
 *
 * @module
 */

/** What is known about an entry when deciding. */
export interface EntryFacts {
  state: EntryState
  /** Report requests sent (or possibly sent). */
  reportAttempts: number
}

/** What to do with an unfinished entry whose command the poll did not show as current. */
export type NotCurrentDecision =
  /** Nothing now (`running`: this process is running it; `reported`: already settled). */
  | { action: 'keep' }
  /** Never started, and SMS no longer asks for it: settle without running it. */
  | { action: 'drop-unstarted'; outcome: 'superseded' }
  /** A report went out and SMS moved on: its answer was lost, SMS recorded it. */
  | { action: 'settle'; outcome: 'presumed-recorded' }
  /** SMS moved on before any report was sent: the result stays in the journal only. */
  | { action: 'settle'; outcome: 'superseded' }

/**
 * Settles an entry whose command is no longer current.
 *
 * @example
 * settleNotCurrent({ state: 'done', reportAttempts: 1 }) // { action: 'settle', outcome: 'presumed-recorded' }
 */
export function settleNotCurrent(entry: EntryFacts): NotCurrentDecision {
  switch (entry.state) {
    case 'received':
      return { action: 'drop-unstarted', outcome: 'superseded' }
    case 'done':
      return entry.reportAttempts > 0
        ? { action: 'settle', outcome: 'presumed-recorded' }
        : { action: 'settle', outcome: 'superseded' }
    default:
      return { action: 'keep' }
  }
}

/** What to do about the command the poll shows as current. */
export type CurrentAction =
  /** Not journaled yet: journal it as received (then decide again). */
  | 'receive'
  /** Journaled as received: run its handler. */
  | 'run'
  /** Its result waits in the outbox, and the poll just showed it current: send it. */
  | 'report'
  /** Nothing now (running here, or not allowed to start anything). */
  | 'wait'

/** Whether the agent may start work now. */
export interface StartPermission {
  /** False for verification polls (`--once` follow-ups, the final flush). */
  allowRun: boolean
  /** True once a stop was requested. */
  stopping: boolean
}

/**
 * True when the current command is one whose result SMS refused for good and that is still the
 * newest delivery: SMS still waits for it (nothing was recorded), so it is the same delivery, not
 * a new one, and running it again would break exactly-once. A different command seen since (any
 * newer entry) ends this.
 *
 * @example
 * isHeldAfterRefusal(journal.latest(), commandKey(current), commandKey) // true: don't run it again
 */
export function isHeldAfterRefusal<E extends { rejection?: string; command: C }, C>(
  latest: E | undefined,
  currentKey: string,
  keyOf: (command: C) => string,
): boolean {
  return latest?.rejection === 'refused' && keyOf(latest.command) === currentKey
}

/**
 * Decides about the current command, given its unfinished entry (`undefined`: none).
 *
 * @example
 * actOnCurrent(undefined, { allowRun: true, stopping: false }) // 'receive'
 * actOnCurrent({ state: 'done', reportAttempts: 0 }, { allowRun: false, stopping: true }) // 'report'
 */
export function actOnCurrent(
  entry: Pick<EntryFacts, 'state'> | undefined,
  permission: StartPermission,
): CurrentAction {
  const mayStart = permission.allowRun && !permission.stopping
  if (!entry) return mayStart ? 'receive' : 'wait'
  switch (entry.state) {
    case 'received':
      return mayStart ? 'run' : 'wait'
    case 'done':
      return 'report'
    default:
      return 'wait'
  }
}

/** How a failed report is treated. */
export type ReportFailureVerdict =
  /** Settle the entry `rejected` now; `why` says which rule applied. */
  | { action: 'reject'; why: 'not-current' | 'invalid' | 'refused' }
  /** Keep it in the outbox and try again after `delayMs` (after a verifying poll). */
  | { action: 'retry'; delayMs: number; deterministic: boolean }

/** Inputs of {@link judgeReportFailure}. */
export interface ReportFailureContext {
  /** Deterministic refusals of this entry so far, this one included. */
  refusals: number
  /** Refusals after which the entry is settled `rejected`. */
  refusalLimit: number
  /** The jittered backoff for the current failure streak. */
  backoffMs: number
  slowRetryMs: number
  requestTimeoutMs: number
}

/**
 * True for a refusal that re-sending the same body can't change: core's `statusKind` says
 * `refusal` (a 4xx that SMS judged, not one saying the request was never carried out, like 408 or
 * 429, and not a 401 that refreshed credentials could cure). Only these are bounded.
 *
 * @example
 * isDeterministicRefusal(new SmsApiError({ status: 400, … })) // true
 * isDeterministicRefusal(new SmsApiError({ status: 408, … })) // false
 */
export function isDeterministicRefusal(error: unknown): boolean {
  return isSmsApiError(error) && statusKind(error.status, error.body) === 'refusal'
}

/**
 * Decides what a failed report leads to.
 *
 * @example
 * judgeReportFailure(smsError400, { refusals: 3, refusalLimit: 3, backoffMs: 100, slowRetryMs: 60_000, requestTimeoutMs: 30_000 })
 * // { action: 'reject', why: 'refused' }
 */
export function judgeReportFailure(
  error: unknown,
  context: ReportFailureContext,
): ReportFailureVerdict {
  if (isSmsApiError(error) && error.status === 400 && error.errorCode === 'SMS.2009') {
    // SMS says this is not its current command any more (it changed after our poll).
    return { action: 'reject', why: 'not-current' }
  }
  // Our own result failed validation: a bug, and re-sending can't fix it.
  if (isSmsInputError(error)) return { action: 'reject', why: 'invalid' }
  const deterministic = isDeterministicRefusal(error)
  if (deterministic && context.refusals >= context.refusalLimit) {
    return { action: 'reject', why: 'refused' }
  }
  return { action: 'retry', delayMs: reportRetryDelay(error, context), deterministic }
}

function reportRetryDelay(error: unknown, context: ReportFailureContext): number {
  const { backoffMs } = context
  if (isSmsApiError(error)) {
    if (NOT_APPLIED_STATUSES.has(error.status)) {
      return Math.max(backoffMs, error.retryAfterMs ?? 0)
    }
    // A refusal or a credentials 401: SMS answered, and nothing changes soon by asking again.
    if (error.status >= 400 && error.status < 500) {
      return Math.max(backoffMs, context.slowRetryMs)
    }
  }
  // Ambiguous (no answer, or a 5xx): the request may still land. Give it as long again as its
  // deadline before the next poll checks whether SMS recorded it.
  return Math.max(backoffMs, context.requestTimeoutMs)
}
