const encoder = new TextEncoder()

// RFC 3986 unreserved characters: the only bytes both SDKs leave as they are.
const UNRESERVED = new Set(
  Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~', (c) =>
    c.charCodeAt(0),
  ),
)
const ENCODED = Array.from({ length: 256 }, (_, byte) =>
  UNRESERVED.has(byte)
    ? String.fromCharCode(byte)
    : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
)
const PERCENT = 0x25

function percentEncodeBytes(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += ENCODED[byte]
  return out
}

function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -1
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  const lower = byte | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1
}

// Decodes to bytes, not to a string: a segment like `%FF` is not UTF-8, and
// decodeURIComponent would throw on it where this keeps the byte as sent.
// A `%` not followed by two hex digits stays a literal `%`, as URL parsers keep it.
function percentDecodeToBytes(segment: string): Uint8Array {
  const raw = encoder.encode(segment)
  const out = new Uint8Array(raw.length)
  let length = 0
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] ?? 0
    const high = byte === PERCENT ? hexDigit(raw[i + 1]) : -1
    const low = high >= 0 ? hexDigit(raw[i + 2]) : -1
    if (low >= 0) {
      out[length++] = high * 16 + low
      i += 2
    } else {
      out[length++] = byte
    }
  }
  return out.subarray(0, length)
}

/**
 * Orders strings by UTF-16 code units, the order of a plain `Array#sort`, spelt out so
 * that every sort in the signer visibly uses the same one.
 *
 * @example
 * ['b', 'a', 'B'].sort(compareCodeUnits) // ['B', 'a', 'b']
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Percent-encodes the UTF-8 bytes of `value`, keeping only the RFC 3986 unreserved
 * characters `A-Za-z0-9-_.~`, with uppercase hex.
 *
 * @example
 * encodeRfc3986('a b/é*') // 'a%20b%2F%C3%A9%2A'
 */
export function encodeRfc3986(value: string): string {
  return percentEncodeBytes(encoder.encode(value))
}

/**
 * The CanonicalURI of a URL path: each `/`-separated segment is percent-decoded,
 * then encoded once with {@link encodeRfc3986}; the result always ends with `/`.
 *
 * Segments are split before decoding so that an encoded slash (`%2F`) stays inside its
 * segment. Decoding first is what docs/api.md and the Go SDK specify; the Node SDK instead
 * encodes the path as given, so an already-encoded `%20` becomes `%2520` there.
 *
 * @example
 * canonicalUri('/v3/sources/srv%20one/command') // '/v3/sources/srv%20one/command/'
 * canonicalUri('/') // '/'
 */
export function canonicalUri(pathname: string): string {
  const path = pathname
    .split('/')
    .map((segment) => percentEncodeBytes(percentDecodeToBytes(segment)))
    .join('/')
  return path.endsWith('/') ? path : `${path}/`
}

/**
 * The CanonicalQuery of some search parameters: keys sorted, a repeated key's values
 * sorted, both on the decoded strings in UTF-16 code-unit order (JavaScript's own order,
 * the one the Node SDK uses), then each key and value encoded with {@link encodeRfc3986}
 * and `k=v` pairs joined by `&`. A key without `=` counts as an empty value.
 *
 * `URLSearchParams` decodes `+` as a space, as servers do, so `?q=a+b` signs `q=a%20b`.
 *
 * @example
 * canonicalQuery(new URLSearchParams('b=2&a=y&a=x')) // 'a=x&a=y&b=2'
 */
export function canonicalQuery(searchParams: URLSearchParams): string {
  const byKey = new Map<string, string[]>()
  for (const [key, value] of searchParams) {
    const values = byKey.get(key)
    if (values === undefined) byKey.set(key, [value])
    else values.push(value)
  }
  return [...byKey]
    .sort(([a], [b]) => compareCodeUnits(a, b))
    .flatMap(([key, values]) => {
      const encodedKey = encodeRfc3986(key)
      return values.sort(compareCodeUnits).map((value) => `${encodedKey}=${encodeRfc3986(value)}`)
    })
    .join('&')
}

/**
 * The CanonicalHeaders block: `name:value\n` for each signed header, in the order given
 * (the signer sorts; a verifier keeps the order the client listed), with the value's
 * leading and trailing spaces and tabs removed. `headers` is keyed by lowercase name.
 * Throws a `TypeError` when a signed header has no value.
 *
 * Only HTTP whitespace is trimmed: it is all an HTTP parser strips, so what is signed
 * matches what a server reads.
 *
 * @example
 * canonicalHeaders(new Map([['host', 'example.com'], ['x-sdk-date', '20060102T150405Z']]), ['host', 'x-sdk-date'])
 * // 'host:example.com\nx-sdk-date:20060102T150405Z\n'
 */
export function canonicalHeaders(
  headers: ReadonlyMap<string, string>,
  signedHeaderNames: readonly string[],
): string {
  let out = ''
  for (const name of signedHeaderNames) {
    const value = headers.get(name)
    if (value === undefined) throw new TypeError(`signed header ${JSON.stringify(name)} is absent`)
    out += `${name}:${value.replace(/^[\t ]+|[\t ]+$/g, '')}\n`
  }
  return out
}

/** The parts of a CanonicalRequest, each already canonical. */
export interface CanonicalRequestParts {
  method: string
  canonicalUri: string
  canonicalQuery: string
  canonicalHeaders: string
  signedHeaders: readonly string[]
  payloadHash: string
}

/**
 * Joins the parts of a CanonicalRequest with `\n`. CanonicalHeaders ends with its own
 * `\n`, so an empty line precedes SignedHeaders.
 *
 * @example
 * canonicalRequest({
 *   method: 'GET', canonicalUri: '/path/', canonicalQuery: 'limit=1',
 *   canonicalHeaders: 'x-sdk-date:20060102T150405Z\n', signedHeaders: ['x-sdk-date'],
 *   payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
 * })
 * // 'GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0…b855'
 */
export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method,
    parts.canonicalUri,
    parts.canonicalQuery,
    parts.canonicalHeaders,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n')
}
