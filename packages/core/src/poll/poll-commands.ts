import type { SmsClient } from '../client/create-sms-client.ts'
import type { RetryOptions } from '../client/retry-options.ts'
import { statusKind } from '../client/status-kind.ts'
import { isSmsApiError } from '../errors/sms-api-error.ts'
import { isSmsError, type SmsError } from '../errors/sms-error.ts'
import { isSmsInputError } from '../errors/sms-input-error.ts'
import type { SmsCommand } from '../schemas/command.ts'
import { type BackoffOptions, fullJitterBackoff } from '../time/backoff.ts'
import { clampServerDelay } from '../time/retry-after.ts'
import { type Scheduler, systemScheduler } from '../time/scheduler.ts'

/** Options of {@link pollCommands}. */
export interface PollOptions {
  /** Pause between polls, in ms, or a function read before every pause. Default 10 s. */
  intervalMs?: number | (() => number)
  /**
   * The first poll waits a uniform random delay in `[0, firstPollJitterMs)` so a fleet started
   * together doesn't poll together. Default: one interval. `0` polls at once.
   */
  firstPollJitterMs?: number
  /**
   * Backoff after consecutive errors: full jitter with a floor. Default base 1 s, cap 5 min,
   * floor a tenth of the base (full jitter alone may draw 0, and a loop that never waits spins).
   */
  backoff?: Partial<BackoffOptions> & { minDelayMs?: number }
  /**
   * At least this long after an answer that retrying soon can't fix (a refusal or a 401 about
   * the credentials, in `statusKind`'s table: 400, 401, 403, 404, 409…; not 408/429/503): an
   * unregistered server or a missing permission is logged and retried slowly. Default 60 s.
   */
  slowRetryDelayMs?: number
  /**
   * Ceiling of a delay the server asks for (`Retry-After`), in ms: a longer one is cut to this
   * and the error event says so (`retryAfterClampedFromMs`). Default: the backoff maximum.
   */
  maxServerDelayMs?: number
  /** Retry policy of each poll request; default `false`: this loop backs off itself. */
  requestRetry?: RetryOptions | number | false
  /** Stops the loop: the iterator ends without an error. */
  signal?: AbortSignal
  scheduler?: Scheduler
  /** Source of jitter in [0, 1). */
  random?: () => number
}

interface PollEventBase {
  serverId: string
  /** When the answer (or failure) arrived, in ms since the epoch on the loop's clock. */
  at: number
  /** How long the request took, in ms. */
  latencyMs: number
  /** Counts polls from 1. */
  sequence: number
  /** How long the loop will wait before the next poll, in ms. */
  nextDelayMs: number
}

/** A command is pending. Under docs/api.md §2 it repeats on every poll until its result is reported. */
export interface PollCommandEvent extends PollEventBase {
  type: 'command'
  command: SmsCommand
}

/** No command is pending. */
export interface PollIdleEvent extends PollEventBase {
  type: 'idle'
}

/** The poll failed; the loop carries on after `nextDelayMs`. */
export interface PollErrorEvent extends PollEventBase {
  type: 'error'
  error: SmsError
  /** Errors in a row, this one included. */
  consecutiveErrors: number
  /**
   * Set when the server asked (with `Retry-After`) for a longer wait than `maxServerDelayMs`:
   * what it asked for, in ms. `nextDelayMs` is the bounded wait.
   */
  retryAfterClampedFromMs?: number
}

/** What {@link pollCommands} yields. */
export type PollEvent = PollCommandEvent | PollIdleEvent | PollErrorEvent

/** The iterator returned by {@link pollCommands}. */
export interface CommandPoller extends AsyncIterableIterator<PollEvent> {
  /** Cuts the current pause short (e.g. after reporting a result, or on a "refresh" key). */
  wake(): void
}

/**
 * Polls `GET .../command` for one server forever, as an async iterator of events, until
 * `signal` aborts. Waits `intervalMs` between polls (the iterator's consumer holds the loop while
 * it handles an event), jitters the first poll, backs off with capped full jitter on consecutive
 * errors, and honours `Retry-After`. Runs on any runtime; time is injectable.
 *
 * @throws {SmsInputError} from the iterator when `serverId` is invalid (no request is sent).
 * @example
 * const controller = new AbortController()
 * for await (const event of pollCommands(client, serverId, { signal: controller.signal })) {
 *   if (event.type === 'command') await handle(event.command)
 *   if (event.type === 'error') console.warn(event.error.message, 'retry in', event.nextDelayMs)
 * }
 */
