/**
 * A handler that can't be started right now (being written: ETXTBSY; CRLF line endings; not yet
 * executable; not deployed yet) never ran, so its command is not used up by a `fail`: the start
 * is tried again with backoff for `--handler-start-timeout`, each deferral announced with what is
 * wrong with the file, and only then reported `fail` (reason `spawn-failed`). This sits in the
 * handler layer, so the delivery code sees one ordinary (if slow) handler run.
 */
import type { Scheduler } from '@sms-command/core'
import { diagnoseStartFailure, type StartProblem } from './detect-unstartable.ts'
import type { HandlerOutcome } from './run-handler.ts'

/** One deferred start, as `handler.start-deferred` reports it. */
export interface StartDeferral {
  handler: string
  problem: StartProblem
  /** The attempt that just failed, from 1. */
  attempt: number
  /** Milliseconds until the next attempt. */
  delayMs: number
  /** When the start is given up (ms since epoch, by the scheduler's clock). */
  giveUpAt: number
  /** The spawn error of the failed attempt. */
  error: unknown
}

/** Options of {@link runWithStartRetry}. */
export interface StartRetryOptions {
  /** The handler's path, as the attempts start it. */
  handler: string
  /** How long starts are retried before the run is reported `fail`; 0 tries once. */
  startTimeoutMs: number
  scheduler: Scheduler
  /** Ends the waiting: the run comes back `interrupted`, "not started" (the command never ran). */
  signal?: AbortSignal
  /** Called before each wait. */
  onDeferred?: (deferral: StartDeferral) => void
  /** First delay between attempts (doubling up to {@link StartRetryOptions.maxDelayMs}); 1 s. */
  firstDelayMs?: number
  /** 30 s. */
  maxDelayMs?: number
  /** Diagnoses a failed start; defaults to {@link diagnoseStartFailure}. */
  diagnose?: (path: string, error: unknown) => Promise<StartProblem | undefined>
}

/** Seconds or minutes, for messages. */
function spoken(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`
}

/**
 * Runs `attempt` (one {@link runHandler}) until the handler starts, a start failure isn't about
 * the file, the stop signal aborts, or `startTimeoutMs` has passed. Never rejects.
 *
 * @example
 * const outcome = await runWithStartRetry(() => runHandler(options), {
 *   handler: options.path, startTimeoutMs: 300_000, scheduler: systemScheduler,
 *   onDeferred: (deferral) => log.warn(deferral.problem.description),
 * })
 */
export async function runWithStartRetry(
  attempt: () => Promise<HandlerOutcome>,
  options: StartRetryOptions,
): Promise<HandlerOutcome> {
  const { scheduler } = options
  const diagnose = options.diagnose ?? diagnoseStartFailure
  const firstDelay = options.firstDelayMs ?? 1_000
  const maxDelay = options.maxDelayMs ?? 30_000
  const giveUpAt = scheduler.now() + Math.max(0, options.startTimeoutMs)
  let lastProblem: StartProblem | undefined
  for (let tries = 1; ; tries++) {
    const outcome = await attempt()
    if (outcome.startError === undefined) return outcome
    const problem = await diagnose(options.handler, outcome.startError)
    if (!problem) return outcome
    lastProblem = problem
    const remaining = giveUpAt - scheduler.now()
    if (remaining <= 0 || options.signal?.aborted) {
      return giveUp(outcome, problem, tries, options, remaining <= 0)
    }
    const delayMs = Math.min(firstDelay * 2 ** Math.min(tries - 1, 20), maxDelay, remaining)
    options.onDeferred?.({
      handler: options.handler,
      problem,
      attempt: tries,
      delayMs,
      giveUpAt,
      error: outcome.startError,
    })
    try {
      await scheduler.sleep(delayMs, options.signal)
    } catch {
      return giveUp(outcome, lastProblem, tries, options, false)
    }
  }
}

function giveUp(
  last: HandlerOutcome,
  problem: StartProblem,
  tries: number,
  options: StartRetryOptions,
  timedOut: boolean,
): HandlerOutcome {
  const { startError: _, ...outcome } = last
  if (!timedOut) {
    // Stopping: the command never ran, so it is not a failed command (--interrupted decides).
    return {
      result: 'fail',
      detail: {
        ...outcome.detail,
        reason: 'interrupted',
        message: `the agent was stopping; the handler was not started: ${problem.description}`,
        // The agent hands this to core as a run that never began: pending, not failed.
        not_started: true,
        start_problem: problem.kind,
        start_attempts: tries,
      },
    }
  }
  return {
    result: 'fail',
    detail: {
      ...outcome.detail,
      reason: 'spawn-failed',
      message: `${problem.description}; gave up after ${tries} attempt${tries === 1 ? '' : 's'} in ${spoken(options.startTimeoutMs)} (--handler-start-timeout)`,
      start_problem: problem.kind,
      start_attempts: tries,
    },
  }
}
