import { NOT_APPLIED_STATUSES } from '../client/status-kind.ts'
import { isIamPasswordRejectedError } from '../errors/iam-password-rejected-error.ts'
import { isSmsApiError } from '../errors/sms-api-error.ts'
import { isSmsNetworkError, trustedCaVariable } from '../errors/sms-network-error.ts'
import { isSmsRedirectError } from '../errors/sms-redirect-error.ts'
import { isSmsResponseValidationError } from '../errors/sms-response-validation-error.ts'

/**
 * What the agent tells an operator about a failure: a bounded label for metrics, and advice that
 * names the service that refused (SMS, or IAM for the token) and the setting to check.
 *
 * @module
 */

/**
 * A bounded label for an error: the HTTP status, or `timeout`, `network`, `headers-too-large`,
 * `invalid-response`, `iam-locked-out` (a login held back after IAM refused the password).
 *
 * @example
 * metrics.countPoll('error', errorLabel(error)) // '503', 'timeout', …
 */
export function errorLabel(error: unknown): string {
  if (isSmsApiError(error)) return String(error.status)
  if (isSmsNetworkError(error)) return error.reason
  if (isSmsRedirectError(error)) return 'redirect'
  if (isSmsResponseValidationError(error)) return 'invalid-response'
  // No request was sent: the login is held back so that IAM does not lock the user out.
  if (isIamPasswordRejectedError(error)) return 'iam-locked-out'
  return 'other'
}

/** What a failed poll means to an operator: the message, the service that refused, what to check. */
export interface PollAdvice {
  msg: string
  service: 'sms' | 'iam'
  /** The setting(s) to check, when one is to blame. */
  check?: string
  /** When the next login with this password is allowed (IAM lockout protection), ms since epoch. */
  retryAt?: number
}

/** A failure of the IAM login (the token), not of SMS. */
function isIamFailure(error: unknown): boolean {
  return (
    isIamPasswordRejectedError(error) || (error as { service?: unknown } | null)?.service === 'iam'
  )
}

const IAM_CREDENTIALS =
  '--iam-user, --iam-domain and the password (--iam-password-file or SMS_IAM_PASSWORD)'

/** How long the agent waits after a failure, and what the server asked for when that was more. */
export interface ServerWait {
  /** The wait the agent chose, in ms. */
  delayMs?: number | undefined
  /** What the server asked for (`Retry-After`) when it was over the agent's ceiling, in ms. */
  clampedFromMs?: number | undefined
}

/**
 * A duration as a person reads it: `1 d`, `5 min`, `30 s`, `250 ms` (one decimal where needed).
 *
 * @example
 * readableDuration(86_400_000) // '1 d'
 */
export function readableDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ]
  for (const [size, unit] of units) {
    if (ms >= size) return `${Number((ms / size).toFixed(1))} ${unit}`
  }
  return `${Math.round(ms)} ms`
}

/** What the server asked for, when the agent capped it: from the poll event or the error. */
function clampedFrom(wait: ServerWait, error: unknown): number | undefined {
  return (
    wait.clampedFromMs ??
    (isSmsApiError(error) ? error.retryAfterClampedFromMs : undefined) ??
    undefined
  )
}

/**
 * `server asked for 1 d; waiting 5 min (capped)` when a server's delay was capped, `waiting 30 s
 * as asked` when it wasn't, undefined when the wait is unknown.
 *
 * @example
 * describeWait({ delayMs: 300_000, clampedFromMs: 86_400_000 }) // 'server asked for 1 d; waiting 5 min (capped)'
 */
export function describeWait(wait: ServerWait, error?: unknown): string | undefined {
  const asked = clampedFrom(wait, error)
  const delay =
    wait.delayMs ?? (isSmsApiError(error) && asked !== undefined ? error.retryAfterMs : undefined)
  if (asked !== undefined && delay !== undefined) {
    return `server asked for ${readableDuration(asked)}; waiting ${readableDuration(delay)} (capped)`
  }
  if (asked !== undefined) return `server asked for ${readableDuration(asked)} (capped)`
  if (delay !== undefined) return `waiting ${readableDuration(delay)} as asked`
  return undefined
}

/**
 * What a network failure (no usable answer) means, by its reason: each reason has its own cause
 * and its own fix, so none is reported as another ("no connection" for headers that were too large
 * sends an operator to check a proxy that works). An unknown reason (a newer core) says so.
 */
function networkAdvice(
  error: { reason: string },
  service: 'sms' | 'iam',
): PollAdvice & { service: 'sms' | 'iam' } {
  const name = service === 'iam' ? 'IAM' : 'SMS'
  const endpoint = service === 'iam' ? '--iam-endpoint' : '--endpoint'
  switch (error.reason) {
    case 'timeout':
      return {
        service,
        check: `--request-timeout, ${endpoint} and the egress proxy`,
        msg: `${name} did not answer within --request-timeout: check ${endpoint}, the egress proxy (HTTPS_PROXY) and --request-timeout; backing off`,
      }
    case 'headers-too-large':
      return {
        service,
        check: `${endpoint} and whatever sits between (proxy, gateway)`,
        msg: `${name} answered, but with headers larger than this runtime accepts${service === 'iam' ? ' (the token in X-Subject-Token)' : ''}: connection and proxy are fine; the agent accepts up to 64 KiB on Node, so something (a proxy or gateway at ${endpoint}) sends oversized headers; backing off`,
      }
    case 'tls-certificate':
      return {
        service,
        check: `the CA that signs ${endpoint}'s certificate`,
        msg: `${name}'s TLS certificate is not trusted by this runtime (a TLS-inspecting proxy?): trust its CA with ${trustedCaVariable()}=/path/to/ca.pem (NODE_EXTRA_CA_CERTS on Node and Bun, DENO_CERT on Deno); backing off`,
      }
    case 'network':
      return {
        service,
        check: `${endpoint} and the egress proxy`,
        msg: `no connection to ${name}: check ${endpoint} and the egress proxy (HTTPS_PROXY); backing off`,
      }
    default:
      return {
        service,
        check: endpoint,
        msg: `the request to ${name} failed without an answer (${error.reason}): check ${endpoint}; backing off`,
      }
  }
}

