/**
 * The mock server's event stream (`GET /_mock/events`, SSE `event:` = the type, `id:` = `seq`),
 * discriminated by `type`. Events that change a server's queue carry their effect, the server's
 * resulting {@link MockServerSummary}, so a consumer projects the latest summary instead of
 * replaying the queue rules. Declared once here; the mock builds its events with these types and
 * consumers parse with {@link parseMockEvent}.
 *
 * @module
 */
import * as v from 'valibot'
import { BucketSchema, CommandNameSchema, TaskIdSchema } from '../schemas/command.ts'
import { plainObject } from '../schemas/plain-object.ts'
import type {
  MockEvent,
  MockEventOf,
  MockEventType,
  MockFault,
  MockServerSummary,
  MockWireCommand,
} from './mock-event-types.ts'
import type { Holds, Same } from './type-equality.ts'

export type {
  MockCurrentCommand,
  MockEvent,
  MockEventOf,
  MockEventOwnFields,
  MockEventStamp,
  MockEventType,
  MockFault,
  MockServerSummary,
  MockWireCommand,
  NewMockEvent,
} from './mock-event-types.ts'

const text = (max: number) => v.pipe(v.string(), v.maxLength(max))
const id = v.pipe(v.string(), v.minLength(1), v.maxLength(255))
const count = v.pipe(v.number(), v.integer(), v.minValue(0))

// The parameters of a command the mock queued, as its enqueue input accepted them: core's field
// schemas (schemas/command.ts), but a `task_id` or `bucket` is a string when present, never the
// `null` some gateways send, so a `null` here is a producer's bug, not SMS's habit.
const commandParamSchema = v.pipe(
  plainObject(),
  v.looseObject({ task_id: v.optional(TaskIdSchema), bucket: v.optional(BucketSchema) }),
)

/**
 * `command_param` of a command the mock queued (its events, its admin API's views).
 *
 * @example
 * v.object({ command_param: MockCommandParamSchema })
 */
export const MockCommandParamSchema: v.GenericSchema<MockWireCommand['command_param']> =
  commandParamSchema

// Core's command plus the mock's `seq`.
const wireCommandSchema = v.object({
  seq: v.number(),
  command_name: CommandNameSchema,
  command_param: commandParamSchema,
})

/** A command as the mock sends it in events ({@link MockWireCommand}). */
export const MockWireCommandSchema: v.GenericSchema<MockWireCommand> = wireCommandSchema

const serverSummarySchema = v.object({
  /**
   * The command the server is busy with: the oldest one handed out and awaiting its result
   * (`pop` delivery), else the head of the queue (which `ack` delivery keeps current until its
   * result). `null` when nothing is pending.
   */
  current: v.nullable(
    v.object({
      ...wireCommandSchema.entries,
      /** Times a GET returned it: 0 means nobody fetched it yet. */
      deliveries: count,
      /** When it entered the queue (mock clock, ISO 8601). */
      enqueuedAt: v.nullable(text(64)),
    }),
  ),
  /** Commands pending besides `current` (queued, or handed out and awaiting a result). */
  queued: count,
  /** Commands handed out in `pop` mode and awaiting their result (`current` among them). */
  awaiting: count,
  /** Commands scheduled for later release, not yet queued. */
  scheduled: count,
})

/** A server's queue after an event ({@link MockServerSummary}). */
export const MockServerSummarySchema: v.GenericSchema<MockServerSummary> = serverSummarySchema

const faultSchema = v.object({
  id: text(255),
  kind: text(64),
  seed: v.optional(v.number()),
  draw: v.optional(v.number()),
  detail: v.optional(text(1_024)),
})

/** A fault that fired on a request, or was added ({@link MockFault}). */
export const MockFaultSchema: v.GenericSchema<MockFault> = faultSchema

const ENVELOPE = {
  seq: v.number(),
  /** When it happened, on the mock clock (ISO 8601). */
  at: text(64),
  requestId: v.optional(text(255)),
}

