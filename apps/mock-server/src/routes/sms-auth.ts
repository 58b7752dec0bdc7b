// Who is asking on the SMS API, and whether they may: the token or AK/SK signature checked with
// the body it signs, the Content-Type and size bounds, the rate limit. Shared by the command
// routes (routes/sms.ts) and the fleet list (routes/sources.ts).
import { LIMITS } from '@sms-command/core'
import { ERROR_CODES } from '../errors.ts'
import { clientMethod } from '../request.ts'
import { gatewayAuthMessage } from '../rules/gateway.ts'
import type { RateLimitedApi, ThrottleOutcome } from '../rules/rate-limit.ts'
import type { LiveSettings } from '../store/store.ts'
import type { AuthFailureReason, AuthOutcome, Principal, RequestLogInput } from '../types.ts'
import type { RouteDeps } from './context.ts'
import { isThenable } from './steps.ts'

const MIN_TOKEN = LIMITS.authToken.min
const MAX_TOKEN = LIMITS.authToken.max

/**
 * What a refusal of {@link authenticateSmsRequest} adds to the request's journal line: the
 * credential's failure reason, or the principal a rate limit refused.
 *
 * @example
 * refusalEntry({ status: 401, code: 'APIGW.0301', message: '…', reason: 'ak-locked' })
 * // { authFailure: 'ak-locked' }
 */
export function refusalEntry(refusal: Refusal): Partial<RequestLogInput> {
  const extra: Partial<RequestLogInput> = {}
  if (refusal.reason !== undefined) extra.authFailure = refusal.reason
  if (refusal.principal !== undefined) extra.auth = refusal.principal
  return extra
}

/** The SMS-coded form of an authentication failure (the `sms` style). */
function smsAuthFailureCode(outcome: Extract<AuthOutcome, { ok: false }>): string {
  switch (outcome.reason) {
    case 'missing':
    case 'unknown-token':
    case 'expired-token':
    case 'revoked-token':
      return ERROR_CODES.badToken
    case 'clock-skew':
      return ERROR_CODES.clockSkew
    default:
      return ERROR_CODES.akSkFailed
  }
}

/** The SMS error list's code of a body-size or Content-Type refusal (docs/api.md §7): all 401. */
export const BODY_REFUSAL_STATUS = 401

/**
 * The largest body read to verify a signature before SMS's own 10,240-byte limit answers
 * `SMS.2004`: API Gateway accepts far larger bodies, so a body a little over SMS's limit still
 * has its credential checked first; past this the mock answers `SMS.2004` without buffering more.
 */
export const GATEWAY_MAX_BODY_BYTES = 1_048_576

/**
 * Checks `command_result`'s Content-Type: `application/json`, parameters allowed, any case and
 * spacing; a `charset` must be UTF-8 (JSON has no other).
 */
export function checkJsonContentType(
  value: string | null,
): { ok: true } | { ok: false; code: string; message: string } {
  if (value === null || value.trim() === '') {
    return {
      ok: false,
      code: ERROR_CODES.contentTypeMissing,
      message: 'Content-Type: the header is missing; expected application/json',
    }
  }
  const [media = '', ...params] = value.split(';')
  if (media.trim().toLowerCase() !== 'application/json') {
    return {
      ok: false,
      code: ERROR_CODES.contentTypeNotJson,
      message: `Content-Type: expected application/json, got ${JSON.stringify(value.slice(0, 100))}`,
    }
  }
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue
    const charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase()
    if (charset !== 'utf-8' && charset !== 'utf8') {
      return {
        ok: false,
        code: ERROR_CODES.contentTypeNotJson,
        message: `Content-Type: expected charset=utf-8, got ${JSON.stringify(charset.slice(0, 40))}`,
      }
    }
  }
  return { ok: true }
}

/**
 * An `X-Auth-Token` outside docs/api.md's 1–16,384 characters. API Gateway checks the token before SMS
 * sees the request, so it is refused as any bad token is, 401 (a client refreshes on 401, never
 * on 400): an empty one as missing, an over-long one as invalid. The message (kept by the
 * `auth-failure` event and the `sms` style) names the header and the bound.
 *
 * @example
 * unusableToken('') // { ok: false, reason: 'missing', message: 'X-Auth-Token: expected a non-empty token' }
 */
