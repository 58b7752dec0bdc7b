/**
 * The agent's events as written types: what `sms-agent` logs and streams, event by event. The
 * schemas in `agent-events.ts` are checked against these at compile time (same names, same
 * fields, same types), so the two can't drift; these are what the API and JSR's
 * explicit-type rule see.
 *
 * @module
 */

/** Severity of an agent event. */
export type AgentEventLevel = 'debug' | 'info' | 'warn' | 'error'

/**
 * The loggable form of an error (the agent's `errorFields`): name and message, plus status, error
 * code and request id for SMS errors, or the reason of a network error. Never a credential.
 */
export interface AgentErrorFields {
  name?: string | undefined
  message?: string | undefined
  status?: number | undefined
  error_code?: string | undefined
  request_id?: string | undefined
  reason?: string | undefined
}

/** Fields every agent event may carry (an event may redeclare one). `delay` is in milliseconds. */
export interface AgentCommonFields {
  server_id?: string | undefined
  command?: string | undefined
  task_id?: string | undefined
  attempt?: number | undefined
  delay?: number | undefined
  msg?: string | undefined
}

/** What the logger adds to every event. */
export interface AgentEventStamp {
  /** When it happened (ISO 8601). */
  time: string
  level: AgentEventLevel
}

/** The fields of an event that declares none of its own. */
export type NoOwnFields = Record<never, never>

/**
 * Each agent event's own fields, by name, in the order of the agent's life. A field an event
 * declares replaces the common one of that name (`poll.command` requires `command`).
 */
