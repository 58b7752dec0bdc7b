/**
 * The agent's event stream: every line of `sms-agent`'s NDJSON log and every `data:` of its
 * `/events` SSE stream is one of these, discriminated by `event`. Declared once here; the agent's
 * logger is typed by {@link AgentEventFieldMap} (a renamed or reshaped event fails typecheck) and
 * consumers parse with {@link parseAgentEvent}.
 *
 * @module
 */
import * as v from 'valibot'
import type {
  AgentErrorFields,
  AgentEvent,
  AgentEventEnvelope,
  AgentEventLevel,
  AgentEventName,
  AgentEventOf,
} from './agent-event-types.ts'
import type { Holds, Same } from './type-equality.ts'

export type {
  AgentCommonFields,
  AgentErrorFields,
  AgentEvent,
  AgentEventEnvelope,
  AgentEventFieldMap,
  AgentEventFields,
  AgentEventLevel,
  AgentEventName,
  AgentEventOf,
  AgentEventOwnFields,
  AgentEventStamp,
  NoOwnFields,
} from './agent-event-types.ts'

const text = (max: number) => v.pipe(v.string(), v.maxLength(max))
const optionalText = (max: number) => v.optional(text(max))
const optionalNumber = v.optional(v.number())

/** Severities of agent events, lowest first. */
export const AGENT_EVENT_LEVELS = [
  'debug',
  'info',
  'warn',
  'error',
] as const satisfies readonly AgentEventLevel[]

const errorFieldsSchema = v.object({
  name: optionalText(128),
  message: optionalText(4_096),
  status: optionalNumber,
  error_code: optionalText(255),
  request_id: optionalText(255),
  reason: optionalText(64),
})

/** The loggable form of an error ({@link AgentErrorFields}). */
export const AgentErrorFieldsSchema: v.GenericSchema<AgentErrorFields> = errorFieldsSchema

/** Fields every agent event may carry. `delay` is in milliseconds. */
const COMMON_FIELDS = {
  server_id: optionalText(255),
  command: optionalText(255),
  task_id: optionalText(255),
  attempt: optionalNumber,
  delay: optionalNumber,
  msg: optionalText(4_096),
}

/** What the logger adds to every event. */
const ENVELOPE = {
  time: text(64),
  level: v.picklist(AGENT_EVENT_LEVELS),
}

const result = v.picklist(['success', 'fail'])
const error = v.optional(errorFieldsSchema)
/** A journal entry id. */
const entry = v.optional(v.union([text(255), v.number()]))
/** An HTTP status, or a short label (`timeout`, `network`) when there was no answer. */
const statusLabel = v.optional(v.union([v.number(), text(64)]))

function agentEvent<const Name extends string, const Fields extends v.ObjectEntries>(
  event: Name,
  fields: Fields,
) {
  // A field an event declares replaces the common one (`poll.command` requires `command`).
  const entries = { ...ENVELOPE, event: v.literal(event), ...COMMON_FIELDS, ...fields }
  return v.object(
    entries as Omit<typeof ENVELOPE & typeof COMMON_FIELDS, keyof Fields> & {
      event: v.LiteralSchema<Name, undefined>
    } & Fields,
  )
}