function mockEvent<const Type extends string, const Fields extends v.ObjectEntries>(
  type: Type,
  fields: Fields,
) {
  // A field an event declares replaces the common one (`enqueue` requires `serverId`).
  const common = { ...ENVELOPE, serverId: v.optional(id) }
  const entries = { ...common, type: v.literal(type), ...fields }
  return v.object(
    entries as Omit<typeof common, keyof Fields> & {
      type: v.LiteralSchema<Type, undefined>
    } & Fields,
  )
}

const mockEventSchemas = [
  mockEvent('server', {
    serverId: id,
    reason: v.picklist(['registered', 'auto-registered', 'deleted']),
    detail: v.optional(v.object({ domain: v.optional(text(255)) })),
    /** Its queue, when the producer says (a new server's queue is empty). */
    state: v.optional(serverSummarySchema),
  }),
  mockEvent('enqueue', {
    serverId: id,
    command: wireCommandSchema,
    detail: v.object({ queueLength: count, released: v.optional(v.boolean()) }),
    state: serverSummarySchema,
  }),
  mockEvent('delivery', {
    serverId: id,
    command: wireCommandSchema,
    detail: v.object({ deliveries: count, mode: v.picklist(['ack', 'pop']) }),
    state: serverSummarySchema,
  }),
  mockEvent('result', {
    serverId: id,
    command: wireCommandSchema,
    result: v.picklist(['success', 'fail']),
    detail: v.object({ result_detail: v.record(v.string(), v.unknown()) }),
    state: serverSummarySchema,
  }),
  mockEvent('result-rejected', {
    serverId: id,
    reason: text(64),
    message: text(4_096),
    state: v.optional(serverSummarySchema),
  }),
  mockEvent('auth-failure', { reason: text(64), message: text(4_096) }),
  mockEvent('fault', { fault: faultSchema }),
  mockEvent('fault-added', { fault: faultSchema }),
  mockEvent('token', {
    reason: v.picklist(['issued', 'expired', 'revoked']),
    detail: v.object({
      user: v.optional(text(255)),
      account: v.optional(text(255)),
      /** A fingerprint of the token, never the token. */
      token: v.optional(text(64)),
      count: v.optional(count),
    }),
  }),
  mockEvent('clock', { detail: v.object({ from: text(64), offsetMs: v.number() }) }),
  mockEvent('reset', {}),
] as const

/** One schema per mock event type. */
export const MOCK_EVENT_SCHEMAS: readonly v.GenericSchema<MockEvent>[] = mockEventSchemas

const mockEventVariant = v.variant('type', mockEventSchemas)

/** Any mock event, discriminated by `type`. */
export const MockEventSchema: v.GenericSchema<MockEvent> = mockEventVariant

/** Every mock event type, as a list. */
export const MOCK_EVENT_TYPES: readonly MockEventType[] = mockEventSchemas.map(
  (schema) => schema.entries.type.literal,
)

// The written types (mock-event-types.ts) and the schemas must agree type by type: the same
// types, the same field names, each side's fields assignable to the other's. A compile error here
// means one was changed without the other.
type Parsed<Type extends MockEventType> = Extract<
  v.InferOutput<typeof mockEventVariant>,
  { type: Type }
>
type Agreement = {
  [Type in MockEventType]: Same<Parsed<Type>, MockEventOf<Type>> extends true
    ? Same<keyof Parsed<Type>, keyof MockEventOf<Type>>
    : false
}[MockEventType]
type _SchemasMatchTypes = Holds<
  [
    Same<Agreement, true>,
    Same<v.InferOutput<typeof mockEventVariant>['type'], MockEventType>,
    Same<v.InferOutput<typeof serverSummarySchema>, MockServerSummary>,
    Same<keyof v.InferOutput<typeof serverSummarySchema>, keyof MockServerSummary>,
    Same<v.InferOutput<typeof faultSchema>, MockFault>,
    Same<keyof v.InferOutput<typeof faultSchema>, keyof MockFault>,
  ]
>
