/**
 * `@sms-command/core`: a typed, validated client for the Huawei Cloud SMS agent command channel
 * (`GET /v3/sources/{server_id}/command`, `POST /v3/sources/{server_id}/command_result`) and the
 * fleet list (`GET /v3/sources`). Web APIs only: runs on Node 22+, Bun, Deno, Cloudflare Workers
 * and browsers. AK/SK signing internals live in `@sms-command/core/signing`, the virtual clock
 * in `@sms-command/core/testing`.
 *
 * @module
 */
// biome-ignore-all assist/source/organizeImports: grouped by topic

// The client
export {
  type CallOptions,
  type ClockOffsetInfo,
  createSmsClient,
  type ReportOptions,
  type ReportReceipt,
  type RetryInfo,
  type SmsClient,
  type SmsClientOptions,
} from './client/create-sms-client.ts'
export { type ListServersOptions, parseServerPage, type ServerPage } from './client/list-servers.ts'
export { parseCommandResponse } from './client/parse-command-response.ts'
export type { RetryOptions } from './client/retry-options.ts'
export {
  NOT_APPLIED_STATUSES,
  RETRYABLE_STATUSES,
  type StatusKind,
  statusKind,
} from './client/status-kind.ts'
export {
  type CommandPoller,
  type PollCommandEvent,
  type PollErrorEvent,
  type PollEvent,
  type PollIdleEvent,
  type PollOptions,
  pollCommands,
} from './poll/poll-commands.ts'

// Credentials
export { type AkSkOptions, akSk } from './auth/ak-sk.ts'
export type { AuthHeaders, AuthProvider, AuthRequest } from './auth/auth-provider.ts'
export {
  type AuthConfig,
  type AuthRefreshEvent,
  type CreateAuthProviderOptions,
  createAuthProvider,
} from './auth/create-auth-provider.ts'
export {
  type IamPasswordTokenOptions,
  type IamRejectionRecord,
  type IamRejectionStore,
  type IamScope,
  iamPasswordToken,
} from './auth/iam-password-token.ts'
export { type RefreshableTokenOptions, refreshableToken } from './auth/refreshable-token.ts'
export { staticToken } from './auth/static-token.ts'

// Errors
export {
  IamPasswordRejectedError,
  isIamPasswordRejectedError,
} from './errors/iam-password-rejected-error.ts'
export { isSmsApiError, SmsApiError, type SmsApiErrorOptions } from './errors/sms-api-error.ts'
export {
  isSmsError,
  SmsError,
  type SmsErrorContext,
  type SmsErrorOptions,
} from './errors/sms-error.ts'
export { isSmsInputError, SmsInputError } from './errors/sms-input-error.ts'
export {
  certificateFailureCode,
  isSmsNetworkError,
  SmsNetworkError,
  type SmsNetworkErrorReason,
  trustedCaVariable,
} from './errors/sms-network-error.ts'
export {
  isSmsRedirectError,
  SmsRedirectError,
  type SmsRedirectErrorOptions,
} from './errors/sms-redirect-error.ts'
export {
  isSmsResponseValidationError,
  SmsResponseValidationError,
  type ValidationIssue,
} from './errors/sms-response-validation-error.ts'
export { describeValue, toValidationIssues } from './errors/to-validation-issues.ts'

// Wire schemas and limits, and the OpenAPI document made from them
export {
  createOpenApiDocument,
  type JsonSchemaObject,
  type OpenApiDocument,
  type OpenApiErrorStatus,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiResponse,
  openApiDocument,
} from './openapi/openapi-document.ts'
export {
  BucketSchema,
  CommandNameSchema,
  type CommandParam,
  CommandParamSchema,
  type CommandParamSchemaType,
  type CommandResponse,
  CommandResponseSchema,
  type CommandResponseSchemaType,
  CommandSchema,
  type CommandSchemaType,
  isKnownCommand,
  KNOWN_COMMANDS,
  type KnownCommandName,
  type SmsCommand,
  TaskIdSchema,
} from './schemas/command.ts'
export {
  COMMAND_RESULTS,
  type CommandResult,
  CommandResultSchema,
  type CommandResultSchemaType,
  type CommandResultStatus,
} from './schemas/command-result.ts'
export { type ErrorBody, ErrorBodySchema, type ErrorBodySchemaType } from './schemas/error-body.ts'
export { LIMITS } from './schemas/limits.ts'
export { isPlainObject, plainObject } from './schemas/plain-object.ts'
export { AuthTokenSchema, ServerIdSchema } from './schemas/request.ts'
export type {
  BoundedTextSchema,
  NullishCountSchema,
  NullishTextSchema,
  PlainObjectSchema,
  SchemaMessage,
  TextSchema,
} from './schemas/schema-types.ts'
export {
  MIGRATION_CYCLES,
  type MigrationCycle,
  ServerPageSchema,
  type ServerPageSchemaType,
  SOURCE_SERVER_STATES,
  type SourceServer,
  SourceServerSchema,
  type SourceServerSchemaType,
  type SourceServerState,
} from './schemas/source-server.ts'

// Time
export { type BackoffOptions, cappedBackoff, fullJitterBackoff } from './time/backoff.ts'
export {
  type ClampedDelay,
  clampServerDelay,
  MAX_SERVER_DELAY_MS,
  parseHttpDate,
  parseRetryAfter,
} from './time/retry-after.ts'
export { MAX_TIMER_MS, type Scheduler, sleepDuration, systemScheduler } from './time/scheduler.ts'