export function pollCommands(
  client: Pick<SmsClient, 'getCommand'>,
  serverId: string,
  options: PollOptions = {},
): CommandPoller {
  const scheduler = options.scheduler ?? systemScheduler
  const random = options.random ?? Math.random
  const interval = () => {
    const value =
      typeof options.intervalMs === 'function' ? options.intervalMs() : options.intervalMs
    return Math.max(0, value ?? 10_000)
  }
  const backoff: BackoffOptions = {
    baseDelayMs: options.backoff?.baseDelayMs ?? 1_000,
    maxDelayMs: options.backoff?.maxDelayMs ?? 300_000,
  }
  const minErrorDelayMs = options.backoff?.minDelayMs ?? backoff.baseDelayMs / 10
  const slowRetryDelayMs = options.slowRetryDelayMs ?? 60_000
  const maxServerDelayMs = options.maxServerDelayMs ?? backoff.maxDelayMs
  const requestRetry = options.requestRetry ?? false
  const { signal } = options

  let wakeController: AbortController | undefined
  let wakeRequested = false

  /** Sleeps unless woken or stopped; returns false when the loop must stop. */
  async function pause(ms: number): Promise<boolean> {
    if (signal?.aborted) return false
    if (wakeRequested || ms <= 0) {
      wakeRequested = false
      return true
    }
    wakeController = new AbortController()
    // A listener removed after every pause rather than AbortSignal.any: composites of a long-lived
    // signal leak in Node 20 and older Deno (nodejs/node#55351, denoland/deno#24842).
    const onStop = () => wakeController?.abort()
    signal?.addEventListener('abort', onStop, { once: true })
    try {
      await scheduler.sleep(ms, wakeController.signal)
    } catch {
      // Woken or stopped: both end the pause early.
    } finally {
      signal?.removeEventListener('abort', onStop)
      wakeController = undefined
      wakeRequested = false
    }
    return !signal?.aborted
  }

  function delayAfterError(
    error: SmsError,
    consecutiveErrors: number,
  ): { nextDelayMs: number; retryAfterClampedFromMs?: number } {
    let delay = Math.max(minErrorDelayMs, fullJitterBackoff(consecutiveErrors, backoff, random))
    let clampedFrom: number | undefined
    if (isSmsApiError(error)) {
      // What the server asked for, bounded here by this loop's own ceiling.
      const asked = error.retryAfterClampedFromMs ?? error.retryAfterMs
      if (asked !== undefined) {
        const retryAfter = clampServerDelay(asked, maxServerDelayMs)
        clampedFrom = retryAfter.clampedFromMs
        delay = Math.max(delay, retryAfter.delayMs)
      }
      // Judged by core's one status table: a refusal (400, 403, 404, any 4xx that isn't
      // "not processed") or a 401 about the credentials won't change if asked again soon.
      const kind = statusKind(error.status, error.body)
      if (kind === 'refusal' || kind === 'credentials') delay = Math.max(delay, slowRetryDelayMs)
    }
    return clampedFrom === undefined
      ? { nextDelayMs: delay }
      : { nextDelayMs: delay, retryAfterClampedFromMs: clampedFrom }
  }

  async function* loop(): AsyncGenerator<PollEvent> {
    const jitterWindow = options.firstPollJitterMs ?? interval()
    if (!(await pause(Math.floor(random() * jitterWindow)))) return
    let consecutiveErrors = 0
    for (let sequence = 1; ; sequence++) {
      const started = scheduler.now()
      let event: PollEvent
      try {
        const command = await client.getCommand(serverId, {
          retry: requestRetry,
          ...(signal ? { signal } : {}),
        })
        const at = scheduler.now()
        consecutiveErrors = 0
        const base = { serverId, at, latencyMs: at - started, sequence, nextDelayMs: interval() }
        event = command ? { ...base, type: 'command', command } : { ...base, type: 'idle' }
      } catch (error) {
        if (signal?.aborted) return
        // A bad server id is the caller's bug and ends the loop; anything else (a password file
        // that can't be read right now, say) is reported and tried again.
        if (!isSmsError(error) || (isSmsInputError(error) && error.field === 'serverId'))
          throw error
        const at = scheduler.now()
        consecutiveErrors++
        event = {
          type: 'error',
          serverId,
          at,
          latencyMs: at - started,
          sequence,
          error,
          consecutiveErrors,
          ...delayAfterError(error, consecutiveErrors),
        }
      }
      yield event
      if (!(await pause(event.nextDelayMs))) return
    }
  }

  const iterator = loop()
  return Object.assign(iterator, {
    wake() {
      if (wakeController) wakeController.abort()
      else wakeRequested = true
    },
  }) as CommandPoller
}
