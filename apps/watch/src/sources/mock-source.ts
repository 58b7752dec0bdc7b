/**
 * The mock source's connection: a snapshot of `GET /_mock/servers` on every (re)connection, read
 * with the mock's own admin client (`@sms-command/mock-server/client`, whose schemas check every
 * answer), then `/_mock/events` through core's SSE reader, each event handed to the projection
 * (`mock-projection.ts`).
 *
 * @module
 */
import { type Scheduler, systemScheduler } from '@sms-command/core'
import { type MockEvent, parseMockEvent } from '@sms-command/core/events'
import { followEventStream, type SseMessage } from '@sms-command/core/sse'
import { createMockAdminClient, isMockAdminError } from '@sms-command/mock-server/client'
import type { LogEntry, ServerUpdate, SourceStatus } from '../model.ts'
import { formatClock } from '../view/format.ts'
import { createSemaphore } from './api-source.ts'
import { DISCOVERY_RETRY_MAX_MS, retryDelayMs } from './discovery.ts'
import { countDropped } from './dropped-events.ts'
import { createMockProjection, PUSH_ERROR_TTL_MS } from './mock-projection.ts'

export type { MockEvent } from '@sms-command/core/events'

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
  const target = options.url.origin + (options.url.pathname === '/' ? '' : options.url.pathname)
  const { signal } = options
  const admin = createMockAdminClient(options.url, {
    fetch: (request) => fetchImpl(request),
    signal,
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
  })
  const projection = createMockProjection()
  const dropped = countDropped('mock', (entry) => options.log?.(entry), scheduler)
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

  // Events that arrive while the snapshot loads are applied after it: the model is keyed by
  // event seq, so whatever the snapshot already holds is not counted twice.
  async function resync(): Promise<void> {
    if (snapshotting) return snapshotting
    buffered = []
    snapshotting = (async () => {
      try {
        const ids = (await admin.servers()).map((entry) => entry.id)
        options.servers(ids)
        const gate = createSemaphore(8)
        const limit = options.detailLimit ?? 2_000
        await Promise.all(
          ids.slice(0, limit).map(async (id) => {
            const release = await gate.acquire(signal)
            try {
              const detail = await admin.server(id)
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
            `snapshot failed, retry at ${formatClock(retryAt)}: ${snapshotFailure(error)}`,
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
      url: admin.eventsUrl(),
      headers: { ...admin.headers },
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

/**
 * Why a snapshot failed, in the words the header shows: the route, then its status, that its
 * answer had another shape, or that none came (with why).
 */
function snapshotFailure(error: unknown): string {
  if (!isMockAdminError(error)) return error instanceof Error ? error.message : String(error)
  const route = `${error.method} ${error.path}`
  if (error.status === 0) return error.message.replace(/^mock admin /, '')
  return error.status >= 200 && error.status < 300
    ? `${route} answered an unexpected body`
    : `${route} answered HTTP ${error.status}`
}
