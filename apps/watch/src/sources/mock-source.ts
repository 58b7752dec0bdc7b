import { type Scheduler, systemScheduler } from '@sms-command/core'
import { type MockEvent, type MockServerSummary, parseMockEvent } from '@sms-command/core/events'
import { followEventStream, type SseMessage } from '@sms-command/core/sse'
import type * as v from 'valibot'
import { describeCommand } from '../server-view.ts'
import type { CommandInfo, ErrorInfo, LogEntry, ServerUpdate, SourceStatus } from '../model.ts'
import { formatClock } from '../view/format.ts'
import { createSemaphore } from './api-source.ts'
import { DISCOVERY_RETRY_MAX_MS, retryDelayMs } from './discovery.ts'
import {
  countDropped,
  MockServerDetailSchema,
  MockServerListSchema,
  parseWire,
  type WireCommandSchema,
} from './wire-schemas.ts'

export type { MockEvent } from '@sms-command/core/events'

type WireCommand = v.InferOutput<typeof WireCommandSchema>

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
function summaryOfDetail(detail: {
  queue?: WireCommand[] | undefined
  awaiting?: WireCommand[] | undefined
}): Summary {
  const queue = detail.queue ?? []
  const awaiting = detail.awaiting ?? []
  const awaitingHead = awaiting[0]
  const head = awaitingHead ?? queue[0]
  const total = queue.length + awaiting.length
  return {
    current: head
      ? {
          seq: head.seq ?? -1,
          command_name: head.command_name,
          command_param: head.command_param ?? {},
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
    snapshot(
      id: string,
      detail: {
        queue?: WireCommand[] | undefined
        awaiting?: WireCommand[] | undefined
      },
      at: number,
    ): ServerUpdate {
      const projection = server(id)
      const seqs = [...(detail.queue ?? []), ...(detail.awaiting ?? [])].map((c) => c.seq ?? -1)
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

/** Options of {@link startMockSource}. */
export interface MockSourceOptions {
  url: URL
  adminToken?: string
  emit: (update: ServerUpdate) => void
  /** Declares servers (from the mock's list) so idle ones show too. */
  servers: (ids: string[]) => void
  status: (status: SourceStatus) => void
  log?: (entry: LogEntry) => void
  signal: AbortSignal
  fetch?: typeof fetch
  scheduler?: Scheduler
  /** Servers whose queue is fetched one by one at (re)connection; beyond, summaries only. */
  detailLimit?: number
  /** The mock's keep-alive interval; silence for 2.5× marks the source stale. */
  keepAliveMs?: number
}

/**
 * Follows a mock server live: `GET /_mock/events` (SSE) for enqueues, deliveries, results, auth
 * failures and faults, after a snapshot of `GET /_mock/servers` on every (re)connection so a watch
 * started mid-run shows what is already queued. Never throws; reconnects with backoff.
 *
 * @example
 * await startMockSource({ url: new URL('http://127.0.0.1:4010'), emit, servers, status, signal })
 */
export async function startMockSource(options: MockSourceOptions): Promise<void> {
  const scheduler = options.scheduler ?? systemScheduler
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const base = new URL(options.url)
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  const target = options.url.origin + (options.url.pathname === '/' ? '' : options.url.pathname)
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.adminToken !== undefined) headers.Authorization = `Bearer ${options.adminToken}`
  const projection = createMockProjection()
  const dropped = countDropped('mock', (entry) => options.log?.(entry), scheduler)
  const { signal } = options
  let snapshotting: Promise<void> | undefined
  let buffered: MockEvent[] | undefined
  // Failed snapshots in a row: the next is tried soon (capped backoff), not only when the
  // stream happens to reconnect — a failed list would otherwise leave the table empty.
  let snapshotFailures = 0

  const status = (
    state: SourceStatus['status'],
    message?: string,
    times: { since?: number | undefined; retryAt?: number | undefined } = {},
  ) =>
    options.status({
      kind: 'mock',
      target,
      status: state,
      message,
      at: scheduler.now(),
      ...(times.since !== undefined ? { since: times.since } : {}),
      ...(times.retryAt !== undefined ? { retryAt: times.retryAt } : {}),
    })

  const deliver = (event: MockEvent) => {
    const outcome = projection.apply(event)
    for (const update of outcome.updates) options.emit(update)
    for (const entry of outcome.log) options.log?.(entry)
    if (outcome.resync) void resync()
  }

  async function getJson<S extends v.GenericSchema>(
    path: string,
    schema: S,
  ): Promise<v.InferOutput<S>> {
    const url = new URL(path, base)
    const response = await fetchImpl(url, { headers, signal })
    if (!response.ok) throw new Error(`GET ${url.pathname} answered HTTP ${response.status}`)
    const parsed = parseWire(schema, await response.text())
    if (parsed === undefined) throw new Error(`GET ${url.pathname} answered an unexpected body`)
    return parsed
  }

  // Events that arrive while the snapshot loads are applied after it: the model is keyed by
  // event seq, so whatever the snapshot already holds is not counted twice.
  async function resync(): Promise<void> {
    if (snapshotting) return snapshotting
    buffered = []
    snapshotting = (async () => {
      try {
        const list = await getJson('_mock/servers', MockServerListSchema)
        const ids = list.servers.map((entry) => entry.id)
        options.servers(ids)
        const gate = createSemaphore(8)
        const limit = options.detailLimit ?? 2_000
        await Promise.all(
          ids.slice(0, limit).map(async (id) => {
            const release = await gate.acquire(signal)
            try {
              const detail = await getJson(
                `_mock/servers/${encodeURIComponent(id)}`,
                MockServerDetailSchema,
              )
              options.emit(projection.snapshot(id, detail, scheduler.now()))
            } finally {
              release()
            }
          }),
        )
        // The failure shown in the header is over (the stream itself reported live before).
        if (snapshotFailures > 0 && !signal.aborted) status('ok')
        snapshotFailures = 0
      } catch (error) {
        if (!signal.aborted) {
          snapshotFailures++
          const failures = snapshotFailures
          const delayMs = retryDelayMs(failures, undefined, DISCOVERY_RETRY_MAX_MS)
          const retryAt = scheduler.now() + delayMs
          status(
            'error',
            `snapshot failed, retry at ${formatClock(retryAt)}: ${error instanceof Error ? error.message : String(error)}`,
            { retryAt },
          )
          scheduler.sleep(delayMs, signal).then(
            () => {
              // A reconnection may have loaded it meanwhile.
              if (snapshotFailures === failures) void resync()
            },
            () => {},
          )
        }
      } finally {
        const pending = buffered ?? []
        buffered = undefined
        snapshotting = undefined
        for (const event of pending) deliver(event)
      }
    })()
    return snapshotting
  }

  const sweep = setInterval(() => {
    for (const update of projection.expire(scheduler.now(), PUSH_ERROR_TTL_MS)) options.emit(update)
  }, 5_000)
  sweep.unref?.()
  try {
    await followEventStream({
      url: new URL('_mock/events', base),
      headers,
      signal,
      fetch: fetchImpl,
      scheduler,
      keepAliveMs: options.keepAliveMs,
      onStatus: (state, message, info) => status(state, message, { since: info?.since }),
      onMessage: (message: SseMessage) => {
        if (message.event === 'ready') {
          void resync()
          return
        }
        const parsed = parseMockEvent(message.data)
        if (!parsed.success) {
          dropped(parsed.error)
          return
        }
        const event = parsed.event
        if (buffered) buffered.push(event)
        else deliver(event)
      },
    })
    await snapshotting
  } finally {
    clearInterval(sweep)
  }
}
