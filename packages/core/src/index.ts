/**
 * `@sms-command/core`: a typed, validated client for the Huawei Cloud SMS agent command channel
 * (`GET /v3/sources/{server_id}/command`, `POST /v3/sources/{server_id}/command_result`).
 * Web APIs only: runs on Node 20+, Bun, Deno, Cloudflare Workers and browsers.
 *
 * @module
 */
export * from './auth/ak-sk.ts'
export type * from './auth/auth-provider.ts'
export * from './auth/create-auth-provider.ts'
export * from './auth/iam-password-token.ts'
export * from './auth/refreshable-token.ts'
export * from './auth/static-token.ts'
export * from './client/create-sms-client.ts'
export {
  type ListServersOptions,
  parseServerPage,
  type ServerPage,
  serverListQuery,
} from './client/list-servers.ts'
export { parseCommandResponse } from './client/parse-command-response.ts'
export { readErrorBody } from './client/read-error-body.ts'
export * from './client/retry-options.ts'
export { serverPathSegment } from './client/server-path.ts'
export { isSmsApiError, SmsApiError, type SmsApiErrorOptions } from './errors/sms-api-error.ts'
export {
  isSmsError,
  SmsError,
  type SmsErrorContext,
  type SmsErrorOptions,
} from './errors/sms-error.ts'
export { isSmsInputError, SmsInputError } from './errors/sms-input-error.ts'
export {
  isSmsNetworkError,
  SmsNetworkError,
  type SmsNetworkErrorReason,
} from './errors/sms-network-error.ts'
export {
  isSmsResponseValidationError,
  SmsResponseValidationError,
  type ValidationIssue,
} from './errors/sms-response-validation-error.ts'
export { describeValue, toValidationIssues } from './errors/to-validation-issues.ts'
export * from './openapi/openapi-document.ts'
export * from './poll/poll-commands.ts'
export * from './schemas/index.ts'
export * from './signing/index.ts'
export * from './time/backoff.ts'
export * from './time/race-abort.ts'
export * from './time/retry-after.ts'
export * from './time/scheduler.ts'
