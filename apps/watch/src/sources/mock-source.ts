import { type Scheduler, systemScheduler } from '@sms-command/core'
import type * as v from 'valibot'
import { describeCommand } from '../fleet.ts'
import type { CommandInfo, ErrorInfo, LogEntry, ServerUpdate, SourceStatus } from '../model.ts'
import { createSemaphore } from './api-source.ts'
import { followEventStream, type SseMessage } from './sse.ts'
import {
  type MockEvent,
  MockEventSchema,
  MockServerDetailSchema,
  MockServerListSchema,
  parseWire,
  type WireCommandSchema,
} from './wire-schemas.ts'

export type { MockEvent } from './wire-schemas.ts'

type WireCommand = v.InferOutput<typeof WireCommandSchema>

interface Tracked {
  seq: number
  command: CommandInfo
  delivered: boolean
  /** When it was enqueued (mock clock), when known. */
  since?: number | undefined
}

interface ServerModel {
  /** `ack` keeps the head current until its result; `pop` hands it out once (API.md §2). */
  mode: 'ack' | 'pop'
  queue: Tracked[]
  /** Handed out in `pop` mode, waiting for their result. */
  awaiting: Tracked[]
  /** When the last failure was seen, to let it expire (push sources see no quiet successes). */
  failingSince: number | null
  /**
   * The phase last sent. Only changes are sent, so a phase another source knows better (an
   * agent's `running`) is not overwritten by every repeated delivery.
   */
  phase?: ServerUpdate['phase']
}

/** How long a failure seen on the stream keeps a server in the `error` state without news. */
export const PUSH_ERROR_TTL_MS = 30_000

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

