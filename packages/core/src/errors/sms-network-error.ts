import {
  describeRequest,
  describeTarget,
  hasName,
  SmsError,
  type SmsErrorOptions,
} from './sms-error.ts'

/**
 * Why no answer arrived. `headers-too-large`: an answer came but its headers exceed what this
 * runtime's fetch accepts (Node's default is 16 KiB; an IAM token may be 16,384 characters):
 * pass a `fetch` that allows more (see `iamPasswordToken`). Retrying can't help.
 */
export type SmsNetworkErrorReason = 'network' | 'timeout' | 'headers-too-large'

/**
 * No HTTP answer: the connection failed or the attempt ran past `timeoutMs`. A caller's own
 * `AbortSignal` never produces this error: an abort rejects with the signal's reason instead.
 */
export class SmsNetworkError extends SmsError {
  override readonly name = 'SmsNetworkError' as const
  readonly reason: SmsNetworkErrorReason

  constructor(reason: SmsNetworkErrorReason, options: SmsErrorOptions & { timeoutMs?: number }) {
    const where = describeRequest(options) || 'Request'
    const server = describeTarget(options)
    const detail =
      reason === 'timeout'
        ? `timed out after ${options.timeoutMs ?? '?'} ms`
        : reason === 'headers-too-large'
          ? `got an answer whose headers are larger than this runtime's fetch accepts (${errorText(options.cause)}); on Node, pass a fetch with a larger maxHeaderSize, e.g. undici's fetch with its Agent({ maxHeaderSize: 65_536 }) as dispatcher`
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

/**
 * True when a fetch failure says the answer's headers were too large (undici's
 * `UND_ERR_HEADERS_OVERFLOW` on Node, or a runtime's "header too large" text).
 *
 * @example
 * isHeadersOverflow(new TypeError('fetch failed', { cause: new Error('Headers Overflow Error') })) // true
 */
export function isHeadersOverflow(cause: unknown): boolean {
  for (let error = cause, depth = 0; error instanceof Error && depth < 5; depth++) {
    if ((error as { code?: unknown }).code === 'UND_ERR_HEADERS_OVERFLOW') return true
    // undici: "Headers Overflow Error"; hyper (Deno): "message head is too large"; others alike.
    if (/\bhead(er)?s?( is)? (overflow|too large|too long)/i.test(error.message)) return true
    error = error.cause
  }
  return false
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
