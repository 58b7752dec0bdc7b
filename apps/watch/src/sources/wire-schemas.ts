/**
 * Schemas of what the watch reads from other programs' streams (the mock's admin API, an agent's
 * `/events`). Anything that does not match is dropped, so a malformed or hostile event can never
 * crash the UI. Unknown fields are kept: newer producers stay readable.
 *
 * @module
 */
import * as v from 'valibot'

const shortText = (max: number) => v.pipe(v.string(), v.maxLength(max))
const optionalText = (max: number) => v.optional(v.nullable(shortText(max)))

/** A command as the mock sends it (event `command`, queue entries). */
export const WireCommandSchema = v.looseObject({
  seq: v.optional(v.number()),
  command_name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  command_param: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  deliveries: v.optional(v.number()),
  enqueuedAt: optionalText(64),
})

/** One event of the mock's `GET /_mock/events` (apps/mock-server/README.md). */
export const MockEventSchema = v.looseObject({
  seq: v.optional(v.number()),
  type: shortText(64),
  at: shortText(64),
  serverId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(255))),
  command: v.optional(WireCommandSchema),
  result: v.optional(v.picklist(['success', 'fail'])),
  reason: optionalText(255),
  message: optionalText(4_096),
  fault: v.optional(
    v.looseObject({
      id: optionalText(255),
      kind: shortText(64),
      detail: optionalText(1_024),
    }),
  ),
  detail: v.optional(v.record(v.string(), v.unknown())),
})

/** A mock event as validated. */
export type MockEvent = v.InferOutput<typeof MockEventSchema>

/** `GET /_mock/servers`. */
export const MockServerListSchema = v.looseObject({
  servers: v.array(v.looseObject({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(255)) })),
})

/** `GET /_mock/servers/{id}`. */
export const MockServerDetailSchema = v.looseObject({
  delivery: v.optional(v.string()),
  queue: v.optional(v.array(WireCommandSchema)),
  awaiting: v.optional(v.array(WireCommandSchema)),
})

/** One event of an agent's `/events` stream: a line of its NDJSON log (apps/agent). */
export const AgentEventSchema = v.looseObject({
  time: shortText(64),
  level: v.picklist(['debug', 'info', 'warn', 'error']),
  event: shortText(128),
  server_id: v.optional(v.pipe(v.string(), v.maxLength(255))),
  command: optionalText(255),
  task_id: optionalText(255),
  msg: optionalText(4_096),
  status: v.optional(v.union([v.number(), shortText(64)])),
  result: v.optional(v.picklist(['success', 'fail'])),
  latency_ms: v.optional(v.number()),
  error: v.optional(
    v.looseObject({
      message: optionalText(4_096),
      status: v.optional(v.number()),
      error_code: optionalText(255),
      reason: optionalText(64),
    }),
  ),
})

/** An agent event as validated. */
export type AgentEvent = v.InferOutput<typeof AgentEventSchema>

/**
 * Parses JSON text against a schema; `undefined` when it is not JSON or does not match.
 *
 * @example
 * parseWire(MockEventSchema, message.data)
 */
export function parseWire<S extends v.GenericSchema>(
  schema: S,
  text: string,
): v.InferOutput<S> | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  const parsed = v.safeParse(schema, json)
  return parsed.success ? parsed.output : undefined
}
