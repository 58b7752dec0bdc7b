import {
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  compareCodeUnits,
} from './canonical.ts'
import { hexSha256, hmacSha256Hex } from './hash.ts'
import { type HeadersInput, normalizeHeaders } from './headers.ts'
import { formatSdkDate, parseSdkDate } from './sdk-date.ts'

/** The algorithm name that opens the string to sign and the Authorization header. */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256'

/** An HTTP request as the signer sees it. */
export interface SignableRequest {
  method: string
  /** Absolute `http:` or `https:` URL; its path and query are signed, its fragment is not. */
  url: string | URL
  headers?: HeadersInput | undefined
  /** A string is signed as its UTF-8 bytes; `null` or absent is an empty body. */
  body?: string | Uint8Array | null | undefined
}

/** An access key id and its secret. */
export interface AkSkCredentials {
  ak: string
  sk: string
}

/** Options of {@link signRequest}. */
export interface SignOptions {
  /** Sign `host` (from the URL) even when no Host header is passed. Default true. */
  signHost?: boolean
}

/** The headers to add to the request, as sent. */
export interface SignatureHeaders {
  'X-Sdk-Date': string
  Authorization: string
}

/** A request reduced to what the canonical form needs, headers keyed by lowercase name. */
export interface NormalizedRequest {
  method: string
  url: URL
  headers: ReadonlyMap<string, string>
  body: string | Uint8Array | null | undefined
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// The methods fetch uppercases before sending (Fetch standard, "normalize a method");
// any other method, PATCH included, goes on the wire exactly as written.
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
// An access key goes verbatim into `Access=…, SignedHeaders=…`; these would break that.
const AK_FORBIDDEN = /[\s,;=]/

function normalizeMethod(method: string): string {
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    throw new TypeError('request.method must be an HTTP token such as GET')
  }
  const upper = method.toUpperCase()
  return NORMALIZED_METHODS.has(upper) ? upper : method
}

function parseUrl(url: string | URL): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError('request.url must be an absolute http(s) URL')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError('request.url must be an absolute http(s) URL')
  }
  return parsed
}

/**
 * Checks and normalizes a request for signing or verification: validates method, URL
 * and headers (throwing a `TypeError` naming the field), lowercases header names.
 *
 * @example
 * normalizeRequest({ method: 'get', url: 'https://example.com/a' }).method // 'GET'
 */
export function normalizeRequest(request: SignableRequest): NormalizedRequest {
  if (typeof request !== 'object' || request === null) {
    throw new TypeError('request must be an object')
  }
  const body = request.body
  if (
    body !== undefined &&
    body !== null &&
    typeof body !== 'string' &&
    !(body instanceof Uint8Array)
  ) {
    throw new TypeError('request.body must be a string, a Uint8Array or null')
  }
  return {
    method: normalizeMethod(request.method),
    url: parseUrl(request.url),
    headers: normalizeHeaders(request.headers),
    body,
  }
}

function headerValue(request: NormalizedRequest, name: string): string | undefined {
  // A server's request may carry no Host header (HTTP/2 has :authority); the URL it
  // was reached at then stands in for it.
  return request.headers.get(name) ?? (name === 'host' ? request.url.host : undefined)
}

/**
 * Builds the CanonicalRequest of docs/api.md §5 over exactly `signedHeaders` (lowercase
 * names, in the order they are to be listed). A server verifying a request passes the
 * order the client listed; `host`, when signed but absent, is taken from the URL.
 * Throws a `TypeError` for invalid input or a signed header the request lacks.
 *
 * @example
 * await buildCanonicalRequest(
 *   { method: 'GET', url: 'https://example.huaweicloud.com/path?limit=1', headers: { 'X-Sdk-Date': '20060102T150405Z' } },
 *   ['x-sdk-date'],
 * )
 * // 'GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0…b855'
 */
export async function buildCanonicalRequest(
  request: SignableRequest | NormalizedRequest,
  signedHeaders: readonly string[],
): Promise<string> {
  const normalized = isNormalized(request) ? request : normalizeRequest(request)
  const headers = new Map<string, string>()
  for (const name of signedHeaders) {
    const value = headerValue(normalized, name)
    if (value !== undefined) headers.set(name, value)
  }
  return canonicalRequest({
    method: normalized.method,
    canonicalUri: canonicalUri(normalized.url.pathname),
    canonicalQuery: canonicalQuery(normalized.url.searchParams),
    canonicalHeaders: canonicalHeaders(headers, signedHeaders),
    signedHeaders,
    payloadHash: await hexSha256(normalized.body ?? ''),
  })
}

function isNormalized(request: SignableRequest | NormalizedRequest): request is NormalizedRequest {
  return request.url instanceof URL && request.headers instanceof Map
}

/**
 * The StringToSign: algorithm, X-Sdk-Date and the hex SHA-256 of the CanonicalRequest,
 * one per line.
 *
 * @example
 * await stringToSign('20060102T150405Z', canonical) // 'SDK-HMAC-SHA256\n20060102T150405Z\n<hex>'
 */
