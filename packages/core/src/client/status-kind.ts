import type { ErrorBody } from '../schemas/error-body.ts'
import { classifyUnauthorized } from './unauthorized.ts'

/**
 * What an HTTP status says about a request that failed, for deciding whether sending the same
 * request again can change the answer, and whether it is safe to (a result report is not
 * idempotent: a duplicate can clear a command that never ran, docs/api.md §2):
 *
 * | kind | statuses | why |
 * |---|---|---|
 * | `not-applied` | 408, 421, 425, 429, 503 | the server (or a gateway) says it did not carry the request out: 408 it gave up waiting for the request, 421 the connection reached the wrong server, 425 it won't risk a replay, 429 throttled, 503 unavailable. Re-sending is safe, and the answer may differ next time. |
 * | `ambiguous` | 500, 502, 504, any other 5xx | a gateway or the server failed somewhere along the way: the request may or may not have been carried out. Worth another try, but a report is re-sent only after a poll shows its command still current. |
 * | `credentials` | 401, except SMS.2003–2006 | a refreshed token or a corrected signing clock may cure it. |
 * | `refusal` | any other 4xx (and 401 with SMS.2003–2006) | SMS judged this request and said no; the same bytes get the same no. The only kind whose retries are bounded. |
 *
 * @example
 * statusKind(408) // 'not-applied'
 * statusKind(502) // 'ambiguous'
 * statusKind(401, { error_code: 'SMS.2004', error_msg: 'body too large' }) // 'refusal'
 * statusKind(400) // 'refusal'
 */
export function statusKind(status: number, body?: ErrorBody): StatusKind {
  if (NOT_APPLIED_STATUSES.has(status)) return 'not-applied'
  if (status >= 500) return 'ambiguous'
  if (status === 401)
    return classifyUnauthorized(body).kind === 'request' ? 'refusal' : 'credentials'
  return 'refusal'
}

/** The kinds {@link statusKind} tells apart. */
export type StatusKind = 'not-applied' | 'ambiguous' | 'credentials' | 'refusal'

/**
 * Statuses proving the request was not carried out, so even a result report can be sent again
 * safely (the `not-applied` row of {@link statusKind}'s table).
 *
 * @example
 * NOT_APPLIED_STATUSES.has(408) // true
 */
export const NOT_APPLIED_STATUSES: ReadonlySet<number> = new Set([408, 421, 425, 429, 503])

/**
 * Statuses a client retries on its own: the `not-applied` ones and the gateway transients whose
 * request may be lost on the way (the `ambiguous` row of {@link statusKind}'s table, except 501
 * Not Implemented and 505 HTTP Version Not Supported, which answer the same every time).
 *
 * @example
 * RETRYABLE_STATUSES.has(504) // true
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([
  ...NOT_APPLIED_STATUSES,
  500,
  502,
  504,
])
