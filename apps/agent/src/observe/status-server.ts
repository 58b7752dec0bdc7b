import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Scheduler } from '@sms-command/core'
import { errorFields } from '@sms-command/core/events'
import { parseEventId, SSE_KEEP_ALIVE_MS } from '@sms-command/core/sse'
import type { Logger } from '../logger.ts'
import { streamEvents } from './event-stream.ts'
import type { AgentMetrics } from './metrics.ts'

/** What `/healthz` answers. */
export interface HealthReport {
  ok: boolean
  body: Record<string, unknown>
}

/** Options of {@link startStatusServer}. */
export interface StatusServerOptions {
  host: string
  port: number
  logger: Logger
  metrics: AgentMetrics
  health: () => HealthReport
  /**
   * Interval of the `: keep-alive` comments on `/events`, so a reader can tell a quiet agent from
   * a dead connection (core's SSE reader marks a stream stale after 2.5 intervals of silence).
   * Default {@link SSE_KEEP_ALIVE_MS} (15 s).
   */
  keepAliveMs?: number
}

/** A running status server. */
export interface StatusServer {
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/**
 * Serves the agent's status over HTTP (node:http, so the same code runs on Node, Bun and Deno):
 * - `GET /healthz`: 200 while healthy, 503 otherwise, with a JSON body saying why;
 * - `GET /metrics`: OpenMetrics text;
 * - `GET /events`: Server-Sent Events, one `data:` line per log event (the same JSON as the
 *   NDJSON log, every level, each an `AgentEvent` of `@sms-command/core/events`), with `id:` so a
 *   client can resume with `Last-Event-ID`, and a `: keep-alive` comment every `keepAliveMs`. A
 *   new client first gets the recent history.
 *
 * @example
 * const server = await startStatusServer({ host: '127.0.0.1', port: 0, logger, metrics, health })
 * console.log(server.url) // http://127.0.0.1:40123
 */
export function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const streams = new Set<ServerResponse>()
  const keepAliveMs = options.keepAliveMs ?? SSE_KEEP_ALIVE_MS

  const server = createServer((request, response) => {
    try {
      route(request, response)
    } catch (error) {
      options.logger.warn('status.error', { error: errorFields(error) })
      if (!response.headersSent) response.writeHead(500).end()
    }
  })

  function route(request: IncomingMessage, response: ServerResponse) {
    const path = (request.url ?? '/').split('?')[0]
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    switch (path) {
      case '/healthz': {
        const report = options.health()
        const body = `${JSON.stringify(report.body)}\n`
        response
          .writeHead(report.ok ? 200 : 503, {
            'Content-Type': 'application/json',
            'Cache-Control': 'no-store',
          })
          .end(request.method === 'HEAD' ? undefined : body)
        return
      }
      case '/metrics':
        response
          .writeHead(200, { 'Content-Type': OPENMETRICS, 'Cache-Control': 'no-store' })
          .end(request.method === 'HEAD' ? undefined : options.metrics.render())
        return
      case '/events':
        openStream(request, response)
        return
      default:
        response
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('not found: try /healthz, /metrics or /events\n')
    }
  }

