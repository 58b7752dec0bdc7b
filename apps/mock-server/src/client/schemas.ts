/**
 * Schemas of the mock's admin API answers (`/_mock/...`), for clients: the typed client of
 * `@sms-command/mock-server/client` checks every answer with them, so a test or tool that drives
 * the mock fails on a changed answer with the field named, not later on an `undefined`. Objects
 * are loose: a newer mock's extra fields are kept.
 *
 * @module
 */
import { CommandNameSchema } from '@sms-command/core'
import { MockCommandParamSchema } from '@sms-command/core/events'
import * as v from 'valibot'

const isoDate = v.string()
const count = v.pipe(v.number(), v.integer(), v.minValue(0))

/** A budget as the admin API shows it: the numbers and the shortest text form. */
export const RateLimitViewSchema = v.nullable(
  v.looseObject({ limit: v.number(), windowMs: v.number(), text: v.string() }),
)

/** `GET`/`POST /_mock/settings`: the settings that change on a running mock. */
export const LiveSettingsViewSchema = v.looseObject({
  authErrors: v.picklist(['gateway', 'sms']),
  rateLimit: RateLimitViewSchema,
})

/** The settings that change on a running mock, as the admin API shows them. */
export type LiveSettingsView = v.InferOutput<typeof LiveSettingsViewSchema>

/** `GET /_mock`: what the mock runs on and with. */
export const MockInfoSchema = v.looseObject({
  name: v.string(),
  runtime: v.string(),
  store: v.string(),
  delivery: v.picklist(['ack', 'pop']),
  idle: v.string(),
  seed: v.number(),
  autoRegister: v.boolean(),
  journalSize: v.number(),
  tokenTtlMs: v.number(),
  maxSkewMs: v.number(),
  ...LiveSettingsViewSchema.entries,
  now: isoDate,
  adminProtected: v.boolean(),
  capabilities: v.looseObject({
    dropConnection: v.boolean(),
    dropConnectionUnsupported: v.optional(v.string()),
  }),
  baseUrl: v.string(),
})

/** What `GET /_mock` answers. */
export type MockInfo = v.InferOutput<typeof MockInfoSchema>

// A command's fields are core's (its name, and its parameters as the mock queued them): the same
// schemas core's mock events are parsed with, so a view and an event agree on what a command is.
const commandFields = {
  seq: v.number(),
  command_name: CommandNameSchema,
  command_param: MockCommandParamSchema,
}

/** A queued command as the admin API shows it. */
export const AdminCommandSchema = v.looseObject({
  ...commandFields,
  enqueuedAt: v.nullable(isoDate),
  deliveries: v.optional(count),
  firstDeliveredAt: v.optional(v.nullable(isoDate)),
  releaseAt: v.optional(isoDate),
})

/** A queued command as the admin API shows it. */
export type AdminCommand = v.InferOutput<typeof AdminCommandSchema>

/** A recorded `command_result`, with the command it answers. */
export const AdminResultSchema = v.looseObject({
  command: v.looseObject(commandFields),
  result: v.picklist(['success', 'fail']),
  result_detail: v.record(v.string(), v.unknown()),
  reportedAt: isoDate,
  requestId: v.string(),
})

/** A recorded `command_result`. */
export type AdminResult = v.InferOutput<typeof AdminResultSchema>

const fleetFields = {
  name: v.string(),
  state: v.string(),
  migration_cycle: v.nullable(v.string()),
}

/** A server in `GET /_mock/servers`, and as `POST /_mock/servers` answers. */
export const ServerSummarySchema = v.looseObject({
  id: v.string(),
  domain: v.string(),
  delivery: v.picklist(['ack', 'pop']),
  current: v.nullable(v.string()),
  queueLength: count,
  scheduled: count,
  resultsTotal: count,
  deliveriesTotal: count,
  ...fleetFields,
})

/** A server in `GET /_mock/servers`. */
export type ServerSummary = v.InferOutput<typeof ServerSummarySchema>

/** `GET /_mock/servers`. */
export const ServerListSchema = v.looseObject({ servers: v.array(ServerSummarySchema) })

/** `GET /_mock/servers/{id}` and `POST /_mock/servers`: a server with its queue and results. */
export const ServerViewSchema = v.looseObject({
  id: v.string(),
  domain: v.string(),
  delivery: v.picklist(['ack', 'pop']),
  idle: v.string(),
  createdAt: isoDate,
  current: v.nullable(AdminCommandSchema),
  queue: v.array(AdminCommandSchema),
  scheduled: v.array(AdminCommandSchema),
  awaiting: v.array(AdminCommandSchema),
  results: v.array(AdminResultSchema),
  resultsTotal: count,
  deliveriesTotal: count,
  ...fleetFields,
})

