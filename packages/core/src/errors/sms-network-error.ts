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
 * pass a `fetch` that allows more (see `iamPasswordToken`). `tls-certificate`: the server's
 * certificate is not trusted (typically a TLS-inspecting proxy whose CA this machine lacks: see
 * {@link trustedCaVariable}), expired or for another name. Retrying can't help either.
 */
export type SmsNetworkErrorReason = 'network' | 'timeout' | 'headers-too-large' | 'tls-certificate'

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
        : reason === 'tls-certificate'
          ? `failed: the server's TLS certificate is not trusted (${certificateFailureCode(options.cause) ?? errorText(options.cause)}); behind a TLS-inspecting proxy, trust its CA: ${trustedCaVariable()}=/path/to/ca.pem`
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

/** Codes of an untrusted, expired or misnamed certificate: Node's and Bun's (OpenSSL's names). */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

// Deno (rustls): "invalid peer certificate: UnknownIssuer"; others' texts for the same failures.
const CERTIFICATE_TEXT =
  /invalid peer certificate(?::\s*(\w+))?|unable to verify the first certificate|self[- ]signed certificate|unable to get local issuer certificate|certificate has expired|certificate verify failed/i

/**
 * The certificate failure behind a failed fetch: the code from the cause chain (undici's
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `SELF_SIGNED_CERT_IN_CHAIN`, … on Node; Bun's same names),
 * or Deno's `invalid peer certificate: UnknownIssuer` reason; `undefined` when it is none.
 *
 * @example
 * certificateFailureCode(new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) }))
 * // 'DEPTH_ZERO_SELF_SIGNED_CERT'
 */
export function certificateFailureCode(cause: unknown): string | undefined {
  for (let error = cause, depth = 0; error instanceof Error && depth < 5; depth++) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && CERTIFICATE_CODES.has(code)) return code
    const text = CERTIFICATE_TEXT.exec(error.message)
    if (text) return text[1] ?? text[0]
    error = error.cause
  }
  return undefined
}

/**
 * The environment variable that makes this runtime trust an extra CA (a TLS-inspecting proxy's):
 * `DENO_CERT` on Deno, `NODE_EXTRA_CA_CERTS` on Node and Bun (and as the default elsewhere).
 *
 * @example
 * `${trustedCaVariable()}=/etc/ssl/corp-ca.pem` // 'NODE_EXTRA_CA_CERTS=/etc/ssl/corp-ca.pem' on Node
 */
export function trustedCaVariable(runtime?: 'node' | 'bun' | 'deno'): string {
  const here = runtime ?? ('Deno' in globalThis ? 'deno' : 'node')
  return here === 'deno' ? 'DENO_CERT' : 'NODE_EXTRA_CA_CERTS'
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
