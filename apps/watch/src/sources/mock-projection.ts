/**
 * The mock's event stream projected onto server views: each `/_mock/events` event carries the
 * queue it leaves (`state`), so a row is rebuilt from that summary rather than by replaying the
 * queue here; results, auth failures and faults become errors and log lines; snapshots from
 * `GET /_mock/servers/{id}` rebuild a server after a (re)connection.
 *
 * @module
 */
import type { MockEvent, MockServerSummary } from '@sms-command/core/events'
import type { AdminCommand } from '@sms-command/mock-server/client'
import type { CommandInfo, ErrorInfo, LogEntry, ServerUpdate } from '../model.ts'
import { describeCommand } from '../server-view.ts'

/** A queued command of the admin API's view; how often it went out and since when, if known. */
type ViewCommand = Pick<AdminCommand, 'seq' | 'command_name' | 'command_param'> &
  Partial<Pick<AdminCommand, 'deliveries' | 'enqueuedAt'>>

/** What a snapshot reads of a server's view (`GET /_mock/servers/{id}`): its queue. */
interface QueueView {
  queue?: readonly ViewCommand[] | undefined
  awaiting?: readonly ViewCommand[] | undefined
}

/** How long a failure seen on the stream keeps a server in the `error` state without news. */
export const PUSH_ERROR_TTL_MS = 30_000

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

function commandInfo(command: {
  command_name: string
  command_param?: Record<string, unknown> | null | undefined
}): CommandInfo {
  const param = command.command_param ?? {}
  return { name: command.command_name, taskId: text(param.task_id), bucket: text(param.bucket) }
}

const FIRST_KEYS = ['reason', 'exit_code', 'signal', 'duration_ms', 'message']
const LAST_KEYS = ['task_id', 'handler', 'output', 'stdout', 'stderr']

/**
 * The short form of a `result_detail` for the history: its scalar fields, `exit_code=3
 * duration_ms=812`, cut to 80 characters.
 *
 * @example
 * summarizeDetail({ exit_code: 0, duration_ms: 812, output: '…' }) // 'exit_code=0 duration_ms=812 output=…'
 */
export function summarizeDetail(detail: unknown): string | undefined {
  if (!detail || typeof detail !== 'object') return undefined
  const parts: string[] = []
  // What an operator wants first (sms-agent's fields); ids and paths shown elsewhere come last.
  const rank = (key: string) => {
    const first = FIRST_KEYS.indexOf(key)
    if (first >= 0) return first
    return LAST_KEYS.includes(key) ? 100 : 50
  }
  const entries = Object.entries(detail).sort((a, b) => rank(a[0]) - rank(b[0]))
  for (const [key, value] of entries) {
    if (value === null || value === undefined || typeof value === 'object') continue
    const shown = String(value).replace(/\s+/g, ' ')
    parts.push(`${key}=${shown.length > 40 ? `${shown.slice(0, 39)}…` : shown}`)
  }
  const joined = parts.join(' ')
  if (joined === '') return undefined
  return joined.length > 80 ? `${joined.slice(0, 79)}…` : joined
}

/** A queue as the mock describes it: an event's effect, or the admin API's server view. */
type Summary = MockServerSummary

interface ServerProjection {
  /** When the last failure was seen, to let it expire (push sources see no quiet successes). */
  failingSince: number | null
  /**
   * The phase last sent. Only changes are sent, so a phase another source knows better (an
   * agent's `running`) is not overwritten by every repeated delivery.
   */
  phase?: ServerUpdate['phase']
  /** Highest command seq a snapshot held: older enqueue events are already in it. */
  snapshotSeq: number
}

/**
 * The summary of a server's queue from the admin API's view of it (`GET /_mock/servers/{id}`),
 * the same shape the mock's events carry.
 */
function summaryOfDetail(detail: QueueView): Summary {
  const queue = detail.queue ?? []
  const awaiting = detail.awaiting ?? []
  const awaitingHead = awaiting[0]
  const head = awaitingHead ?? queue[0]
  const total = queue.length + awaiting.length
  return {
    current: head
      ? {
          seq: head.seq,
          command_name: head.command_name,
          command_param: head.command_param,
          // A handed-out command was delivered even when the view doesn't count it.
          deliveries: awaitingHead ? Math.max(1, head.deliveries ?? 1) : (head.deliveries ?? 0),
          enqueuedAt: head.enqueuedAt ?? null,
        }
      : null,
    queued: head ? total - 1 : 0,
    awaiting: awaiting.length,
    scheduled: 0,
  }
}

/**
 * The watch's picture of the mock, projected: every queue-changing mock event carries the
 * server's resulting summary (`state`: current command, how many wait behind it), so a row is
 * that summary, with no queue rules replayed here. Turns each mock event into updates.
 *
 * @example
 * const projection = createMockProjection()
 * projection.apply(event) // { updates: [...], log: [...] }
 */
