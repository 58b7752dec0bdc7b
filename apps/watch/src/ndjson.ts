import { serverState } from './fleet.ts'
import type { ServerView, SourceStatus } from './model.ts'
import type { WatchStore } from './store.ts'

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
    write(JSON.stringify({ time: new Date(at).toISOString(), ...record }))
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
