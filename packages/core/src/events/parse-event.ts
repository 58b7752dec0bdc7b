import * as v from 'valibot'
import type { ValidationIssue } from '../errors/sms-response-validation-error.ts'
import { describeValue, toValidationIssues } from '../errors/to-validation-issues.ts'
import {
  AGENT_EVENT_NAMES,
  type AgentEvent,
  type AgentEventEnvelope,
  AgentEventEnvelopeSchema,
  AgentEventSchema,
} from './agent-events.ts'
import { MOCK_EVENT_TYPES, type MockEvent, MockEventSchema } from './mock-events.ts'

/** Which stream an event came from. */
export type EventStreamName = 'agent' | 'mock'

/**
 * An event that broke its stream's schema: not JSON, an unknown event name, or a field of the
 * wrong shape. Names the stream, the event and the first offending field; never quotes a value.
 */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError' as const
  readonly stream: EventStreamName
  /** The event's name (`event` or `type`), when it had a string one. */
  readonly eventName: string | undefined
  /** True when the name itself is not one of the stream's events (a newer producer, say). */
  readonly unknownEvent: boolean
  readonly issues: readonly ValidationIssue[]
  /** The first offending field, dotted (`error.status`), `$` for the event itself. */
  readonly field: string

  constructor(
    stream: EventStreamName,
    eventName: string | undefined,
    issues: readonly ValidationIssue[],
    options?: { cause?: unknown; unknownEvent?: boolean },
  ) {
    const first = issues[0] ?? { field: '$', expected: 'a valid event', received: 'unknown' }
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
    const which = eventName === undefined ? `${stream} event` : `${stream} event ${eventName}`
    super(`${which}: ${first.field}: ${first.expected}, received ${first.received}${more}`, {
      cause: options?.cause,
    })
    this.stream = stream
    this.eventName = eventName
    this.unknownEvent = options?.unknownEvent ?? false
    this.issues = issues
    this.field = first.field
  }
}

/**
 * True when an event broke its stream's schema.
 *
 * @example
 * const parsed = parseAgentEvent(text)
 * if (!parsed.success && isEventValidationError(parsed.error)) console.warn(parsed.error.field)
 */
export function isEventValidationError(error: unknown): error is EventValidationError {
  return error instanceof Error && error.name === 'EventValidationError'
}

/** The outcome of parsing one event: the typed event, or why it was refused. */
export type EventParseResult<Event> =
  | { success: true; event: Event }
  | { success: false; error: EventValidationError }

function readJson(
  stream: EventStreamName,
  input: unknown,
): { json: unknown } | { error: EventValidationError } {
  if (typeof input !== 'string') return { json: input }
  try {
    return { json: JSON.parse(input) }
  } catch (cause) {
    return {
      error: new EventValidationError(
        stream,
        undefined,
        [{ field: '$', expected: 'a JSON object', received: describeValue(input) }],
        { cause },
      ),
    }
  }
}

function parseStream<Event>(
  stream: EventStreamName,
  key: 'event' | 'type',
  names: ReadonlySet<string>,
  schema: v.GenericSchema<unknown, Event>,
  input: unknown,
): EventParseResult<Event> {
  const read = readJson(stream, input)
  if ('error' in read) return { success: false, error: read.error }
  const { json } = read
  const name =
    json !== null &&
    typeof json === 'object' &&
    typeof (json as Record<string, unknown>)[key] === 'string'
      ? ((json as Record<string, unknown>)[key] as string)
      : undefined
  if (name === undefined || !names.has(name)) {
    const received =
      json !== null && typeof json === 'object'
        ? describeValue((json as Record<string, unknown>)[key])
        : describeValue(json)
    const issue = {
      field: json !== null && typeof json === 'object' ? key : '$',
      expected:
        json !== null && typeof json === 'object'
          ? `one of the ${names.size} ${stream} event names`
          : 'a JSON object',
      received,
    }
    return {
      success: false,
      error: new EventValidationError(stream, name, [issue], { unknownEvent: name !== undefined }),
    }
  }
  const parsed = v.safeParse(schema, json)
  if (parsed.success) return { success: true, event: parsed.output }
  return {
    success: false,
    error: new EventValidationError(stream, name, toValidationIssues(parsed.issues)),
  }
}

const AGENT_NAMES: ReadonlySet<string> = new Set(AGENT_EVENT_NAMES)
const MOCK_TYPES: ReadonlySet<string> = new Set(MOCK_EVENT_TYPES)

/**
 * Parses one agent event (a JSON text, e.g. an SSE `data:` or an NDJSON line, or a value already
 * parsed). Fields the schema doesn't know are dropped; a missing or mistyped field, or an
 * unknown event name, gives an {@link EventValidationError} naming the field.
 *
 * @example
 * const parsed = parseAgentEvent('{"time":"…","level":"debug","event":"poll.idle","latency_ms":12}')
 * if (parsed.success && parsed.event.event === 'poll.idle') console.log(parsed.event.latency_ms)
 */
export function parseAgentEvent(input: unknown): EventParseResult<AgentEvent> {
  return parseStream('agent', 'event', AGENT_NAMES, AgentEventSchema, input)
}

/**
 * The shared envelope (time, level, event, server, command, msg) of an agent event whose name is
 * not known here, so a consumer can still show what a newer agent said; `undefined` when even
 * the envelope is malformed.
 *
 * @example
 * const parsed = parseAgentEvent(text)
 * if (!parsed.success && parsed.error.unknownEvent) show(parseAgentEventEnvelope(text))
 */
export function parseAgentEventEnvelope(input: unknown): AgentEventEnvelope | undefined {
  const read = readJson('agent', input)
  if ('error' in read) return undefined
  const parsed = v.safeParse(AgentEventEnvelopeSchema, read.json)
  return parsed.success ? parsed.output : undefined
}

/**
 * Parses one event of the mock's `/_mock/events` stream (JSON text or a parsed value).
 *
 * @example
 * const parsed = parseMockEvent(message.data)
 * if (parsed.success && parsed.event.type === 'delivery') console.log(parsed.event.state.current)
 */
export function parseMockEvent(input: unknown): EventParseResult<MockEvent> {
  return parseStream('mock', 'type', MOCK_TYPES, MockEventSchema, input)
}
