import { type Scheduler, systemScheduler } from '@sms-command/core'
import {
  AGENT_EVENT_NAMES,
  type AgentEvent,
  type AgentEventEnvelope,
  parseAgentEvent,
  parseAgentEventEnvelope,
} from '@sms-command/core/events'
import { followEventStream } from '@sms-command/core/sse'
import type { CommandInfo, LogEntry, ServerUpdate, SourceStatus } from '../model.ts'
import { countDropped } from './dropped-events.ts'
import { summarizeDetail } from './mock-projection.ts'

export type { AgentEvent, AgentEventEnvelope } from '@sms-command/core/events'

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

const KNOWN: ReadonlySet<string> = new Set(AGENT_EVENT_NAMES)

function commandOf(event: AgentEventEnvelope): CommandInfo | undefined {
  const name = str(event.command)
  return name ? { name, taskId: str(event.task_id) } : undefined
}

/**
 * Turns one agent log event into updates of its server (or a fleet-wide log line): polls with
 * their latency, commands received, handlers starting and finishing, results acknowledged, and
 * errors with status and code. Events of no interest to the watch give nothing; an event a newer
 * agent added (its envelope only) shows as a note when it is a warning or an error.
 *
 * @example
 * agentEventUpdates({ time, level: 'debug', event: 'poll.idle', server_id: 'srv-1', latency_ms: 12 })
 * // [{ serverId: 'srv-1', at, poll: { latencyMs: 12 }, command: null, error: null }]
 */
export function agentEventUpdates(input: AgentEvent | AgentEventEnvelope): {
  updates: ServerUpdate[]
  log: LogEntry[]
} {
  const at = Number.isNaN(Date.parse(input.time)) ? Date.now() : Date.parse(input.time)
  const serverId = str(input.server_id)
  const command = commandOf(input)
  if (!serverId) {
    if (input.level === 'warn' || input.level === 'error') {
      return {
        updates: [],
        log: [
          { at, level: input.level, text: `agent ${input.event}: ${str(input.msg) ?? ''}`.trim() },
        ],
      }
    }
    return { updates: [], log: [] }
  }
  const base = { serverId, at }
  const note = (level: LogEntry['level'], text: string) => ({ level, text })
  const event = KNOWN.has(input.event) ? (input as AgentEvent) : undefined
  switch (event?.event) {
    case 'poll.idle':
      return {
        updates: [{ ...base, poll: { latencyMs: event.latency_ms }, command: null, error: null }],
        log: [],
      }
    case 'poll.command':
      return {
        updates: [
          {
            ...base,
            poll: { latencyMs: event.latency_ms },
            ...(command ? { command } : {}),
            error: null,
          },
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
        updates: [
          {
            ...base,
            poll: { latencyMs: event.latency_ms },
            error: { status, code, message, at },
          },
        ],
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
              `handler finished: ${event.result}${detail ? ` (${detail})` : ''}`,
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
            ...(command ? { result: { command, result: event.result } } : {}),
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
      if (input.level === 'warn' || input.level === 'error') {
        return {
          updates: [
            {
              ...base,
              note: note(
                input.level,
                `${input.event}${str(input.msg) ? `: ${str(input.msg)}` : ''}`,
              ),
            },
          ],
          log: [],
        }
      }
      if (input.event === 'agent.start' || input.event === 'agent.exit') {
        return { updates: [{ ...base, note: note('info', input.event) }], log: [] }
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
  /** The agent's keep-alive interval (`/events`); silence for 2.5× marks the source stale. */
  keepAliveMs?: number
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
  const dropped = countDropped(`agent ${target}`, (entry) => options.log?.(entry), scheduler)
  await followEventStream({
    url: new URL('/events', options.url),
    signal: options.signal,
    scheduler,
    keepAliveMs: options.keepAliveMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onStatus: (status, message, info) =>
      options.status({
        kind: 'agent',
        target,
        status,
        message,
        at: scheduler.now(),
        ...(info?.since !== undefined ? { since: info.since } : {}),
      }),
    onMessage: (message) => {
      const parsed = parseAgentEvent(message.data)
      // An event a newer agent added: its envelope is still worth showing.
      const event = parsed.success
        ? parsed.event
        : parsed.error.unknownEvent
          ? parseAgentEventEnvelope(message.data)
          : undefined
      if (!event) {
        if (!parsed.success) dropped(parsed.error)
        return
      }
      const outcome = agentEventUpdates(event)
      for (const update of outcome.updates) options.emit(update)
      for (const entry of outcome.log) options.log?.(entry)
    },
  })
}
