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

const text = (max: number) => v.pipe(v.string(), v.maxLength(max))
const id = v.pipe(v.string(), v.minLength(1), v.maxLength(255))
const count = v.pipe(v.number(), v.integer(), v.minValue(0))

/** A command as the mock sends it in events: the wire command plus its per-server `seq`. */
export const MockWireCommandSchema = v.object({
  seq: v.number(),
  command_name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  command_param: v.record(v.string(), v.unknown()),
})

/** A command as the mock sends it in events. */
export type MockWireCommand = v.InferOutput<typeof MockWireCommandSchema>

/**
 * A server's queue after an event: what it is busy with, and how much waits behind it. The
 * effect every queue-changing event carries.
 */
export const MockServerSummarySchema = v.object({
  /**
   * The command the server is busy with: the oldest one handed out and awaiting its result
   * (`pop` delivery), else the head of the queue (which `ack` delivery keeps current until its
   * result). `null` when nothing is pending.
   */
  current: v.nullable(
    v.object({
      ...MockWireCommandSchema.entries,
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

/** A server's queue after an event. */
export type MockServerSummary = v.InferOutput<typeof MockServerSummarySchema>

/** A fault that fired on a request, or was added. */
export const MockFaultSchema = v.object({
  id: text(255),
  kind: text(64),
  seed: v.optional(v.number()),
  draw: v.optional(v.number()),
  detail: v.optional(text(1_024)),
})

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

/** One schema per mock event type. */
export const MOCK_EVENT_SCHEMAS = [
  mockEvent('server', {
    serverId: id,
    reason: v.picklist(['registered', 'auto-registered', 'deleted']),
    detail: v.optional(v.object({ domain: v.optional(text(255)) })),
    /** Its queue, when the producer says (a new server's queue is empty). */
    state: v.optional(MockServerSummarySchema),
  }),
  mockEvent('enqueue', {
    serverId: id,
    command: MockWireCommandSchema,
    detail: v.object({ queueLength: count, released: v.optional(v.boolean()) }),
    state: MockServerSummarySchema,
  }),
  mockEvent('delivery', {
    serverId: id,
    command: MockWireCommandSchema,
    detail: v.object({ deliveries: count, mode: v.picklist(['ack', 'pop']) }),
    state: MockServerSummarySchema,
  }),
  mockEvent('result', {
    serverId: id,
    command: MockWireCommandSchema,
    result: v.picklist(['success', 'fail']),
    detail: v.object({ result_detail: v.record(v.string(), v.unknown()) }),
    state: MockServerSummarySchema,
  }),
  mockEvent('result-rejected', {
    serverId: id,
    reason: text(64),
    message: text(4_096),
    state: v.optional(MockServerSummarySchema),
  }),
  mockEvent('auth-failure', { reason: text(64), message: text(4_096) }),
  mockEvent('fault', { fault: MockFaultSchema }),
  mockEvent('fault-added', { fault: MockFaultSchema }),
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

/** Any mock event, discriminated by `type`. */
export const MockEventSchema = v.variant('type', MOCK_EVENT_SCHEMAS)

/** Any mock event, as parsed. */
export type MockEvent = v.InferOutput<typeof MockEventSchema>

/** Every mock event type. */
export type MockEventType = MockEvent['type']

/** The mock event of type `Type`. */
export type MockEventOf<Type extends MockEventType> = Extract<MockEvent, { type: Type }>

/** Every mock event type, as a list. */
export const MOCK_EVENT_TYPES: readonly MockEventType[] = MOCK_EVENT_SCHEMAS.map(
  (schema) => schema.entries.type.literal,
)

/**
 * A mock event as a producer builds it, before the event hub numbers and dates it: every field
 * but `seq` and `at`, with an optional time (`atMs`, mock clock) when it happened earlier than
 * its publication.
 */
export type NewMockEvent = (MockEvent extends infer Event
  ? // Distributes over the union: each event type keeps its own fields.
    Event extends unknown
    ? Omit<Event, 'seq' | 'at'>
    : never
  : never) & { atMs?: number }
