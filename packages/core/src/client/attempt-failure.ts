// What a failed attempt means to the client: ky's HTTPError as an SmsApiError (its Retry-After
// measured on the server's clock and bounded), and whether, and after how long, the same request
// is sent again. Apart from `create-sms-client.ts`, which only wires these into ky's hooks.
import { isHTTPError } from 'ky'
import { SmsApiError } from '../errors/sms-api-error.ts'
import type { SmsErrorContext } from '../errors/sms-error.ts'
import { isSmsNetworkError } from '../errors/sms-network-error.ts'
import { fullJitterBackoff } from '../time/backoff.ts'
import { clampServerDelay, parseHttpDate, parseRetryAfter } from '../time/retry-after.ts'
import type { Scheduler } from '../time/scheduler.ts'
import { readErrorBody } from './read-error-body.ts'
import { RETRYABLE_STATUSES, type RetryOptions } from './retry-options.ts'
import { classifyUnauthorized } from './unauthorized.ts'

/** What one exchange may retry: its policy, and which failures count as transient for it. */
export interface ExchangeRetry {
  retry: Required<RetryOptions>
  /** Default: {@link RETRYABLE_STATUSES}. */
  retryable?: ReadonlySet<number>
  /** Default: true. */
  retryNetworkErrors?: boolean
}

/**
 * ky's `HTTPError` as an {@link SmsApiError} (status, error body, request id, the bounded
 * `Retry-After`, the hint of a 401); anything else (network, abort, IAM errors) as it is.
 *
 * @example
 * throw await toSmsError(error, context, { scheduler, maxServerDelayMs: 300_000 })
 */
export async function toSmsError(
  error: unknown,
  context: SmsErrorContext,
  clock: { scheduler: Scheduler; maxServerDelayMs: number },
): Promise<Error> {
  if (!isHTTPError(error)) return error as Error
  const { response } = error
  const body = readErrorBody(await response.clone().text())
  const bodyRequestId = body?.request_id
  // A Retry-After date is on the server's clock: measure it from the server's Date.
  const serverNow = parseHttpDate(response.headers.get('Date'))
  const askedMs = parseRetryAfter(
    response.headers.get('Retry-After'),
    Number.isNaN(serverNow) ? clock.scheduler.now() : serverNow,
  )
  const retryAfter =
    askedMs === undefined ? undefined : clampServerDelay(askedMs, clock.maxServerDelayMs)
  return new SmsApiError({
    ...context,
    status: response.status,
    body,
    requestId:
      response.headers.get('X-Request-Id') ??
      (typeof bodyRequestId === 'string' ? bodyRequestId : undefined),
    retryAfterMs: retryAfter?.delayMs,
    retryAfterClampedFromMs: retryAfter?.clampedFromMs,
    hint: response.status === 401 ? classifyUnauthorized(body).hint : undefined,
  })
}

/**
 * How long to wait before sending the request again after `error` failed attempt
 * `attemptNumber`, or `undefined` when another attempt can't help (or the policy forbids it):
 * the capped full-jitter backoff, or the server's `Retry-After` while it is within
 * `maxRetryAfterMs`.
 *
 * @example
 * retryDelay(error, { retry }, 1, Math.random) // e.g. 137, or undefined for a 400
 */
export function retryDelay(
  error: unknown,
  exchange: ExchangeRetry,
  attemptNumber: number,
  random: () => number,
): number | undefined {
  const backoff = fullJitterBackoff(attemptNumber, exchange.retry, random)
  if (isSmsNetworkError(error)) {
    // The same headers come back every time: only a different fetch can cure it.
    // Likewise an untrusted certificate: only a trusted CA can cure it, not another attempt.
    if (error.reason === 'headers-too-large' || error.reason === 'tls-certificate') return undefined
    return exchange.retryNetworkErrors === false ? undefined : backoff
  }
  if (
    !(error instanceof SmsApiError) ||
    !(exchange.retryable ?? RETRYABLE_STATUSES).has(error.status)
  ) {
    return undefined
  }
  if (error.retryAfterMs === undefined) return backoff
  // The policy looks at what the server asked for; the wait itself is the bounded value.
  const asked = error.retryAfterClampedFromMs ?? error.retryAfterMs
  return asked <= exchange.retry.maxRetryAfterMs ? error.retryAfterMs : undefined
}
