import { type Scheduler, systemScheduler } from '@sms-command/core'
import type { CommandInfo, LogEntry, ServerUpdate, SourceStatus } from '../model.ts'
import { summarizeDetail } from './mock-source.ts'
import { followEventStream } from './sse.ts'
import { type AgentEvent, AgentEventSchema, parseWire } from './wire-schemas.ts'

export type { AgentEvent } from './wire-schemas.ts'

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

function commandOf(event: AgentEvent): CommandInfo | undefined {
  const name = str(event.command)
  return name ? { name, taskId: str(event.task_id) } : undefined
}

/**
 * Turns one agent log event into updates of its server (or a fleet-wide log line): polls with
 * their latency, commands received, handlers starting and finishing, results acknowledged, and
 * errors with status and code. Events of no interest to the watch give nothing.
 *
 * @example
 * agentEventUpdates({ time, level: 'debug', event: 'poll.idle', server_id: 'srv-1', latency_ms: 12 })
 * // [{ serverId: 'srv-1', at, poll: { latencyMs: 12 }, command: null, error: null }]
 */
export function agentEventUpdates(event: AgentEvent): { updates: ServerUpdate[]; log: LogEntry[] } {
  const at = Number.isNaN(Date.parse(event.time)) ? Date.now() : Date.parse(event.time)
  const serverId = str(event.server_id)
  const command = commandOf(event)
  const latency = typeof event.latency_ms === 'number' ? event.latency_ms : undefined
  if (!serverId) {
    if (event.level === 'warn' || event.level === 'error') {
      return {
        updates: [],
        log: [
          { at, level: event.level, text: `agent ${event.event}: ${str(event.msg) ?? ''}`.trim() },
        ],
      }
    }
    return { updates: [], log: [] }
  }
  const base = { serverId, at }
  const note = (level: LogEntry['level'], text: string) => ({ level, text })
  switch (event.event) {
    case 'poll.idle':
      return {
        updates: [{ ...base, poll: { latencyMs: latency }, command: null, error: null }],
        log: [],
      }
    case 'poll.command':
      return {
        updates: [
          { ...base, poll: { latencyMs: latency }, ...(command ? { command } : {}), error: null },
        ],
        log: [],
      }
    case 'poll.error': {
      const status = typeof event.error?.status === 'number' ? event.error.status : undefined
      const code =
        str(event.error?.error_code) ??
        str(event.error?.reason) ??
        (status === undefined ? str(String(event.status ?? '')) : undefined)
      const message = str(event.error?.message) ?? str(event.msg) ?? 'poll failed'
      return {
        updates: [{ ...base, poll: { latencyMs: latency }, error: { status, code, message, at } }],
        log: [],
      }
    }
    case 'poll.recovered':
      return { updates: [{ ...base, error: null }], log: [] }
    case 'command.received':
      return {
        updates: [{ ...base, ...(command ? { command } : {}), phase: 'delivered' }],
        log: [],
      }
    case 'command.start':
      return {
        updates: [
          {
            ...base,
            ...(command ? { command } : {}),
            phase: 'running',
            note: note('info', `handler started for ${command?.name ?? 'the command'}`),
          },
        ],
        log: [],
      }
    case 'command.finish': {
      const detail = summarizeDetail({
        reason: event.reason,
        exit_code: event.exit_code,
        signal: event.signal,
        duration_ms: event.duration_ms,
      })
      return {
        updates: [
          {
            ...base,
            phase: 'delivered',
            note: note(
              event.result === 'fail' ? 'warn' : 'info',
              `handler finished: ${event.result ?? '?'}${detail ? ` (${detail})` : ''}`,
            ),
          },
        ],
        log: [],
      }
    }
    case 'report.acknowledged':
      return {
        updates: [
          {
            ...base,
            command: null,
            error: null,
            ...(command
              ? { result: { command, result: event.result === 'fail' ? 'fail' : 'success' } }
              : {}),
          },
        ],
        log: [],
      }
    case 'report.rejected':
    case 'report.error':
    case 'report.invalid': {
      const status = typeof event.error?.status === 'number' ? event.error.status : undefined
      const message = str(event.msg) ?? str(event.error?.message) ?? event.event
      return {
        updates: [
          {
            ...base,
            error: { status, code: str(event.error?.error_code) ?? event.event, message, at },
          },
        ],
        log: [],
      }
    }
    default:
      if (event.level === 'warn' || event.level === 'error') {
        return {
          updates: [
            {
              ...base,
              note: note(
                event.level,
                `${event.event}${str(event.msg) ? `: ${str(event.msg)}` : ''}`,
              ),
            },
          ],
          log: [],
        }
      }
      if (event.event === 'agent.start' || event.event === 'agent.exit') {
        return { updates: [{ ...base, note: note('info', event.event) }], log: [] }
      }
      return { updates: [], log: [] }
  }
}

/** Options of {@link startAgentSource}. */
export interface AgentSourceOptions {
  /** The agent's `--status-port` base URL, e.g. `http://127.0.0.1:9464`. */
  url: URL
  emit: (update: ServerUpdate) => void
  status: (status: SourceStatus) => void
  log?: (entry: LogEntry) => void
  signal: AbortSignal
  fetch?: typeof fetch
  scheduler?: Scheduler
}

/**
 * Follows one agent's `/events` stream (its log events as SSE) and shows what it does: polls,
 * commands, handler runs and reports. Never throws; reconnects with backoff.
 *
 * @example
 * await startAgentSource({ url: new URL('http://127.0.0.1:9464'), emit, status, signal })
 */
export async function startAgentSource(options: AgentSourceOptions): Promise<void> {
  const scheduler = options.scheduler ?? systemScheduler
  const target = options.url.origin
  await followEventStream({
    url: new URL('/events', options.url),
    signal: options.signal,
    scheduler,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onStatus: (status, message) =>
      options.status({ kind: 'agent', target, status, message, at: scheduler.now() }),
    onMessage: (message) => {
      const event = parseWire(AgentEventSchema, message.data)
      if (!event) return
      const outcome = agentEventUpdates(event)
      for (const update of outcome.updates) options.emit(update)
      for (const entry of outcome.log) options.log?.(entry)
    },
  })
}
