import type { BudgetView, ErrorInfo, LogEntry, ServerView, SourceStatus } from './model.ts'
import { effectiveIntervalMs } from './reducer.ts'
import { serverState } from './server-view.ts'
import type { WatchStore } from './store.ts'

// Bidi controls, invisible and C1 characters stay in the data but are written as \u escapes, so a
// log read on a terminal can't reorder or hide text. JSON.stringify leaves them raw.
const INVISIBLE = /[\p{Cf}\u007f-\u009f\u2028\u2029\u115f\u1160\u3164\uffa0]/gu

/**
 * JSON text with bidi, invisible and C1 characters escaped (`\u202e`); parses to the same value.
 *
 * @example
 * escapeInvisible(JSON.stringify('a\u202eb')) // '"a\\u202eb"'
 */
export function escapeInvisible(json: string): string {
  return json.replace(INVISIBLE, (char) => {
    let out = ''
    for (let i = 0; i < char.length; i++)
      out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`
    return out
  })
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString())

/**
 * What a server's NDJSON line says, without the time of the line: two equal records mean nothing
 * worth a line changed.
 *
 * @example
 * serverRecord(server) // { type: 'server', server_id: 'srv-1', state: 'pending', command: 'START', … }
 */
export function serverRecord(server: ServerView): Record<string, unknown> {
  return {
    type: 'server',
    server_id: server.id,
    // Only once SMS's fleet list was read (--servers all, or names looked up): the text is kept
    // as SMS sent it, bidi and invisible characters included (JSON escapes what must be).
    ...(server.name !== null ? { name: server.name } : {}),
    ...(server.sms !== null
      ? {
          sms_state: server.sms.state ?? null,
          migration_cycle: server.sms.migrationCycle ?? null,
          connected: server.sms.connected ?? null,
          connected_since: iso(server.sms.connectedSince ?? null),
        }
      : {}),
    state: serverState(server),
    command: server.command?.name ?? null,
    task_id: server.command?.taskId ?? null,
    bucket: server.command?.bucket ?? null,
    since: iso(server.commandSince),
    queued: server.queued,
    error:
      server.failing && server.lastError
        ? {
            status: server.lastError.status ?? null,
            code: server.lastError.code ?? null,
            message: server.lastError.message,
          }
        : null,
    last_result: server.lastResult
      ? {
          command: server.lastResult.command.name,
          task_id: server.lastResult.command.taskId ?? null,
          result: server.lastResult.result,
          at: iso(server.lastResult.at),
        }
      : null,
  }
}

function sourceRecord(source: SourceStatus): Record<string, unknown> {
  return {
    type: 'source',
    kind: source.kind,
    target: source.target,
    status: source.status,
    message: source.message ?? null,
    // `stale`: when the stream last sent a byte; `error`: when the source tries again by itself.
    since: iso(source.since ?? null),
    retry_at: iso(source.retryAt ?? null),
  }
}

function budgetRecord(budget: BudgetView, intervalMs: number): Record<string, unknown> {
  return {
    type: 'budget',
    max_rps: budget.maxRps,
    rps: budget.rps,
    servers: budget.servers,
    // Each server's pause between polls as it now is: the interval, or longer under the budget.
    interval_ms: intervalMs,
    throttled_at: iso(budget.throttledAt ?? null),
    held_until: iso(budget.heldUntil ?? null),
  }
}

function errorRecord(error: ErrorInfo): Record<string, unknown> {
  return { status: error.status ?? null, code: error.code ?? null, message: error.message }
}

function logRecord(type: 'log' | 'note', entry: Omit<LogEntry, 'at'>): Record<string, unknown> {
  return { type, server_id: entry.serverId ?? null, level: entry.level, text: entry.text }
}

/**
 * Prints one NDJSON line per change instead of drawing, for pipes, logs and CI: whatever the
 * screen would show changing has a line. Types: `server` (state, command, error, result),
 * `source` (connecting, ok, error with `retry_at`, stale with `since`), `budget` (the fleet's
 * rate lowered, restored or held), `throttled` (the server whose 429 lowered it), `servers`
 * (the polled fleet grew or shrank), `log` (an event-log line about the fleet) and `note` (an
 * event-log line about one server that changes none of its fields). Returns an unsubscribe.
 *
 * @example
 * const stop = startNdjson(store, (line) => process.stdout.write(`${line}\n`))
 */
export function startNdjson(store: WatchStore, write: (line: string) => void): () => void {
  const printed = new Map<string, string>()
  const emit = (record: Record<string, unknown>, at: number) =>
    write(escapeInvisible(JSON.stringify({ time: new Date(at).toISOString(), ...record })))
  // State lines (a server, a source, the budget) are printed when they differ from the last one.
  const print = (key: string, record: Record<string, unknown>, at: number) => {
    const body = JSON.stringify(record)
    if (printed.get(key) === body) return
    printed.set(key, body)
    emit(record, at)
  }
  return store.subscribe((state, previous, action) => {
    switch (action.type) {
      case 'updates': {
        const touched = new Set(action.updates.map((update) => update.serverId))
        for (const id of touched) {
          const server = state.servers.get(id)
          if (server) print(`server:${id}`, serverRecord(server), server.lastSeenAt ?? state.now)
        }
        // Notes (an auth failure, a fault added, an agent's report error) change no field of the
        // server line, so they are events of their own.
        for (const update of action.updates) {
          if (update.note)
            emit(logRecord('note', { serverId: update.serverId, ...update.note }), update.at)
        }
        break
      }
      case 'source': {
        const { status } = action
        print(`source:${status.kind}:${status.target}`, sourceRecord(status), status.at)
        break
      }
      case 'budget': {
        const at = action.at ?? state.now
        if (action.throttled) {
          const { serverId, error } = action.throttled
          emit(
            {
              type: 'throttled',
              server_id: serverId,
              error: errorRecord(error),
              rps: action.budget.rps,
              max_rps: action.budget.maxRps,
              held_until: iso(action.budget.heldUntil ?? null),
            },
            at,
          )
        }
        print('budget', budgetRecord(action.budget, effectiveIntervalMs(state)), at)
        break
      }
      case 'servers': {
        const added = [...state.servers.keys()].filter((id) => !previous.servers.has(id))
        const removed = [...previous.servers.keys()].filter((id) => !state.servers.has(id))
        if (added.length > 0 || removed.length > 0)
          emit({ type: 'servers', count: state.servers.size, added, removed }, action.at)
        break
      }
      case 'log':
        emit(logRecord('log', action.entry), action.entry.at)
        break
    }
  })
}
