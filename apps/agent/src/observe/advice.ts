import { isSmsApiError, isSmsNetworkError, isSmsResponseValidationError } from '@sms-command/core'

/**
 * What the agent tells an operator about a failure: a bounded label for metrics, and advice that
 * names the service that refused (SMS, or IAM for the token) and the setting to check.
 *
 * @module
 */

/**
 * A bounded label for an error: the HTTP status, or `timeout`, `network`, `invalid-response`.
 *
 * @example
 * metrics.countPoll('error', errorLabel(error)) // '503', 'timeout', …
 */
export function errorLabel(error: unknown): string {
  if (isSmsApiError(error)) return String(error.status)
  if (isSmsNetworkError(error)) return error.reason
  if (isSmsResponseValidationError(error)) return 'invalid-response'
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

/** Core's `IamPasswordRejectedError` (not on core's root export): a login held back to avoid a lockout. */
function isIamPasswordRejected(error: unknown): error is Error & { retryAt: number } {
  return (
    error instanceof Error &&
    error.name === 'IamPasswordRejectedError' &&
    typeof (error as { retryAt?: unknown }).retryAt === 'number'
  )
}

const IAM_CREDENTIALS =
  '--iam-user, --iam-domain and the password (--iam-password-file or SMS_IAM_PASSWORD)'

/**
 * Advice for a failed poll, naming the service that refused (SMS, or IAM for the token) and the
 * setting to check.
 *
 * @example
 * pollErrorAdvice(iam404).check // '--iam-endpoint'
 */
export function pollErrorAdvice(error: unknown): PollAdvice {
  if (isIamPasswordRejected(error)) {
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
    if (isSmsNetworkError(error)) {
      return {
        service,
        check: '--iam-endpoint',
        msg: 'no connection to IAM: check --iam-endpoint and the egress proxy (HTTPS_PROXY); backing off',
      }
    }
    return { service, msg: 'the IAM login failed; backing off' }
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
        return { service, msg: 'SMS is throttling (429): waiting as asked' }
      default:
        return { service, msg: `SMS answered ${error.status}; backing off` }
    }
  }
  if (isSmsNetworkError(error)) {
    return {
      service,
      msg:
        error.reason === 'timeout'
          ? 'the poll ran past --request-timeout; backing off'
          : 'no connection to SMS; backing off',
    }
  }
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
export function reportErrorAdvice(error: unknown): string {
  if (isSmsApiError(error) && (error.status === 429 || error.status === 503)) {
    return 'SMS did not take the report; it stays in the outbox'
  }
  if (isSmsApiError(error) && error.status < 500) {
    return 'SMS refused the report; it stays in the outbox and is retried slowly'
  }
  return 'no clear answer to the report: the next poll checks whether SMS recorded it before anything is re-sent'
}