/** A server as `GET /_mock/servers/{id}` shows it. */
export type ServerView = v.InferOutput<typeof ServerViewSchema>

/** `POST /_mock/servers/{id}/commands`. */
export const EnqueuedSchema = v.looseObject({ enqueued: v.array(AdminCommandSchema) })

/** `GET /_mock/servers/{id}/results`. */
export const ResultsSchema = v.looseObject({
  results: v.array(AdminResultSchema),
  resultsTotal: count,
})

/** A fault that fired on a request, in a journal line. */
export const FaultHitSchema = v.looseObject({
  id: v.string(),
  kind: v.string(),
  seed: v.optional(v.number()),
  draw: v.optional(v.number()),
  detail: v.optional(v.string()),
})

/** One line of the mock's request log (`GET /_mock/journal`). */
export const RequestLogEntrySchema = v.looseObject({
  seq: v.number(),
  at: isoDate,
  requestId: v.string(),
  method: v.string(),
  path: v.string(),
  route: v.string(),
  serverId: v.optional(v.string()),
  status: v.number(),
  durationMs: v.number(),
  auth: v.optional(v.looseObject({ kind: v.string(), account: v.string(), name: v.string() })),
  authFailure: v.optional(v.string()),
  errorCode: v.optional(v.string()),
  command: v.optional(v.string()),
  faults: v.optional(v.array(FaultHitSchema)),
})

/** One line of the mock's request log. */
export type RequestLogLine = v.InferOutput<typeof RequestLogEntrySchema>

/** `GET /_mock/journal`. */
export const RequestLogSchema = v.looseObject({
  entries: v.array(RequestLogEntrySchema),
  capacity: v.number(),
})

/** A fault as the admin API shows it: its spec and how often it fired. */
export const AdminFaultSchema = v.looseObject({
  id: v.string(),
  kind: v.string(),
  seed: v.number(),
  remaining: v.nullable(v.number()),
  fired: count,
  draws: count,
})

/** A fault as the admin API shows it. */
export type AdminFault = v.InferOutput<typeof AdminFaultSchema>

/** `GET`/`POST /_mock/faults`. */
export const FaultListSchema = v.looseObject({ faults: v.array(AdminFaultSchema) })

/** `DELETE /_mock/servers/{id}`, `/_mock/faults/{id}`: the id; `DELETE /_mock/faults`: a count. */
export const DeletedSchema = v.looseObject({ deleted: v.union([v.string(), v.number()]) })

/** `POST /_mock/tokens/expire`. */
export const ExpiredSchema = v.looseObject({ expired: count })

/** `POST /_mock/tokens/revoke`. */
export const RevokedSchema = v.looseObject({ revoked: count })

/** `POST /_mock/reset`. */
export const ResetSchema = v.looseObject({ reset: v.literal(true) })

/** `GET`/`POST /_mock/identity`: names, fingerprints and states, never a secret. */
export const IdentityViewSchema = v.looseObject({
  accounts: v.array(v.looseObject({ id: v.string(), name: v.string() })),
  users: v.array(v.looseObject({ name: v.string(), account: v.string(), enabled: v.boolean() })),
  tokens: v.array(
    v.looseObject({
      fingerprint: v.string(),
      kind: v.picklist(['static', 'issued']),
      account: v.string(),
      expiresAt: v.nullable(isoDate),
      revoked: v.boolean(),
    }),
  ),
  accessKeys: v.array(
    v.looseObject({
      ak: v.string(),
      account: v.string(),
      lockedUntil: v.nullable(isoDate),
      temporary: v.boolean(),
    }),
  ),
})

/** The mock's identities as the admin API shows them. */
export type IdentityView = v.InferOutput<typeof IdentityViewSchema>

/** `GET`/`POST /_mock/clock`. */
export const ClockSchema = v.looseObject({ now: isoDate, offsetMs: v.number() })

/** The mock clock. */
export type ClockView = v.InferOutput<typeof ClockSchema>

/** The `{error_code, error_msg}` of a refusal. */
export const AdminErrorBodySchema = v.looseObject({
  error_code: v.string(),
  error_msg: v.string(),
})
