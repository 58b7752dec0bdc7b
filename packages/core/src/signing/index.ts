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