  function openStream(request: IncomingMessage, response: ServerResponse) {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    // A malformed Last-Event-ID (no SSE client sends one: they echo our ids) replays the history.
    const lastEventId = request.headers['last-event-id']
    const unsubscribe = streamEvents(
      options.logger.published,
      {
        write: (chunk) => response.write(chunk),
        backlog: () => response.writableLength,
        destroy: () => response.destroy(),
      },
      {
        after: parseEventId(typeof lastEventId === 'string' ? lastEventId : undefined) ?? 0,
        keepAliveMs,
      },
    )
    streams.add(response)
    const cleanUp = () => {
      unsubscribe()
      streams.delete(response)
    }
    response.on('close', cleanUp)
    request.on('close', cleanUp)
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      const address = server.address() as AddressInfo
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      resolve({
        port: address.port,
        url: `http://${host}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const stream of streams) stream.end()
            streams.clear()
            server.close(() => done())
            ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
          }),
      })
    })
  })
}

/** Options of {@link keepStatusServer}. */
export interface KeepStatusServerOptions extends StatusServerOptions {
  /** Paces the retries (core's scheduler; a virtual one in tests). */
  scheduler: Pick<Scheduler, 'sleep'>
  /** Called each time the server starts listening (the first try or a later one). */
  onListening: (server: StatusServer) => void
  /** Called after each failed try, with the try's number and the delay before the next. */
  onUnavailable: (error: unknown, attempt: number, delayMs: number) => void
  /** Delay before try `attempt + 1`; default 1 s doubling to at most 60 s. */
  retryDelayMs?: (attempt: number) => number
}

/** A status server that is listening, or is being retried. */
export interface KeptStatusServer {
  /** The listening server, once there is one. */
  readonly current: StatusServer | undefined
  /** Stops retrying and closes the server if it listens. */
  close(): Promise<void>
}

/** 1 s, 2 s, 4 s, … at most 60 s. */
export function statusRetryDelayMs(attempt: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.min(attempt - 1, 6))
}

/**
 * Starts the status server and keeps trying when it can't listen (the port taken, e.g. 9464 by
 * an OpenTelemetry collector's Prometheus exporter; an address not up yet): observability
 * failing never stops delivery. Resolves after the first try, either way; later tries run in
 * the background until one listens or {@link KeptStatusServer.close} is called.
 *
 * @example
 * const status = await keepStatusServer({ host, port: 9464, logger, metrics, health, scheduler,
 *   onListening: (server) => logger.info('status.listening', { url: server.url }),
 *   onUnavailable: (error, attempt, delay) => warn(error, attempt, delay) })
 */
export async function keepStatusServer(
  options: KeepStatusServerOptions,
): Promise<KeptStatusServer> {
  const stop = new AbortController()
  const delayOf = options.retryDelayMs ?? statusRetryDelayMs
  let current: StatusServer | undefined
  let attempt = 0
  const tryOnce = async (): Promise<boolean> => {
    attempt++
    try {
      const server = await startStatusServer(options)
      if (stop.signal.aborted) {
        await server.close()
        return true
      }
      current = server
      options.onListening(server)
      return true
    } catch (error) {
      options.onUnavailable(error, attempt, delayOf(attempt))
      return false
    }
  }
  const retry = async () => {
    while (!stop.signal.aborted) {
      try {
        await options.scheduler.sleep(delayOf(attempt), stop.signal)
      } catch {
        return
      }
      if (await tryOnce()) return
    }
  }
  if (!(await tryOnce())) void retry()
  return {
    get current() {
      return current
    },
    async close() {
      stop.abort()
      await current?.close()
    },
  }
}

/** Options of {@link healthReport}. */
export interface HealthInputs {
  now: number
  state: string
  lastSuccessfulPollAt: number | undefined
  handlerRunning: boolean
  /** A poll older than this is stale. */
  maxAgeMs: number
  extra?: Record<string, unknown>
}

/**
 * Healthy while a handler runs or the last successful poll is recent; unhealthy before the
 * first successful poll and during an outage.
 *
 * @example
 * healthReport({ now, state: 'polling', lastSuccessfulPollAt: now - 5_000, handlerRunning: false, maxAgeMs: 30_000 }).ok // true
 */
export function healthReport(inputs: HealthInputs): HealthReport {
  const age =
    inputs.lastSuccessfulPollAt === undefined ? undefined : inputs.now - inputs.lastSuccessfulPollAt
  const recent = age !== undefined && age <= inputs.maxAgeMs
  const ok = inputs.handlerRunning || recent
  const status = ok ? 'ok' : inputs.lastSuccessfulPollAt === undefined ? 'starting' : 'stale'
  return {
    ok,
    body: {
      status,
      state: inputs.state,
      last_successful_poll_at:
        inputs.lastSuccessfulPollAt === undefined
          ? null
          : new Date(inputs.lastSuccessfulPollAt).toISOString(),
      last_successful_poll_age_ms: age ?? null,
      max_age_ms: inputs.maxAgeMs,
      ...inputs.extra,
    },
  }
}