const agentEventSchemas = [
  agentEvent('agent.start', {
    version: optionalText(64),
    runtime: optionalText(128),
    pid: optionalNumber,
    endpoint: optionalText(2_048),
    auth: optionalText(64),
    state_dir: v.optional(v.nullable(text(4_096))),
    mode: v.optional(v.picklist(['once', 'daemon'])),
    dry_run: v.optional(v.boolean()),
  }),
  agentEvent('status.listening', { url: text(2_048) }),
  agentEvent('status.error', { error }),
  /**
   * The status server can't listen (the port is taken, say): polling goes on without it and the
   * agent tries again after `delay`.
   */
  agentEvent('status.unavailable', { url: text(2_048), error }),
  /** A stdout/stderr reader went away (`| head -1`, a closed terminal): logs go to the other. */
  agentEvent('log.stream-closed', { stream: v.picklist(['stdout', 'stderr']), error }),
  agentEvent('lock.stale', { pid: optionalNumber, reason: optionalText(1_024) }),
  agentEvent('state.adopted', {}),
  /** The journal's machine can't be proven to be this one (only a hostname is known, or it changed). */
  agentEvent('state.machine-unproven', {}),
  agentEvent('proxy.configured', { proxy: optionalText(2_048) }),
  agentEvent('clock.skew', { offset_ms: v.number(), source: optionalText(16) }),
  agentEvent('journal.recovered', { outbox: optionalNumber, received: optionalNumber }),
  agentEvent('journal.error', { error }),
  agentEvent('state.error', { kind: optionalText(64), path: optionalText(4_096) }),
  agentEvent('handler.orphan-stopped', { pid: optionalNumber }),
  agentEvent('handler.terminating', {}),
  /**
   * A handler could not be started yet (being written, CRLF line endings, no execute bit, no
   * interpreter): the start is tried again after `delay` until `give_up_at`.
   */
  agentEvent('handler.start-deferred', {
    handler: text(4_096),
    problem: text(64),
    give_up_at: optionalText(64),
    error,
  }),
  /**
   * A handler exited and left processes that may still write its output: to `path` (a file that
   * outlives the agent), or without `path` to pipes the agent keeps reading.
   */
  agentEvent('handler.output-held', { handler: optionalText(4_096), path: optionalText(4_096) }),
  agentEvent('auth.refresh', { auth: optionalText(64) }),
  agentEvent('auth.refresh-failed', { auth: optionalText(64), error }),
  /** A rejected IAM password kept from an earlier run: no login with it inside the window. */
  agentEvent('auth.rejection-kept', { path: optionalText(4_096), rejected_at: optionalText(64) }),
  /**
   * Who may read a secrets file (token, password, SK), checked the platform's way at start: on
   * Windows with `icacls` (mode bits say nothing there). `verdict` `unknown` says plainly that
   * it couldn't tell, and why.
   */
  agentEvent('secrets.file-access', {
    path: text(4_096),
    verdict: v.picklist(['private', 'exposed', 'unknown']),
    readable_by: optionalText(1_024),
  }),
  agentEvent('request.retry', { method: optionalText(16), error }),
  agentEvent('poll.idle', { latency_ms: optionalNumber }),
  agentEvent('poll.command', { command: text(255), latency_ms: optionalNumber }),
  agentEvent('poll.error', {
    status: statusLabel,
    latency_ms: optionalNumber,
    error,
    /** Which service refused: `sms`, or `iam` (the token login). */
    service: optionalText(16),
    /** The setting(s) to check, e.g. `--iam-endpoint`. */
    check: optionalText(255),
    /** What the server asked for (`Retry-After`, ms) when it was over the cap `delay` is. */
    retry_after_requested_ms: optionalNumber,
  }),
  agentEvent('poll.recovered', {}),
  agentEvent('command.received', { bucket: optionalText(255), entry }),
  agentEvent('command.dry-run', { bucket: optionalText(255) }),
  agentEvent('command.rejected', { reason: optionalText(64) }),
  agentEvent('command.start', { handler: optionalText(4_096), entry }),
  agentEvent('command.finish', {
    result,
    reason: optionalText(64),
    exit_code: v.optional(v.nullable(v.number())),
    signal: v.optional(v.nullable(text(32))),
    duration_ms: optionalNumber,
  }),
  agentEvent('command.interrupted', { signal: optionalText(32) }),
  agentEvent('command.rerun', {}),
  agentEvent('command.superseded', {}),
  agentEvent('report.send', { result, entry, bytes: optionalNumber }),
  agentEvent('report.trimmed', { entry, bytes: optionalNumber }),
  /**
   * SMS recorded the result. `latency_ms`, here and in the other answers to a report, is the
   * POST's time to its answer or failure, where the delivery code measures it.
   */
  agentEvent('report.acknowledged', {
    result,
    status: optionalNumber,
    request_id: optionalText(255),
    entry,
    latency_ms: optionalNumber,
  }),
  agentEvent('report.rejected', { status: statusLabel, error, entry, latency_ms: optionalNumber }),
  agentEvent('report.invalid', { error, entry }),
  agentEvent('report.refused', { status: statusLabel, error, entry, latency_ms: optionalNumber }),
  agentEvent('report.error', {
    status: statusLabel,
    error,
    entry,
    latency_ms: optionalNumber,
    /** What the server asked for (`Retry-After`, ms) when it was over the cap `delay` is. */
    retry_after_requested_ms: optionalNumber,
  }),
  agentEvent('report.superseded', { result: v.optional(result), entry }),
  /**
   * SMS still keeps current a command whose result it refused for good (settled `rejected`): the
   * agent won't run it again. Emitted at every such poll; `reminder` marks the bounded-rate
   * warnings (the first, then one per interval), the rest are debug lines.
   */
  agentEvent('report.held', {
    entry,
    held_since: optionalText(64),
    reminder: v.optional(v.boolean()),
  }),
  agentEvent('report.presumed-recorded', { entry }),
  agentEvent('outbox.flush', { outbox: optionalNumber }),
  agentEvent('outbox.pending', { outbox: optionalNumber }),
  agentEvent('signal.received', { signal: text(32) }),
  agentEvent('agent.stopping', { reason: optionalText(64) }),
  agentEvent('agent.exit-now', { signal: optionalText(32), exit_code: optionalNumber }),
  agentEvent('agent.exit', { exit_code: v.number() }),
  agentEvent('agent.crash', { error }),
] as const

