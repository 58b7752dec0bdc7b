/** Retry policy of a client (per request, attempts include the first). */
export interface RetryOptions {
  /** Total attempts, the first included. Default 4. */
  attempts?: number
  /** Backoff cap of the first retry, in ms. Default 500. */
  baseDelayMs?: number
  /** No computed delay exceeds this, in ms. Default 20 s. */
  maxDelayMs?: number
  /** A `Retry-After` longer than this is not waited for: the error surfaces. Default 2 min. */
  maxRetryAfterMs?: number
}

export { NOT_APPLIED_STATUSES, RETRYABLE_STATUSES } from './status-kind.ts'

/** Fills in the defaults. `false` or `0` means one attempt; a number means that many attempts. */
export function resolveRetryOptions(
  retry: RetryOptions | number | false | undefined,
): Required<RetryOptions> {
  const given: RetryOptions =
    retry === false
      ? { attempts: 1 }
      : typeof retry === 'number'
        ? { attempts: retry }
        : (retry ?? {})
  return {
    attempts: Math.max(1, Math.floor(given.attempts ?? 4)),
    baseDelayMs: given.baseDelayMs ?? 500,
    maxDelayMs: given.maxDelayMs ?? 20_000,
    maxRetryAfterMs: given.maxRetryAfterMs ?? 120_000,
  }
}