function commandInfo(command: WireCommand): CommandInfo {
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

/**
 * The watch's picture of the mock: per server the queue and what was handed out, kept by event
 * `seq` so replayed or duplicated events change nothing. Turns each mock event into updates.
 *
 * @example
 * const model = createMockModel()
 * model.apply(event) // { updates: [...], log: [...] }
 */
export function createMockModel() {
  const servers = new Map<string, ServerModel>()
  const server = (id: string): ServerModel => {
    let found = servers.get(id)
    if (!found) {
      found = { mode: 'ack', queue: [], awaiting: [], failingSince: null }
      servers.set(id, found)
    }
    return found
  }

  /** What the row shows: the handed-out command, else the head of the queue. */
  function view(id: string, model: ServerModel, at: number): ServerUpdate {
    const shown = model.awaiting[0] ?? model.queue[0]
    const total = model.queue.length + model.awaiting.length
    const phase = shown ? (shown.delivered ? 'delivered' : 'pending') : 'idle'
    const changed = phase !== model.phase
    model.phase = phase
    return {
      serverId: id,
      at,
      command: shown ? shown.command : null,
      ...(shown?.since !== undefined ? { commandSince: shown.since } : {}),
      queued: shown ? total - 1 : 0,
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

  return {
    /** Replaces what is known of a server with the mock's own view of it (`GET /_mock/servers/{id}`). */
    snapshot(
      id: string,
      detail: {
        delivery?: string | undefined
        queue?: WireCommand[] | undefined
        awaiting?: WireCommand[] | undefined
      },
      at: number,
    ): ServerUpdate {
      const track = (command: WireCommand, delivered: boolean): Tracked => {
        const since =
          typeof command.enqueuedAt === 'string' ? Date.parse(command.enqueuedAt) : Number.NaN
        return {
          seq: command.seq ?? -1,
          command: commandInfo(command),
          delivered,
          ...(Number.isNaN(since) ? {} : { since }),
        }
      }
      const model: ServerModel = {
        mode: detail.delivery === 'pop' ? 'pop' : 'ack',
        queue: (detail.queue ?? []).map((command) => track(command, (command.deliveries ?? 0) > 0)),
        awaiting: (detail.awaiting ?? []).map((command) => track(command, true)),
        failingSince: servers.get(id)?.failingSince ?? null,
      }
      servers.set(id, model)
      return view(id, model, at)
    },

    apply(event: MockEvent): { updates: ServerUpdate[]; log: LogEntry[]; resync?: boolean } {
      const at = Number.isNaN(Date.parse(event.at)) ? Date.now() : Date.parse(event.at)
      const id = event.serverId
      const global = (level: LogEntry['level'], message: string) => ({
        updates: [],
        log: [{ at, level, text: message }],
      })
      switch (event.type) {
        case 'enqueue': {
          if (!id || !event.command) return { updates: [], log: [] }
          const model = server(id)
          const seq = event.command.seq ?? -1
          if (
            model.queue.some((item) => item.seq === seq) ||
            model.awaiting.some((item) => item.seq === seq)
          ) {
            return { updates: [], log: [] }
          }
          const tracked: Tracked = {
            seq,
            command: commandInfo(event.command),
            delivered: false,
            since: at,
          }
          model.queue.push(tracked)
          model.queue.sort((a, b) => a.seq - b.seq)
          const update = view(id, model, at)
          if (model.queue.length + model.awaiting.length > 1) {
            update.note = {
              level: 'info',
              text: `${describeCommand(tracked.command)} queued behind ${update.queued} other${update.queued === 1 ? '' : 's'}`,
            }
          }
          return { updates: [update], log: [] }
        }
        case 'delivery': {
          if (!id || !event.command) return { updates: [], log: [] }
          const model = server(id)
          const seq = event.command.seq ?? -1
          if (event.detail?.mode === 'pop') model.mode = 'pop'
          const index = model.queue.findIndex((item) => item.seq === seq)
          if (model.mode === 'pop' && index >= 0) {
            const [taken] = model.queue.splice(index, 1)
            if (taken) model.awaiting.push({ ...taken, delivered: true })
          } else if (index >= 0) {
            const item = model.queue[index]
            if (item) item.delivered = true
          } else if (!model.awaiting.some((item) => item.seq === seq)) {
            // Delivered before we knew of it (we connected late): it is what the server holds now.
            const tracked = { seq, command: commandInfo(event.command), delivered: true }
            if (model.mode === 'pop') model.awaiting.push(tracked)
            else model.queue.unshift(tracked)
          }
          model.failingSince = null
          const deliveries = Number(event.detail?.deliveries ?? 1)
          const update: ServerUpdate = { ...view(id, model, at), poll: {}, error: null }
          if (deliveries === 1) {
            update.note = {
              level: 'info',
              text: `${describeCommand(commandInfo(event.command))} delivered to the agent`,
            }
          }
          return { updates: [update], log: [] }
        }
        case 'result': {
          if (!id || !event.command) return { updates: [], log: [] }
          const model = server(id)
          const seq = event.command.seq ?? -1
          model.queue = model.queue.filter((item) => item.seq !== seq)
          model.awaiting = model.awaiting.filter((item) => item.seq !== seq)
          model.failingSince = null
          const detail = summarizeDetail(event.detail?.result_detail)
          return {
            updates: [
              {
                ...view(id, model, at),
                error: null,
                result: {
                  command: commandInfo(event.command),
                  result: event.result === 'fail' ? 'fail' : 'success',
                  ...(detail ? { detail } : {}),
                },
              },
            ],
            log: [],
          }
        }
        case 'result-rejected':
          if (!id) return global('warn', event.message ?? 'a result was rejected')
          return {
            updates: [
              fail(id, at, {
                status: 400,
                code: 'SMS.2009',
                message: `result rejected: ${event.message ?? event.reason ?? 'mismatch'}`,
                at,
              }),
            ],
            log: [],
          }
        case 'auth-failure': {
          const message =
            `auth failure (${event.reason ?? 'unknown'}): ${event.message ?? ''}`.trim()
          if (!id) return global('warn', message)
          return {
            updates: [fail(id, at, { status: 401, code: event.reason ?? undefined, message, at })],
            log: [],
          }
        }
        case 'fault': {
          const kind = event.fault?.kind ?? 'fault'
          const message = `injected fault ${kind}${event.fault?.detail ? ` (${event.fault.detail})` : ''}`
          if (!id) return global('warn', message)
          if (kind === 'latency') {
            return {
              updates: [{ serverId: id, at, note: { level: 'warn', text: message } }],
              log: [],
            }
          }
          return { updates: [fail(id, at, { code: `fault:${kind}`, message, at })], log: [] }
        }
        case 'fault-added': {
          const what =
            text(event.message) ?? summarizeDetail(event.detail) ?? event.fault?.kind ?? 'a fault'
          if (id)
            return {
              updates: [
                { serverId: id, at, note: { level: 'warn', text: `fault added: ${what}` } },
              ],
              log: [],
            }
          return global('warn', `fault added for every server: ${what}`)
        }
        case 'token': {
          if (event.reason === 'issued') {
            const user = text(event.detail?.user)
            return global('info', `IAM token issued${user ? ` to ${user}` : ''}`)
          }
          const count = event.detail?.count
          return global(
            'warn',
            `tokens ${event.reason ?? 'changed'}${typeof count === 'number' ? ` (${count})` : ''}`,
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
        case 'server':
          if (!id) return { updates: [], log: [] }
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
            updates: [
              { serverId: id, at, note: { level: 'info', text: event.reason ?? 'registered' } },
            ],
            log: [],
          }
        default:
          return { updates: [], log: [] }
      }
    },

    /** Servers whose last failure is older than `ttlMs` with no news since: no longer failing. */
    expire(now: number, ttlMs: number): ServerUpdate[] {
      const updates: ServerUpdate[] = []
      for (const [id, model] of servers) {
        if (model.failingSince !== null && now - model.failingSince >= ttlMs) {
          model.failingSince = null
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
  const model = createMockModel()
  const { signal } = options
  let snapshotting: Promise<void> | undefined
  let buffered: MockEvent[] | undefined

  const status = (state: SourceStatus['status'], message?: string) =>
    options.status({ kind: 'mock', target, status: state, message, at: scheduler.now() })

  const deliver = (event: MockEvent) => {
    const outcome = model.apply(event)
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
              options.emit(model.snapshot(id, detail, scheduler.now()))
            } finally {
              release()
            }
          }),
        )
      } catch (error) {
        if (!signal.aborted)
          status(
            'error',
            `snapshot failed: ${error instanceof Error ? error.message : String(error)}`,
          )
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
    for (const update of model.expire(scheduler.now(), PUSH_ERROR_TTL_MS)) options.emit(update)
  }, 5_000)
  sweep.unref?.()
  try {
    await followEventStream({
      url: new URL('_mock/events', base),
      headers,
      signal,
      fetch: fetchImpl,
      scheduler,
      onStatus: (state, message) => status(state, message),
      onMessage: (message: SseMessage) => {
        if (message.event === 'ready') {
          void resync()
          return
        }
        const event = parseWire(MockEventSchema, message.data)
        if (!event) return
        if (buffered) buffered.push(event)
        else deliver(event)
      },
    })
    await snapshotting
  } finally {
    clearInterval(sweep)
  }
}
