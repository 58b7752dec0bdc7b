import { formatSdkDate } from '@sms-command/core/signing'
import type { AuthFailureReason } from '../types.ts'

/**
 * How authentication failures are answered:
 * - `gateway` (default): as Huawei's API Gateway does (docs/api.md §7), `401 APIGW.0301` with the
 *   gateway's texts and a `request_id`, for tokens and AK/SK alike;
 * - `sms`: the mock's older SMS-coded forms, `SMS.0202` (AK/SK failed) and `SMS.0205` (clock
 *   skew), with the mock's own explanatory messages.
 */
export type AuthErrorStyle = 'gateway' | 'sms'

export const AUTH_ERROR_STYLES: readonly AuthErrorStyle[] = ['gateway', 'sms']

const PREFIX = 'Incorrect IAM authentication information: '

let cachedSecond = Number.NaN
let cachedDate = ''

/**
 * The `Date` header value (IMF-fixdate) of a mock-clock time; formatted once per second.
 *
 * @example
 * httpDate(0) // 'Thu, 01 Jan 1970 00:00:00 GMT'
 */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedDate = new Date(second * 1000).toUTCString()
  }
  return cachedDate
}

/**
 * The `error_msg` the gateway gives for an authentication failure. The two AK/SK texts are the
 * ones seen in the field (docs/api.md §7); the token texts follow the same pattern (the mock's
 * wording where no field sample exists). Like the gateway, it never says which part of a
 * signature was wrong.
 *
 * @example
 * gatewayAuthMessage('clock-skew', { sdkDate: '20261129T182216Z', now }) // '…signature expired, signature time:20261129T182216Z,server time:…'
 */
export function gatewayAuthMessage(
  reason: AuthFailureReason,
  context: { sdkDate: string | null; now: number; tokenHeader: boolean },
): string {
  switch (reason) {
    case 'missing':
      return `${PREFIX}${context.tokenHeader ? 'x-auth-token not found' : 'Authorization header and x-auth-token not found'}`
    case 'unknown-token':
      return `${PREFIX}decrypt token fail`
    case 'expired-token':
      return `${PREFIX}token expired`
    case 'revoked-token':
      return `${PREFIX}verify token fail`
    case 'clock-skew':
      return `${PREFIX}calc aksk signature fail:signature expired, signature time:${context.sdkDate ?? ''},server time:${formatSdkDate(new Date(context.now))}`
    default:
      return `${PREFIX}verify aksk signature fail`
  }
}
