import { importHmacKey, toBytes } from './hash.ts'
import { parseSdkDate } from './sdk-date.ts'
import {
  buildCanonicalRequest,
  type NormalizedRequest,
  normalizeRequest,
  SIGNING_ALGORITHM,
  type SignableRequest,
  stringToSign,
} from './sign-request.ts'

/** Why a request failed verification. */
export type VerifyFailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown-ak'
  | 'bad-signature'
  | 'clock-skew'

/** The outcome of {@link verifySignature}; `message` never contains a secret or signature. */
export type VerifyResult =
  | { ok: true; ak: string }
  | { ok: false; reason: VerifyFailureReason; message: string }

/** Finds the SK of an access key; `undefined` (or `''`) when the AK is unknown. */
export type SecretLookup = (ak: string) => string | undefined | Promise<string | undefined>

export interface VerifyOptions {
  /** The server clock; defaults to `new Date()`. */
  now?: Date | undefined
  /** Largest accepted distance between X-Sdk-Date and `now`; defaults to 15 minutes. */
  maxSkewMs?: number | undefined
}

/** The three fields of an `SDK-HMAC-SHA256` Authorization header. */
export interface ParsedAuthorization {
  ak: string
  signedHeaders: string[]
  /** Lowercase hex. */
  signature: string
}

const FIFTEEN_MINUTES_MS = 15 * 60 * 1000
const AUTHORIZATION =
  /^SDK-HMAC-SHA256[\t ]+Access=([^\s,;=]+),[\t ]*SignedHeaders=([^\s,]+),[\t ]*Signature=([0-9A-Fa-f]{64})$/
const LOWERCASE_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/

/**
 * Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`; `undefined`
 * when the value is not in that form, lists a header twice or names an invalid header.
 *
 * @example
 * parseAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=' + 'ab'.repeat(32))
 * // { ak: 'AK', signedHeaders: ['host', 'x-sdk-date'], signature: 'abab…ab' }
 */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const match = AUTHORIZATION.exec(value.trim())
  const [, ak, names, signature] = match ?? []
  if (ak === undefined || names === undefined || signature === undefined) return undefined
  const signedHeaders = names.split(';')
  const valid = signedHeaders.every((name) => LOWERCASE_TOKEN.test(name))
  if (!valid || new Set(signedHeaders).size !== signedHeaders.length) return undefined
  return { ak, signedHeaders, signature: signature.toLowerCase() }
}

function fail(reason: VerifyFailureReason, message: string): VerifyResult {
  return { ok: false, reason, message }
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/**
 * Verifies an AK/SK-signed request as the server would: parses the Authorization
 * header, recomputes the signature over exactly the headers it lists (in its order),
 * compares in constant time (WebCrypto's HMAC verify) and checks X-Sdk-Date's format
 * and its distance from `now` (at most `maxSkewMs`, 15 minutes by default).
 *
 * Checks run cheapest first, and the SK is looked up only for a well-formed, timely
 * request: `missing` → `malformed` → `clock-skew` → `unknown-ak` → `bad-signature`.
 * `X-Sdk-Date` must be among the signed headers, or a captured request could be replayed
 * with a fresh date. Throws a `TypeError` only for input a server cannot have received
 * (no method, a relative URL).
 *
 * Locking an AK after repeated failures (docs/api.md §5.7) is left to the caller.
 *
 * @example
 * const result = await verifySignature(
 *   { method: req.method, url: req.url, headers: req.headers, body: await req.text() },
 *   (ak) => secrets.get(ak),
 * )
 * if (!result.ok) return new Response(result.message, { status: 401 })
 */
export async function verifySignature(
  request: SignableRequest,
  lookupSecret: SecretLookup,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const now = options.now ?? new Date()
  const maxSkewMs = options.maxSkewMs ?? FIFTEEN_MINUTES_MS
  if (!(maxSkewMs >= 0)) throw new TypeError('options.maxSkewMs must be a non-negative number')
  if (Number.isNaN(now.getTime())) throw new TypeError('options.now must be a valid Date')

  let normalized: NormalizedRequest
  try {
    normalized = normalizeRequest(request)
  } catch (error) {
    // A header a client could not have sent means a forged or mangled request, not a
    // server bug; the method and URL come from the server itself.
    if (error instanceof TypeError && error.message.startsWith('headers')) {
      return fail('malformed', error.message)
    }
    throw error
  }
  const { headers } = normalized

  const authorization = headers.get('authorization')
  if (authorization === undefined || authorization.trim() === '') {
    return fail('missing', 'the Authorization header is absent')
  }
  const sdkDate = headers.get('x-sdk-date')?.trim()
  if (sdkDate === undefined || sdkDate === '') {
    return fail('missing', 'the X-Sdk-Date header is absent')
  }

  const parsed = parseAuthorization(authorization)
  if (parsed === undefined) {
    return fail(
      'malformed',
      `the Authorization header is not "${SIGNING_ALGORITHM} Access=<AK>, SignedHeaders=<a;b>, Signature=<64 hex digits>"`,
    )
  }
  if (!parsed.signedHeaders.includes('x-sdk-date')) {
    return fail('malformed', 'SignedHeaders must include x-sdk-date')
  }
  const absent = parsed.signedHeaders.find((name) => name !== 'host' && !headers.has(name))
  if (absent !== undefined) {
    return fail('malformed', `the signed header ${absent} is absent from the request`)
  }
  const signedAt = parseSdkDate(sdkDate)
  if (signedAt === undefined) return fail('malformed', 'X-Sdk-Date is not YYYYMMDDTHHMMSSZ')
  const skewMs = Math.abs(now.getTime() - signedAt.getTime())
  if (skewMs > maxSkewMs) {
    return fail(
      'clock-skew',
      `X-Sdk-Date ${sdkDate} is ${Math.round(skewMs / 1000)} s from the server clock (${now.toISOString()}); at most ${Math.floor(maxSkewMs / 1000)} s is accepted`,
    )
  }

  const sk = await lookupSecret(parsed.ak)
  if (sk === undefined || sk === '') {
    return fail('unknown-ak', `no secret is known for access key ${parsed.ak}`)
  }

  const canonical = await buildCanonicalRequest(normalized, parsed.signedHeaders)
  const key = await importHmacKey(sk, 'verify')
  const matches = await crypto.subtle.verify(
    'HMAC',
    key,
    hexToBytes(parsed.signature),
    toBytes(await stringToSign(sdkDate, canonical)),
  )
  if (!matches) return fail('bad-signature', 'the signature does not match the request')
  return { ok: true, ak: parsed.ak }
}
