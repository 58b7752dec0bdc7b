import {
  type AgentEventFieldMap,
  type AgentEventLevel,
  createRedactor,
  EventLog,
  errorFields,
  type Redactor,
} from '@sms-command/core/events'

export type { AgentEvent, AgentEventFieldMap, AgentEventName } from '@sms-command/core/events'

/** Severity of an event. */
export type LogLevel = AgentEventLevel

const LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 }

/**
 * The syslog priority of each level, as sd-daemon(3) prefixes lines: `<3>` SD_ERR, `<4>`
 * SD_WARNING, `<6>` SD_INFO, `<7>` SD_DEBUG. journald strips the prefix and stores the line at
 * that priority, so `journalctl -p err` shows only errors.
 */
export const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = {
  error: 3,
  warn: 4,
  info: 6,
  debug: 7,
}

/**
 * Fields any event may carry, typed loosely: what an untyped logger (tests, tools) accepts. The
 * agent's own logger is typed by {@link AgentEventFieldMap} from `@sms-command/core/events`, so
 * each event name takes exactly its declared fields.
 */
export interface EventFields {
  server_id?: string | undefined
  command?: string | undefined
  task_id?: string | undefined
  attempt?: number | undefined
  delay?: number | undefined
  msg?: string | undefined
  [field: string]: unknown
}

/** Event name → fields: what a logger is typed by. */
export type EventMap = { [event: string]: object }

/** A logger that accepts any event name with any fields (for tests and tools). */
export type UntypedEvents = Record<string, EventFields>

/** One line as logged and streamed: `{ time, level, event, …fields }`. */
export interface LogRecord extends EventFields {
  time: string
  level: LogLevel
  event: string
}

/** An event with its stream id, as `/events` sends it. */
export interface PublishedEvent {
  id: number
  /** The event as one redacted JSON line (no newline). */
  json: string
}

/** The fields argument of event `E`: required when the event has a required field. */
export type FieldsArgument<Fields> = object extends Fields
  ? [fields?: Fields]
  : Partial<Fields> extends Fields
    ? [fields?: Fields]
    : [fields: Fields]

/**
 * Writes events as log lines (at or above the level) and publishes every event, whatever its
 * level, to listeners. Typed by event name: `logger.info('poll.idle', { latency_ms })` compiles
 * only with the fields `poll.idle` declares in `@sms-command/core/events`.
 */
export interface Logger<Events extends EventMap = AgentEventFieldMap> {
  debug<E extends keyof Events & string>(event: E, ...fields: FieldsArgument<Events[E]>): void
  info<E extends keyof Events & string>(event: E, ...fields: FieldsArgument<Events[E]>): void
  warn<E extends keyof Events & string>(event: E, ...fields: FieldsArgument<Events[E]>): void
  error<E extends keyof Events & string>(event: E, ...fields: FieldsArgument<Events[E]>): void
  log<E extends keyof Events & string>(
    level: LogLevel,
    event: E,
    ...fields: FieldsArgument<Events[E]>
  ): void
  /** Adds a value that must never be written (a token read at runtime, say). */
  addSecret(secret: string): void
  /** What scrubs every line: the configured secrets and every one added since (core's {@link Redactor}). */
  readonly redactor: Redactor
  /**
   * Every event as `/events` streams it, in core's replayable {@link EventLog} (the mock's
   * `/_mock/events` keeps its backlog the same way): the latest `historySize` of those at or
   * above the log level, and every event logged while someone follows the log. Follow it from a
   * `Last-Event-ID` (`published.follow(id, signal)`); `published.entries()` is the history.
   */
  readonly published: EventLog<PublishedEvent>
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  format: 'json' | 'text'
  level: LogLevel
  /** Receives each line, newline included. */
  write: (line: string) => void
  /** Values replaced by `[REDACTED]` wherever they appear in a line. */
  secrets?: readonly string[]
  /** Added to every event unless it sets its own. */
  serverId?: string
  now?: () => number
  /** Events kept for `/events` clients that connect late. Default 256. */
  historySize?: number
  /**
   * Prefix each text line with its syslog priority (`<3>` … `<7>`, {@link SYSLOG_PRIORITY}):
   * for output that goes to the systemd journal ({@link writesToJournal}). JSON lines never get a
   * prefix: their `level` field says it, and a prefix would break NDJSON readers.
   */
  syslogPriority?: boolean
}

