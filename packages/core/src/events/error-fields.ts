import { isSmsApiError } from '../errors/sms-api-error.ts'
import { isSmsError } from '../errors/sms-error.ts'
import { isSmsNetworkError } from '../errors/sms-network-error.ts'
import type { AgentErrorFields } from './agent-events.ts'

/**
 * The loggable part of an error: name and message and, for SMS errors, status, error code and
 * request id, or a network error's reason. Core's errors never hold credentials; other errors are
 * reduced to name and message.
 *
 * @example
 * events.emit({ event: 'poll.error', error: errorFields(error) })
 */
export function errorFields(error: unknown): AgentErrorFields {
  if (isSmsApiError(error)) {
    return {
      name: error.name,
      message: error.message,
      status: error.status,
      error_code: error.errorCode,
      request_id: error.requestId,
    }
  }
  if (isSmsNetworkError(error))
    return { name: error.name, message: error.message, reason: error.reason }
  if (isSmsError(error)) return { name: error.name, message: error.message }
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { name: 'Error', message: String(error) }
}