export function unusableToken(token: string): Extract<AuthOutcome, { ok: false }> {
  return token.length === 0
    ? { ok: false, reason: 'missing', message: 'X-Auth-Token: expected a non-empty token' }
    : {
        ok: false,
        reason: 'unknown-token',
        message: `X-Auth-Token: expected at most ${MAX_TOKEN} characters, got ${token.length}`,
      }
}

const SIGNATURE_SCHEME = /^\s*SDK-HMAC-SHA256\s/i

/**
 * Whether `authenticateSmsRequest` will verify an AK/SK signature, which covers the body: an
 * `SDK-HMAC-SHA256` Authorization and no `X-Auth-Token` (a token, even an unusable one, wins).
 *
 * @example
 * signsBody(new Request(url, { headers: { 'x-auth-token': 't0k3n' } })) // false
 */
export function signsBody(request: Request): boolean {
  if (request.headers.has('x-auth-token')) return false
  const authorization = request.headers.get('authorization')
  return authorization !== null && SIGNATURE_SCHEME.test(authorization)
}

/**
 * How the SMS routes answer a refusal: status, code, message (and headers), with what the
 * journal keeps of it: the credential's precise failure `reason` (a 401), or the `principal`
 * refused after its credential was accepted (a 429).
 */
export type Refusal = {
  status: number
  code: string
  message: string
  headers?: Record<string, string>
  reason?: AuthFailureReason
  principal?: Principal
}

/**
 * Authenticates an SMS API request (token or AK/SK signature) and counts it against the rate
 * limit. Refusals are in the configured style: API Gateway's 401 `APIGW.0301` forms by default,
 * 429 `APIGW.0308` with `Retry-After` past the budget.
 */
export function* authenticateSmsRequest(
  deps: RouteDeps,
  request: Request,
  body: Uint8Array,
  now: number,
  requestId: string,
  api: RateLimitedApi,
  serverId?: string,
): Generator<unknown, { ok: true; principal: Principal } | ({ ok: false } & Refusal), unknown> {
  const { store } = deps
  const token = request.headers.get('x-auth-token')
  // Read only when there is no token: a token poll looks up one header, not two.
  const authorization = token === null ? request.headers.get('authorization') : null
  let auth: AuthOutcome
  if (token !== null) {
    if (token.length < MIN_TOKEN || token.length > MAX_TOKEN) {
      auth = unusableToken(token)
    } else {
      const checked = store.authenticateToken(token)
      auth = (isThenable(checked) ? yield checked : checked) as AuthOutcome
    }
  } else if (authorization !== null && SIGNATURE_SCHEME.test(authorization)) {
    auth = (yield store.authenticateSignature({
      // The client signed the method it sent: HEAD, for a HEAD the app answers as a GET.
      method: clientMethod(request),
      url: request.url,
      headers: [...request.headers],
      body,
    })) as AuthOutcome
  } else {
    auth = {
      ok: false,
      reason: 'missing',
      message:
        authorization !== null
          ? 'Authorization: only SDK-HMAC-SHA256 signatures are accepted; or send X-Auth-Token.'
          : 'The request carries neither X-Auth-Token nor an SDK-HMAC-SHA256 Authorization header.',
    }
  }
  if (!auth.ok) {
    // The event keeps the mock's own explanation, whatever the answer says.
    yield store.publish([
      {
        type: 'auth-failure',
        ...(serverId !== undefined ? { serverId } : {}),
        requestId,
        reason: auth.reason,
        message: auth.message,
      },
    ])
    const live = (yield store.liveSettings()) as LiveSettings
    if (live.authErrors === 'sms') {
      return {
        ok: false,
        status: 401,
        code: smsAuthFailureCode(auth),
        message: auth.message,
        reason: auth.reason,
      }
    }
    return {
      ok: false,
      status: 401,
      reason: auth.reason,
      code: ERROR_CODES.badToken,
      message: gatewayAuthMessage(auth.reason, {
        sdkDate: request.headers.get('x-sdk-date'),
        now,
        tokenHeader: token !== null || authorization === null,
      }),
    }
  }
  const principal = auth.principal
  const throttle = store.throttle(principal, api)
  const throttled = (isThenable(throttle) ? yield throttle : throttle) as ThrottleOutcome
  if (!throttled.ok) {
    return {
      ok: false,
      status: 429,
      code: ERROR_CODES.throttled,
      message: throttled.message,
      headers: { 'retry-after': String(throttled.retryAfterSeconds) },
      principal,
    }
  }
  // The accepted outcome is already `{ ok: true, principal }`: nothing new per request.
  return auth
}
