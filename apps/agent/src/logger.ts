import { isSmsApiError, isSmsError, isSmsNetworkError } from '@sms-command/core'

/** Severity of an event. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 }

/**
 * Fields an event may carry. The first eight are the documented core of every log line; events add
 * their own (`status`, `exit_code`, `duration_ms`, …). `delay` is in milliseconds.
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

/** One event as logged and streamed: `{ time, level, event, …fields }`. */
export interface AgentEvent extends EventFields {
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

/**
 * Writes events as log lines (at or above the level) and publishes every event, whatever its
 * level, to listeners.
 */
export interface Logger {
  debug(event: string, fields?: EventFields): void
  info(event: string, fields?: EventFields): void
  warn(event: string, fields?: EventFields): void
  error(event: string, fields?: EventFields): void
  log(level: LogLevel, event: string, fields?: EventFields): void
  /** Adds a value that must never be written (a token read at runtime, say). */
  addSecret(secret: string): void
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: PublishedEvent) => void): () => void
  /**
   * The latest events, oldest first (at most `historySize`): those at or above the log level, and
   * every event logged while a listener was subscribed.
   */
  history(): readonly PublishedEvent[]
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
}

const CORE_FIELDS = [
  'server_id',
  'command',
  'task_id',
  'attempt',
  'delay',
  'msg',
] as const satisfies readonly (keyof EventFields)[]

/** Shortest secret that is scrubbed: shorter strings would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4

/**
 * Creates the agent's logger: NDJSON (`time, level, event, server_id, command, task_id, attempt,
 * delay, msg, …`) or a text line per event. Every line is scrubbed of the configured secrets
 * before it leaves, as a second line of defence behind code that never logs them.
 *
 * @example
 * const logger = createLogger({ format: 'json', level: 'info', write: (l) => process.stdout.write(l) })
 * logger.info('agent.start', { msg: 'polling', delay: 10_000 })
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LEVEL_ORDER[options.level]
  const now = options.now ?? Date.now
  const historySize = options.historySize ?? 256
  const secrets = new Set<string>()
  const listeners = new Set<(event: PublishedEvent) => void>()
  const recent: PublishedEvent[] = []
  let nextId = 1

  function addSecret(secret: string) {
    if (secret.length < MIN_SECRET_LENGTH) return
    secrets.add(secret)
    // The same secret as it appears inside a JSON string.
    secrets.add(JSON.stringify(secret).slice(1, -1))
  }
  for (const secret of options.secrets ?? []) addSecret(secret)

  function scrub(line: string): string {
    let clean = line
    for (const secret of secrets) {
      if (clean.includes(secret)) clean = clean.split(secret).join('[REDACTED]')
    }
    return clean
  }

  function log(level: LogLevel, event: string, fields: EventFields = {}) {
    // Below the log level and nobody streaming: skip the work (polls log at debug level, and
    // building and keeping those lines would dominate an idle agent's allocations).
    if (LEVEL_ORDER[level] < threshold && listeners.size === 0) return
    const record: AgentEvent = { time: new Date(now()).toISOString(), level, event }
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
    const published = { id: nextId++, json }
    recent.push(published)
    if (recent.length > historySize) recent.shift()
    for (const listener of listeners) {
      try {
        listener(published)
      } catch {
        // A broken listener must not stop logging.
      }
    }
    if (LEVEL_ORDER[level] < threshold) return
    options.write(options.format === 'json' ? `${json}\n` : `${scrub(textLine(record))}\n`)
  }

  return {
    log,
    debug: (event, fields) => log('debug', event, fields),
    info: (event, fields) => log('info', event, fields),
    warn: (event, fields) => log('warn', event, fields),
    error: (event, fields) => log('error', event, fields),
    addSecret,
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    history: () => recent.slice(),
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return errorFields(value)
  if (typeof value === 'bigint') return value.toString()
  return value
}

/**
 * The loggable part of an error: name, message and, for SMS errors, status and error code.
 * Core's errors never hold credentials; other errors are reduced to name and message.
 *
 * @example
 * logger.warn('poll.error', { error: errorFields(error) })
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (isSmsApiError(error)) {
    return {
      name: error.name,
      message: error.message,
      status: error.status,
      error_code: error.errorCode,
      request_id: error.requestId,
    }
  }
  if (isSmsNetworkError(error))
    return { name: error.name, message: error.message, reason: error.reason }
  if (isSmsError(error)) return { name: error.name, message: error.message }
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { name: 'Error', message: String(error) }
}

function textValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[\w.:/@+-]*$/.test(value) && value !== '' ? value : JSON.stringify(value)
  if (value instanceof Error) return JSON.stringify(errorFields(value))
  return JSON.stringify(value, jsonReplacer)
}

function textLine(record: AgentEvent): string {
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