const CORE_FIELDS = [
  'server_id',
  'command',
  'task_id',
  'attempt',
  'delay',
  'msg',
] as const satisfies readonly (keyof EventFields)[]

/**
 * Creates the agent's logger: NDJSON (`time, level, event, server_id, command, task_id, attempt,
 * delay, msg, …`) or a text line per event. Every line is scrubbed of the configured secrets
 * before it leaves, as a second line of defence behind code that never logs them.
 *
 * @example
 * const logger = createLogger({ format: 'json', level: 'info', write: (l) => process.stdout.write(l) })
 * logger.info('agent.start', { msg: 'polling', delay: 10_000 })
 */
export function createLogger<Events extends EventMap = AgentEventFieldMap>(
  options: LoggerOptions,
): Logger<Events> {
  const threshold = LEVEL_ORDER[options.level]
  const now = options.now ?? Date.now
  const historySize = options.historySize ?? 256
  const redactor = createRedactor(options.secrets ?? [])
  const published = new EventLog<PublishedEvent>(historySize)
  const addSecret = (secret: string) => redactor.add(secret)
  const scrub = (line: string) => redactor.text(line)

  function write(level: LogLevel, event: string, fields: EventFields = {}) {
    // Below the log level and nobody streaming: skip the work (polls log at debug level, and
    // building and keeping those lines would dominate an idle agent's allocations).
    if (LEVEL_ORDER[level] < threshold && published.followers === 0) return
    const record: LogRecord = { time: new Date(now()).toISOString(), level, event }
    const withServer =
      options.serverId !== undefined && fields.server_id === undefined
        ? { server_id: options.serverId, ...fields }
        : fields
    for (const key of CORE_FIELDS) {
      if (withServer[key] !== undefined) record[key] = withServer[key] as never
    }
    for (const [key, value] of Object.entries(withServer)) {
      if (value !== undefined && !(key in record)) record[key] = value
    }
    const json = scrub(JSON.stringify(record, jsonReplacer))
    // Readers follow the log in a later microtask: a broken one can't stop logging.
    published.append({ id: published.nextId, json })
    if (LEVEL_ORDER[level] < threshold) return
    if (options.format === 'json') options.write(`${json}\n`)
    else {
      const prefix = options.syslogPriority ? `<${SYSLOG_PRIORITY[level]}>` : ''
      options.write(`${prefix}${scrub(textLine(record))}\n`)
    }
  }

  // The typed signatures are checked at the call sites; inside, every event is fields by name.
  const at =
    (level: LogLevel) =>
    (event: string, ...fields: [object?]) =>
      write(level, event, fields[0] as EventFields | undefined)
  return {
    log: (level: LogLevel, event: string, ...fields: [object?]) =>
      write(level, event, fields[0] as EventFields | undefined),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    addSecret,
    redactor,
    published,
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return errorFields(value)
  if (typeof value === 'bigint') return value.toString()
  return value
}

function textValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[\w.:/@+-]*$/.test(value) && value !== '' ? value : JSON.stringify(value)
  if (value instanceof Error) return JSON.stringify(errorFields(value))
  return JSON.stringify(value, jsonReplacer)
}

function textLine(record: LogRecord): string {
  const { time, level, event, msg, ...rest } = record
  const parts = [time, level.toUpperCase().padEnd(5), event]
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue
    parts.push(
      key === 'delay' && typeof value === 'number'
        ? `delay=${value}ms`
        : `${key}=${textValue(value)}`,
    )
  }
  if (msg !== undefined) parts.push(`— ${msg}`)
  return parts.join(' ')
}
