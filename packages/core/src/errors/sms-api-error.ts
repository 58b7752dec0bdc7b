import type { ErrorBody } from '../schemas/error-body.ts'
import {
  describeRequest,
  describeTarget,
  hasName,
  SmsError,
  type SmsErrorOptions,
} from './sms-error.ts'

/** What {@link SmsApiError} knows about the failed answer. */
export interface SmsApiErrorOptions extends SmsErrorOptions {
  status: number
  body?: ErrorBody | undefined
  requestId?: string | undefined
  retryAfterMs?: number | undefined
  retryAfterClampedFromMs?: number | undefined
  /** What the client understood was wrong, appended to the message. */
  hint?: string | undefined
}

/**
 * SMS (or its gateway) answered with an HTTP error status. `errorCode` and `errorMsg` come from
 * the documented error body when it had one.
 */
export class SmsApiError extends SmsError {
  override readonly name = 'SmsApiError' as const
  readonly status: number
  readonly errorCode: string | undefined
  readonly errorMsg: string | undefined
  readonly requestId: string | undefined
  /** The parsed error body, extra fields included; undefined when the body was not one. */
  readonly body: ErrorBody | undefined
  /**
   * The delay the server asked for with `Retry-After`, in milliseconds, bounded by the client's
   * `maxServerDelayMs` (default 5 min) so code that waits on it can't overflow a timer or stall.
   */
  readonly retryAfterMs: number | undefined
  /** What the client understood was wrong (e.g. a 401 about the request, not the credentials). */
  readonly hint: string | undefined
  /** What `Retry-After` asked for when it was over the bound, in ms; otherwise undefined. */
  readonly retryAfterClampedFromMs: number | undefined

  constructor(options: SmsApiErrorOptions) {
    const code = options.body ? ` ${options.body.error_code}` : ''
    const text = options.body ? `: ${options.body.error_msg}` : ''
    const where = describeRequest(options)
    const server = describeTarget(options)
    const request = options.requestId ? ` [request id ${options.requestId}]` : ''
    const hint = options.hint ? `: ${options.hint}` : ''
    super(
      `${where ? `${where} failed` : 'Request failed'} with HTTP ${options.status}${code}${text}${server}${request}${hint}`,
      options,
    )
    this.status = options.status
    this.body = options.body
    this.errorCode = options.body?.error_code
    this.errorMsg = options.body?.error_msg
    this.requestId = options.requestId
    this.retryAfterMs = options.retryAfterMs
    this.retryAfterClampedFromMs = options.retryAfterClampedFromMs
    this.hint = options.hint
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      errorCode: this.errorCode,
      errorMsg: this.errorMsg,
      requestId: this.requestId,
      retryAfterMs: this.retryAfterMs,
      retryAfterClampedFromMs: this.retryAfterClampedFromMs,
      hint: this.hint,
    }
  }
}

/**
 * True when SMS answered with an error status.
 *
 * @example
 * if (isSmsApiError(error) && error.status === 404) console.log('server not registered')
 */
export function isSmsApiError(error: unknown): error is SmsApiError {
  return hasName(error, 'SmsApiError')
}