export function createMockProjection() {
  const servers = new Map<string, ServerProjection>()
  const server = (id: string): ServerProjection => {
    let found = servers.get(id)
    if (!found) {
      found = { failingSince: null, snapshotSeq: -1 }
      servers.set(id, found)
    }
    return found
  }

  /** What the row shows: the summary's current command and what waits behind it. */
  function view(id: string, summary: Summary, at: number): ServerUpdate {
    const projection = server(id)
    const current = summary.current
    const phase = current ? (current.deliveries > 0 ? 'delivered' : 'pending') : 'idle'
    const changed = phase !== projection.phase
    projection.phase = phase
    const since = current?.enqueuedAt ? Date.parse(current.enqueuedAt) : Number.NaN
    return {
      serverId: id,
      at,
      command: current ? commandInfo(current) : null,
      ...(Number.isNaN(since) ? {} : { commandSince: since }),
      queued: summary.queued,
      ...(changed ? { phase } : {}),
    }
  }

  function fail(
    id: string,
    at: number,
    error: ErrorInfo,
    extra: Partial<ServerUpdate> = {},
  ): ServerUpdate {
    server(id).failingSince = at
    return { serverId: id, at, error, ...extra }
  }

  const nothing = { updates: [], log: [] }

  return {
    /** Replaces what is known of a server with the mock's own view of it (`GET /_mock/servers/{id}`). */
    snapshot(id: string, detail: QueueView, at: number): ServerUpdate {
      const projection = server(id)
      const seqs = [...(detail.queue ?? []), ...(detail.awaiting ?? [])].map((c) => c.seq)
      projection.snapshotSeq = Math.max(-1, ...seqs)
      return view(id, summaryOfDetail(detail), at)
    },

    apply(event: MockEvent): { updates: ServerUpdate[]; log: LogEntry[]; resync?: boolean } {
      const at = Number.isNaN(Date.parse(event.at)) ? Date.now() : Date.parse(event.at)
      const global = (level: LogEntry['level'], message: string) => ({
        updates: [],
        log: [{ at, level, text: message }],
      })
      switch (event.type) {
        case 'enqueue': {
          const id = event.serverId
          // Events that arrived while a snapshot loaded: the snapshot already holds this one.
          if (event.command.seq <= server(id).snapshotSeq) return nothing
          const update = view(id, event.state, at)
          if (event.state.queued > 0) {
            update.note = {
              level: 'info',
              text: `${describeCommand(commandInfo(event.command))} queued behind ${event.state.queued} other${event.state.queued === 1 ? '' : 's'}`,
            }
          }
          return { updates: [update], log: [] }
        }
        case 'delivery': {
          const id = event.serverId
          server(id).failingSince = null
          const update: ServerUpdate = { ...view(id, event.state, at), poll: {}, error: null }
          if (event.detail.deliveries === 1) {
            update.note = {
              level: 'info',
              text: `${describeCommand(commandInfo(event.command))} delivered to the agent`,
            }
          }
          return { updates: [update], log: [] }
        }
        case 'result': {
          const id = event.serverId
          server(id).failingSince = null
          const detail = summarizeDetail(event.detail.result_detail)
          return {
            updates: [
              {
                ...view(id, event.state, at),
                error: null,
                result: {
                  command: commandInfo(event.command),
                  result: event.result,
                  ...(detail ? { detail } : {}),
                },
              },
            ],
            log: [],
          }
        }
        case 'result-rejected':
          return {
            updates: [
              fail(event.serverId, at, {
                status: 400,
                code: 'SMS.2009',
                message: `result rejected: ${event.message || event.reason || 'mismatch'}`,
                at,
              }),
            ],
            log: [],
          }
        case 'auth-failure': {
          const message = `auth failure (${event.reason || 'unknown'}): ${event.message}`.trim()
          if (!event.serverId) return global('warn', message)
          return {
            updates: [
              fail(event.serverId, at, {
                status: 401,
                code: event.reason || undefined,
                message,
                at,
              }),
            ],
            log: [],
          }
        }
        case 'fault': {
          const kind = event.fault.kind || 'fault'
          const message = `injected fault ${kind}${event.fault.detail ? ` (${event.fault.detail})` : ''}`
          if (!event.serverId) return global('warn', message)
          if (kind === 'latency') {
            return {
              updates: [{ serverId: event.serverId, at, note: { level: 'warn', text: message } }],
              log: [],
            }
          }
          return {
            updates: [fail(event.serverId, at, { code: `fault:${kind}`, message, at })],
            log: [],
          }
        }
        case 'fault-added': {
          const what = summarizeDetail(event.fault) ?? event.fault.kind
          if (event.serverId)
            return {
              updates: [
                {
                  serverId: event.serverId,
                  at,
                  note: { level: 'warn', text: `fault added: ${what}` },
                },
              ],
              log: [],
            }
          return global('warn', `fault added for every server: ${what}`)
        }
        case 'token': {
          if (event.reason === 'issued') {
            const user = text(event.detail.user)
            return global('info', `IAM token issued${user ? ` to ${user}` : ''}`)
          }
          const count = event.detail.count
          return global(
            'warn',
            `tokens ${event.reason}${typeof count === 'number' ? ` (${count})` : ''}`,
          )
        }
        case 'clock':
          return global(
            'info',
            `mock clock moved${summarizeDetail(event.detail) ? ` (${summarizeDetail(event.detail)})` : ''}`,
          )
        case 'reset':
          servers.clear()
          return { ...global('warn', 'the mock was reset'), resync: true }
        case 'server': {
          const id = event.serverId
          if (event.reason === 'deleted') {
            servers.delete(id)
            return {
              updates: [
                {
                  serverId: id,
                  at,
                  command: null,
                  queued: 0,
                  note: { level: 'warn', text: 'deleted from the mock' },
                },
              ],
              log: [],
            }
          }
          server(id)
          return {
            updates: [{ serverId: id, at, note: { level: 'info', text: event.reason } }],
            log: [],
          }
        }
        default:
          return nothing
      }
    },

    /** Servers whose last failure is older than `ttlMs` with no news since: no longer failing. */
    expire(now: number, ttlMs: number): ServerUpdate[] {
      const updates: ServerUpdate[] = []
      for (const [id, projection] of servers) {
        if (projection.failingSince !== null && now - projection.failingSince >= ttlMs) {
          projection.failingSince = null
          updates.push({ serverId: id, at: now, errorExpired: true })
        }
      }
      return updates
    },
  }
}
