/**
 * `@sms-command/core/signing`: AK/SK `SDK-HMAC-SHA256` signing and verification (docs/api.md §5),
 * and the canonical forms and encoders under them, for servers and tools that verify requests
 * (the mock SMS does). Clients sign through `akSk` in `@sms-command/core`.
 *
 * @module
 */
export {
  type CanonicalRequestParts,
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  encodeRfc3986,
} from './canonical.ts'
export { hexSha256, hmacSha256Hex } from './hash.ts'
export type { HeadersInput } from './headers.ts'
export { formatSdkDate, parseSdkDate } from './sdk-date.ts'
export {
  type AkSkCredentials,
  buildCanonicalRequest,
  computeSignature,
  type NormalizedRequest,
  normalizeRequest,
  SIGNING_ALGORITHM,
  type SignableRequest,
  type SignatureHeaders,
  type SignOptions,
  signRequest,
  stringToSign,
} from './sign-request.ts'
export {
  type ParsedAuthorization,
  parseAuthorization,
  type SecretLookup,
  type VerifyFailureReason,
  type VerifyOptions,
  type VerifyResult,
  verifySignature,
} from './verify-signature.ts'
