import { describeRequest, hasName, SmsError, type SmsErrorOptions } from './sms-error.ts'

/** Why no answer arrived. */
export type SmsNetworkErrorReason = 'network' | 'timeout'

/**
 * No HTTP answer: the connection failed or the attempt ran past `timeoutMs`. A caller's own
 * `AbortSignal` never produces this error: an abort rejects with the signal's reason instead.
 */
export class SmsNetworkError extends SmsError {
  override readonly name = 'SmsNetworkError' as const
  readonly reason: SmsNetworkErrorReason

  constructor(reason: SmsNetworkErrorReason, options: SmsErrorOptions & { timeoutMs?: number }) {
    const where = describeRequest(options) || 'Request'
    const server =
      options.serverId === undefined ? '' : ` (server ${JSON.stringify(options.serverId)})`
    const detail =
      reason === 'timeout'
        ? `timed out after ${options.timeoutMs ?? '?'} ms`
        : `failed: ${errorText(options.cause)}`
    super(`${where} ${detail}${server}`, options)
    this.reason = reason
  }

  /** True when the attempt ran out of time rather than failing to connect. */
  get isTimeout(): boolean {
    return this.reason === 'timeout'
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason }
  }
}

function errorText(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : ''
    return `${cause.message}${inner}`
  }
  return 'network error'
}

/**
 * True when no HTTP answer arrived (connection failure or timeout).
 *
 * @example
 * if (isSmsNetworkError(error) && error.isTimeout) console.log('SMS is slow')
 */
export function isSmsNetworkError(error: unknown): error is SmsNetworkError {
  return hasName(error, 'SmsNetworkError')
}
