/** Request headers as a plain record or a WHATWG `Headers`. */
export type HeadersInput = Readonly<Record<string, string>> | Headers

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// The Fetch standard forbids these in a header value; a signer that accepted
// them would sign a request no runtime can send.
const FORBIDDEN_IN_VALUE = /[\0\r\n]/

function isHeaders(headers: HeadersInput): headers is Headers {
  // Duck-typed rather than instanceof: a Headers from another realm (a test
  // runner's, undici's) must count, and a record's values are never functions.
  return typeof (headers as { forEach?: unknown }).forEach === 'function'
}

/**
 * Lowercased header name → value, validated so that what gets signed is what can be sent.
 * Throws a `TypeError` naming the header (never its value, which may be a token) when a
 * name is not an HTTP token, a value holds CR, LF or NUL, or a record spells one name twice.
 *
 * @example
 * normalizeHeaders({ 'Content-Type': 'application/json' }).get('content-type') // 'application/json'
 */
export function normalizeHeaders(headers: HeadersInput | undefined): Map<string, string> {
  const normalized = new Map<string, string>()
  if (headers === undefined) return normalized
  if (isHeaders(headers)) {
    // Headers already lowercases, validates and joins repeated values with ', '.
    headers.forEach((value, name) => {
      normalized.set(name, value)
    })
    return normalized
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) {
      throw new TypeError(`headers: ${JSON.stringify(name)} is not a valid header name`)
    }
    if (typeof value !== 'string' || FORBIDDEN_IN_VALUE.test(value)) {
      throw new TypeError(`headers[${JSON.stringify(name)}] must be a string without CR, LF or NUL`)
    }
    const lower = name.toLowerCase()
    if (normalized.has(lower)) {
      throw new TypeError(`headers: ${JSON.stringify(lower)} is given twice with different cases`)
    }
    normalized.set(lower, value)
  }
  return normalized
}
