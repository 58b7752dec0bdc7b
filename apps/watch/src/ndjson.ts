import { serverState } from './fleet.ts'
import type { ServerView, SourceStatus } from './model.ts'
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
  }
}

/**
 * Prints one NDJSON line per change (a server's state, command, error or result; a source
 * connecting or failing) instead of drawing: for pipes, logs and CI. Returns an unsubscribe.
 *
 * @example
 * const stop = startNdjson(store, (line) => process.stdout.write(`${line}\n`))
 */
export function startNdjson(store: WatchStore, write: (line: string) => void): () => void {
  const printed = new Map<string, string>()
  const print = (key: string, record: Record<string, unknown>, at: number) => {
    const body = JSON.stringify(record)
    if (printed.get(key) === body) return
    printed.set(key, body)
    write(escapeInvisible(JSON.stringify({ time: new Date(at).toISOString(), ...record })))
  }
  return store.subscribe((state, _previous, action) => {
    if (action.type === 'updates') {
      const touched = new Set(action.updates.map((update) => update.serverId))
      for (const id of touched) {
        const server = state.servers.get(id)
        if (server) print(`server:${id}`, serverRecord(server), server.lastSeenAt ?? state.now)
      }
    } else if (action.type === 'source') {
      const { status } = action
      print(`source:${status.kind}:${status.target}`, sourceRecord(status), status.at)
    }
  })
}
