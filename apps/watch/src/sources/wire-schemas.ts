/**
 * Schemas of what the watch reads from the mock's admin API (its server list and views). The
 * event streams (the mock's `/_mock/events`, an agent's `/events`) are declared once in
 * `@sms-command/core/events`. Anything that does not match is dropped, so a malformed or hostile
 * answer can never crash the UI. Unknown fields are kept: newer producers stay readable.
 *
 * @module
 */
import type { Scheduler } from '@sms-command/core'
import type { EventValidationError } from '@sms-command/core/events'
import * as v from 'valibot'
import type { LogEntry } from '../model.ts'

const shortText = (max: number) => v.pipe(v.string(), v.maxLength(max))
const optionalText = (max: number) => v.optional(v.nullable(shortText(max)))

/** A command as the mock's admin API shows it (queue entries). */
export const WireCommandSchema = v.looseObject({
  seq: v.optional(v.number()),
  command_name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  command_param: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  deliveries: v.optional(v.number()),
  enqueuedAt: optionalText(64),
})

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

/**
 * Counts events a source drops because they broke their schema, and says so in the event log:
 * on the 1st, 10th, 100th, … drop, with the count and why the last one was refused (field and
 * expectation, never the value).
 *
 * @example
 * const dropped = countDropped('mock', log, scheduler)
 * if (!parsed.success) dropped(parsed.error)
 */
export function countDropped(
  kind: string,
  log: (entry: LogEntry) => void,
  scheduler: Scheduler,
): (error: EventValidationError) => void {
  let count = 0
  return (error) => {
    count++
    if (!Number.isInteger(Math.log10(count))) return
    const why = error.message.length > 300 ? `${error.message.slice(0, 299)}…` : error.message
    log({
      at: scheduler.now(),
      level: 'warn',
      text: `dropped ${count} malformed ${kind} event${count === 1 ? '' : 's'} (last: ${why})`,
    })
  }
}