export interface AgentEventOwnFields {
  'agent.start': {
    version?: string | undefined
    runtime?: string | undefined
    pid?: number | undefined
    endpoint?: string | undefined
    auth?: string | undefined
    state_dir?: string | null | undefined
    mode?: 'once' | 'daemon' | undefined
    dry_run?: boolean | undefined
  }
  'status.listening': {
    url: string
  }
  'status.error': {
    error?: AgentErrorFields | undefined
  }
  /**
   * The status server can't listen (the port is taken, say): polling goes on without it and the
   * agent tries again after `delay`.
   */
  'status.unavailable': {
    url: string
    error?: AgentErrorFields | undefined
  }
  /** A stdout/stderr reader went away (`| head -1`, a closed terminal): logs go to the other. */
  'log.stream-closed': {
    stream: 'stdout' | 'stderr'
    error?: AgentErrorFields | undefined
  }
  'lock.stale': {
    pid?: number | undefined
    reason?: string | undefined
  }
  'state.adopted': NoOwnFields
  /** The journal's machine can't be proven to be this one (only a hostname is known, or it changed). */
  'state.machine-unproven': NoOwnFields
  'proxy.configured': {
    proxy?: string | undefined
  }
  'clock.skew': {
    offset_ms: number
    source?: string | undefined
  }
  'journal.recovered': {
    outbox?: number | undefined
    received?: number | undefined
  }
  'journal.error': {
    error?: AgentErrorFields | undefined
  }
  'state.error': {
    kind?: string | undefined
    path?: string | undefined
  }
  'handler.orphan-stopped': {
    pid?: number | undefined
  }
  'handler.terminating': NoOwnFields
  /**
   * A handler could not be started yet (being written, CRLF line endings, no execute bit, no
   * interpreter): the start is tried again after `delay` until `give_up_at`.
   */
  'handler.start-deferred': {
    handler: string
    problem: string
    give_up_at?: string | undefined
    error?: AgentErrorFields | undefined
  }
  /**
   * A handler exited and left processes that may still write its output: to `path` (a file that
   * outlives the agent), or without `path` to pipes the agent keeps reading.
   */
  'handler.output-held': {
    handler?: string | undefined
    path?: string | undefined
  }
  'auth.refresh': {
    auth?: string | undefined
  }
  'auth.refresh-failed': {
    auth?: string | undefined
    error?: AgentErrorFields | undefined
  }
  /** A rejected IAM password kept from an earlier run: no login with it inside the window. */
  'auth.rejection-kept': {
    path?: string | undefined
    rejected_at?: string | undefined
  }
  'secrets.file-access': {
    path: string
    verdict: 'private' | 'exposed' | 'unknown'
    readable_by?: string | undefined
  }
  'request.retry': {
    method?: string | undefined
    error?: AgentErrorFields | undefined
  }
  'poll.idle': {
    latency_ms?: number | undefined
  }
  'poll.command': {
    command: string
    latency_ms?: number | undefined
  }
  'poll.error': {
    status?: string | number | undefined
    latency_ms?: number | undefined
    error?: AgentErrorFields | undefined
    /** Which service refused: `sms`, or `iam` (the token login). */
    service?: string | undefined
    /** The setting(s) to check, e.g. `--iam-endpoint`. */
    check?: string | undefined
    /** What the server asked for (`Retry-After`, ms) when it was over the cap `delay` is. */
    retry_after_requested_ms?: number | undefined
  }
  'poll.recovered': NoOwnFields
  'command.received': {
    bucket?: string | undefined
    entry?: string | number | undefined
  }
  'command.dry-run': {
    bucket?: string | undefined
  }
  'command.rejected': {
    reason?: string | undefined
  }
  'command.start': {
    handler?: string | undefined
    entry?: string | number | undefined
  }
  'command.finish': {
    result: 'success' | 'fail'
    reason?: string | undefined
    exit_code?: number | null | undefined
    signal?: string | null | undefined
    duration_ms?: number | undefined
  }
  'command.interrupted': {
    signal?: string | undefined
  }
  'command.rerun': NoOwnFields
  'command.superseded': NoOwnFields
  'report.send': {
    result: 'success' | 'fail'
    entry?: string | number | undefined
    bytes?: number | undefined
  }
  'report.trimmed': {
    entry?: string | number | undefined
    bytes?: number | undefined
  }
  /**
   * SMS recorded the result. `latency_ms`, here and in the other answers to a report, is the
   * POST's time to its answer or failure, where the delivery code measures it.
   */
  'report.acknowledged': {
    result: 'success' | 'fail'
    status?: number | undefined
    request_id?: string | undefined
    entry?: string | number | undefined
    latency_ms?: number | undefined
  }
  'report.rejected': {
    status?: string | number | undefined
    error?: AgentErrorFields | undefined
    entry?: string | number | undefined
    latency_ms?: number | undefined
  }
  'report.invalid': {
    error?: AgentErrorFields | undefined
    entry?: string | number | undefined
  }
  'report.refused': {
    status?: string | number | undefined
    error?: AgentErrorFields | undefined
    entry?: string | number | undefined
    latency_ms?: number | undefined
  }
  'report.error': {
    status?: string | number | undefined
    error?: AgentErrorFields | undefined
    entry?: string | number | undefined
    latency_ms?: number | undefined
    /** What the server asked for (`Retry-After`, ms) when it was over the cap `delay` is. */
    retry_after_requested_ms?: number | undefined
  }
  'report.superseded': {
    result?: 'success' | 'fail' | undefined
    entry?: string | number | undefined
  }
  /**
   * SMS still keeps current a command whose result it refused for good (settled `rejected`): the
   * agent won't run it again. Emitted at every such poll; `reminder` marks the bounded-rate
   * warnings (the first, then one per interval), the rest are debug lines.
   */
  'report.held': {
    entry?: string | number | undefined
    held_since?: string | undefined
    reminder?: boolean | undefined
  }
  'report.presumed-recorded': {
    entry?: string | number | undefined
  }
  'outbox.flush': {
    outbox?: number | undefined
  }
  'outbox.pending': {
    outbox?: number | undefined
  }
  'signal.received': {
    signal: string
  }
  'agent.stopping': {
    reason?: string | undefined
  }
  'agent.exit-now': {
    signal?: string | undefined
    exit_code?: number | undefined
  }
  'agent.exit': {
    exit_code: number
  }
  'agent.crash': {
    error?: AgentErrorFields | undefined
  }
}

/** Every agent event name. */
export type AgentEventName = keyof AgentEventOwnFields

/**
 * What a producer passes for event `Name`: the common fields and its own, without what the
 * logger adds (`time`, `level`, `event`). Unknown fields are refused on object literals.
 */
export type AgentEventFields<Name extends AgentEventName> = Omit<
  AgentCommonFields,
  keyof AgentEventOwnFields[Name]
> &
  AgentEventOwnFields[Name]

/** The agent event named `Name`, as parsed. */
export type AgentEventOf<Name extends AgentEventName> = AgentEventStamp & {
  event: Name
} & AgentEventFields<Name>

/** Any agent event, discriminated by `event`. */
export type AgentEvent = { [Name in AgentEventName]: AgentEventOf<Name> }[AgentEventName]

/** Event name → the fields its producer passes: the map the agent's logger is typed by. */
export type AgentEventFieldMap = { [Name in AgentEventName]: AgentEventFields<Name> }

/** The envelope of any agent event, known or not: what a consumer can still show of it. */
export type AgentEventEnvelope = AgentEventStamp & { event: string } & AgentCommonFields