/**
 * Advice for a failed poll, naming the service that refused (SMS, or IAM for the token) and the
 * setting to check.
 *
 * @example
 * pollErrorAdvice(iam404).check // '--iam-endpoint'
 */
export function pollErrorAdvice(error: unknown, wait: ServerWait = {}): PollAdvice {
  if (isIamPasswordRejectedError(error)) {
    return {
      service: 'iam',
      check: IAM_CREDENTIALS,
      retryAt: error.retryAt,
      msg: `IAM refused this password at the last login; to keep the IAM user from being locked out, no login is sent with it until ${new Date(error.retryAt).toISOString()} or until the password file changes: check ${IAM_CREDENTIALS}`,
    }
  }
  const service = (error as { service?: unknown } | null)?.service === 'iam' ? 'iam' : 'sms'
  if (service === 'iam') {
    if (isSmsApiError(error)) {
      switch (error.status) {
        case 400:
        case 401:
          return {
            service,
            check: IAM_CREDENTIALS,
            msg: `IAM refused the user name or password (${error.status}); it is not sent again until it changes or the lockout window passes: check ${IAM_CREDENTIALS}`,
          }
        case 403:
          return {
            service,
            check: '--iam-user',
            msg: 'IAM denied the login (403): the IAM user may be locked or disabled; check --iam-user in the IAM console; retrying slowly',
          }
        case 404:
          return {
            service,
            check: '--iam-endpoint',
            msg: 'IAM answered 404: check --iam-endpoint (e.g. https://iam.ap-southeast-1.myhuaweicloud.com); retrying slowly',
          }
        default:
          return { service, msg: `IAM answered ${error.status}; backing off` }
      }
    }
    if (isSmsNetworkError(error)) return networkAdvice(error, 'iam')
    return { service, msg: 'the IAM login failed; backing off' }
  }
  if (isSmsRedirectError(error)) {
    const flag = error.service === 'iam' ? '--iam-endpoint' : '--endpoint'
    return {
      service: error.service === 'iam' ? 'iam' : service,
      check: flag,
      msg: `${error.service === 'iam' ? 'IAM' : 'SMS'} never redirects, yet the answer was a ${error.status || '3xx'} redirect${error.location ? ` to ${error.location}` : ''} (a load balancer, a proxy's login page, a moved endpoint?): not followed, so no credentials or results left; check ${flag}; backing off`,
    }
  }
  if (isSmsApiError(error)) {
    switch (error.status) {
      case 401:
        return {
          service,
          check: 'the credentials',
          msg: 'SMS refused the credentials (401), even after a refresh where possible; retrying slowly',
        }
      case 403:
        return {
          service,
          check: 'the IAM policy of these credentials',
          msg: 'SMS denied permission (403): check the IAM policy of these credentials; retrying slowly',
        }
      case 404:
        return {
          service,
          check: '--server-id',
          msg: 'SMS does not know this server (404): check --server-id and that the server is registered; retrying slowly',
        }
      case 429:
        return {
          service,
          msg: `SMS is throttling (429): ${describeWait(wait, error) ?? 'waiting as asked'}`,
        }
      default: {
        const waiting = describeWait(wait, error)
        return {
          service,
          msg: `SMS answered ${error.status}; ${waiting && clampedFrom(wait, error) !== undefined ? waiting : 'backing off'}`,
        }
      }
    }
  }
  if (isSmsNetworkError(error)) return networkAdvice(error, 'sms')
  if (isSmsResponseValidationError(error))
    return { service, msg: 'SMS sent a body that breaks the schema; backing off' }
  return { service, msg: 'poll failed; backing off' }
}

/**
 * Advice for a failed report.
 *
 * @example
 * reportErrorAdvice(timeout) // 'no clear answer to the report: …'
 */
export function reportErrorAdvice(error: unknown, wait: ServerWait = {}): string {
  if (isSmsApiError(error) && NOT_APPLIED_STATUSES.has(error.status)) {
    const waiting = describeWait(wait, error)
    return `SMS did not take the report (${error.status}); it stays in the outbox${waiting ? `: ${waiting}` : ''}`
  }
  if (isSmsNetworkError(error) && error.reason === 'headers-too-large') {
    return `${error.service === 'iam' ? 'IAM' : 'SMS'} answered with headers larger than this runtime accepts (a proxy or gateway in between?); the report stays in the outbox and the next poll checks whether SMS recorded it`
  }
  if (isIamFailure(error)) {
    return `the report waits for an IAM token (${pollErrorAdvice(error).msg}); it stays in the outbox`
  }
  if (isSmsApiError(error) && error.status < 500) {
    return 'SMS refused the report; it stays in the outbox and is retried slowly'
  }
  return 'no clear answer to the report: the next poll checks whether SMS recorded it before anything is re-sent'
}
