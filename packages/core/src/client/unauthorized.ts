import type { ErrorBody } from '../schemas/error-body.ts'

/** What a 401 is about: the request's form, the signing clock, or the credentials. */
export type UnauthorizedKind = 'request' | 'clock' | 'credentials'

// SMS lists these with HTTP 401 (docs/api.md §7), yet they are about the request: fresh credentials
// can't cure them, so they never trigger a refresh.
const REQUEST_FAULTS: Readonly<Record<string, string>> = {
  'SMS.2003': 'the HTTP method is not allowed on this path',
  'SMS.2004': 'the request body is larger than 10,240 bytes',
  'SMS.2005': 'the request has no Content-Type header',
  'SMS.2006': 'the request Content-Type is not application/json',
}

const EXPIRED = /signature expired/i
const GATEWAY_TIMES = /signature time:\s*(\d{8}T\d{6}Z)\s*,\s*server time:\s*(\d{8}T\d{6}Z)/i

/**
 * Tells what a 401 is about from its error body. `request`: SMS.2003–SMS.2006, a fault of the
 * request itself, with `hint` saying which. `clock`: the AK/SK signature time is more than 15
 * minutes from the server's (`APIGW.0301 … signature expired`, `SMS.0205`). Anything else is
 * about the credentials: only those are worth a refresh.
 *
 * @example
 * classifyUnauthorized({ error_code: 'SMS.2004', error_msg: '…' })
 * // { kind: 'request', hint: 'the request body is larger than 10,240 bytes' }
 */
export function classifyUnauthorized(body: ErrorBody | undefined): {
  kind: UnauthorizedKind
  hint?: string
} {
  const code = body?.error_code ?? ''
  const hint = REQUEST_FAULTS[code]
  if (hint) return { kind: 'request', hint: `${hint}: not an authentication failure` }
  if (code === 'SMS.0205' || (code === 'APIGW.0301' && EXPIRED.test(body?.error_msg ?? ''))) {
    return {
      kind: 'clock',
      hint: "the AK/SK signature time is more than 15 minutes from the server's clock: check this machine's clock (NTP)",
    }
  }
  return { kind: 'credentials' }
}

/**
 * Reads the gateway's `signature time:…,server time:…` text as the server's clock minus the
 * time the request was signed with, in ms; `undefined` when the text doesn't carry both.
 *
 * @example
 * signatureSkewMs('… signature expired, signature time:20261129T182216Z,server time:20261129T184217Z')
 * // 1_201_000
 */
export function signatureSkewMs(message: string | undefined): number | undefined {
  const match = GATEWAY_TIMES.exec(message ?? '')
  const skewMs = match ? gatewayTime(match[2]) - gatewayTime(match[1]) : Number.NaN
  return Number.isNaN(skewMs) ? undefined : skewMs
}

// `20261129T184217Z` as ms since the epoch, NaN unless a real date. Not signing's
// `parseSdkDate`: it brings the strict formatter with its errors into every client's bundle.
function gatewayTime(compact: string | undefined): number {
  const ms = Date.parse(
    compact?.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)/, '$1-$2-$3T$4:$5:$6') ?? '',
  )
  // Some runtimes roll 31 April over into 1 May; the round trip rejects such values.
  return ms >= 0 && new Date(ms).toISOString().replace(/\.000|[-:]/g, '') === compact
    ? ms
    : Number.NaN
}
