import {
  isSmsApiError,
  isSmsInputError,
  isSmsNetworkError,
  isSmsResponseValidationError,
} from '@sms-command/core'
import type { ErrorInfo } from '../model.ts'

/**
 * Turns any failure into what the table and detail pane show: status, code and a secret-free
 * message (core's errors carry only method, path and server id). A response that fails validation
 * is `invalid-response`, the agent's metrics label for the same error.
 *
 * @example
 * toErrorInfo(new SmsApiError({ status: 401, body: { error_code: 'APIGW.0301', error_msg: 'x' } }), now)
 * // { status: 401, code: 'APIGW.0301', message: 'Request failed with HTTP 401 APIGW.0301: x', at }
 */
export function toErrorInfo(error: unknown, at: number): ErrorInfo {
  if (isSmsApiError(error)) {
    return { status: error.status, code: error.errorCode, message: error.message, at }
  }
  if (isSmsNetworkError(error)) return { code: error.reason, message: error.message, at }
  if (isSmsResponseValidationError(error)) {
    return { code: 'invalid-response', message: error.message, at }
  }
  if (isSmsInputError(error)) return { code: `bad-${error.field}`, message: error.message, at }
  if (error instanceof Error) return { code: error.name, message: error.message, at }
  return { code: 'error', message: String(error), at }
}