export async function stringToSign(sdkDate: string, canonical: string): Promise<string> {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${await hexSha256(canonical)}`
}

/**
 * The hex signature of a request over `signedHeaders`, keyed with the SK's bytes (no key
 * derivation). The date signed is the request's `X-Sdk-Date` header, which must be present.
 *
 * @example
 * await computeSignature(
 *   { method: 'GET', url: 'https://example.huaweicloud.com/path?limit=1', headers: { 'X-Sdk-Date': '20060102T150405Z' } },
 *   ['x-sdk-date'],
 *   'SecretKey',
 * ) // '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624'
 */
export async function computeSignature(
  request: SignableRequest | NormalizedRequest,
  signedHeaders: readonly string[],
  sk: string,
): Promise<string> {
  if (typeof sk !== 'string' || sk === '') throw new TypeError('sk must be a non-empty string')
  const normalized = isNormalized(request) ? request : normalizeRequest(request)
  const sdkDate = normalized.headers.get('x-sdk-date')
  if (sdkDate === undefined) throw new TypeError('request.headers must include X-Sdk-Date')
  const canonical = await buildCanonicalRequest(normalized, signedHeaders)
  return hmacSha256Hex(sk, await stringToSign(sdkDate, canonical))
}

function checkCredentials(credentials: AkSkCredentials): AkSkCredentials {
  if (typeof credentials !== 'object' || credentials === null) {
    throw new TypeError('credentials must be an object with ak and sk')
  }
  const { ak, sk } = credentials
  if (typeof ak !== 'string' || ak === '' || AK_FORBIDDEN.test(ak)) {
    throw new TypeError('credentials.ak must be a non-empty string without spaces, commas, ; or =')
  }
  if (typeof sk !== 'string' || sk === '') {
    throw new TypeError('credentials.sk must be a non-empty string')
  }
  return { ak, sk }
}

function resolveSdkDate(header: string | undefined, date: Date | undefined): string {
  if (date !== undefined) {
    const formatted = formatSdkDate(date)
    if (header !== undefined && header !== formatted) {
      throw new TypeError('date and the X-Sdk-Date header disagree; pass one of them')
    }
    return formatted
  }
  if (header !== undefined) {
    if (parseSdkDate(header) === undefined) {
      throw new TypeError('headers["x-sdk-date"] must be YYYYMMDDTHHMMSSZ')
    }
    return header
  }
  return formatSdkDate(new Date())
}

/**
 * Signs a request with AK/SK (`SDK-HMAC-SHA256`, docs/api.md §5) and returns the two headers
 * to add to it.
 *
 * Signed headers: every header the caller passes (lowercased) except `Authorization`,
 * plus `x-sdk-date`. This is the Node SDK's rule and the one docs/api.md's first test vector
 * follows (it signs `content-type`); the Go SDK's omission of `content-type` and of names
 * with `_` is not copied, since the server verifies whichever set is listed.
 * `host` is always signed, with the URL's host, as both official signers do: it binds the
 * signature to the host (fetch never sends a caller's Host header, so the URL's is what the
 * server sees). A Host header naming another host throws rather than produce a signature
 * that fails. `{ signHost: false }` leaves `host` out, for a verifier that can't see it.
 *
 * The date is `date`, else the request's `X-Sdk-Date` header, else now; the server
 * rejects dates more than 15 minutes off its clock.
 *
 * Throws a `TypeError` naming the field for an empty AK or SK, an invalid URL, method or
 * header; messages never contain the SK, a signature or a header value.
 *
 * @example
 * const signed = await signRequest(
 *   { method: 'GET', url: 'https://example.huaweicloud.com/path?limit=1' },
 *   { ak: 'AccessKey', sk: 'SecretKey' },
 *   new Date('2006-01-02T15:04:05Z'),
 * )
 * // { 'X-Sdk-Date': '20060102T150405Z',
 * //   Authorization: 'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=…' }
 * await fetch(url, { headers: { ...headers, ...signed } })
 */
export async function signRequest(
  request: SignableRequest,
  credentials: AkSkCredentials,
  date?: Date,
  options: SignOptions = {},
): Promise<SignatureHeaders> {
  const { ak, sk } = checkCredentials(credentials)
  const normalized = normalizeRequest(request)
  const headers = new Map(normalized.headers)
  headers.delete('authorization')
  const sdkDate = resolveSdkDate(headers.get('x-sdk-date'), date)
  headers.set('x-sdk-date', sdkDate)
  const host = headers.get('host')
  if (host !== undefined && host.trim().toLowerCase() !== normalized.url.host) {
    throw new TypeError('headers.host must name the host of request.url, or be left out')
  }
  if (options.signHost === false && host === undefined) headers.delete('host')
  else headers.set('host', normalized.url.host)
  const signedHeaders = [...headers.keys()].sort(compareCodeUnits)
  const signature = await computeSignature({ ...normalized, headers }, signedHeaders, sk)
  return {
    'X-Sdk-Date': sdkDate,
    Authorization: `${SIGNING_ALGORITHM} Access=${ak}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  }
}