/** One schema per agent event name, in the order of the agent's life. */
export const AGENT_EVENT_SCHEMAS: readonly v.GenericSchema<AgentEvent>[] = agentEventSchemas

const agentEventVariant = v.variant('event', agentEventSchemas)

/** Any agent event, discriminated by `event`. */
export const AgentEventSchema: v.GenericSchema<AgentEvent> = agentEventVariant

/** Every agent event name, as a list (the order of {@link AGENT_EVENT_SCHEMAS}). */
export const AGENT_EVENT_NAMES: readonly AgentEventName[] = agentEventSchemas.map(
  (schema) => schema.entries.event.literal,
)

const envelopeSchema = v.object({
  ...ENVELOPE,
  event: text(128),
  ...COMMON_FIELDS,
})

/**
 * The envelope every agent event shares, with any event name: what a consumer can still show of
 * an event a newer agent added.
 */
export const AgentEventEnvelopeSchema: v.GenericSchema<AgentEventEnvelope> = envelopeSchema

// The written types (agent-event-types.ts) and the schemas must agree event by event: the same
// names, the same field names, each side's fields assignable to the other's. A compile error here
// means one was changed without the other.
type Parsed<Name extends AgentEventName> = Extract<
  v.InferOutput<typeof agentEventVariant>,
  { event: Name }
>
type Produced<Name extends AgentEventName> = Omit<
  v.InferInput<
    Extract<(typeof agentEventSchemas)[number], { entries: { event: { literal: Name } } }>
  >,
  'time' | 'level' | 'event'
>
type Agreement = {
  [Name in AgentEventName]: Same<Parsed<Name>, AgentEventOf<Name>> extends true
    ? Same<keyof Parsed<Name>, keyof AgentEventOf<Name>> extends true
      ? Same<keyof Produced<Name>, keyof Omit<AgentEventOf<Name>, 'time' | 'level' | 'event'>>
      : false
    : false
}[AgentEventName]
type _SchemasMatchTypes = Holds<
  [
    Same<Agreement, true>,
    Same<v.InferOutput<typeof agentEventVariant>['event'], AgentEventName>,
    Same<v.InferOutput<typeof errorFieldsSchema>, AgentErrorFields>,
    Same<keyof v.InferOutput<typeof envelopeSchema>, keyof AgentEventEnvelope>,
  ]
>
