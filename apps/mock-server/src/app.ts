import { systemScheduler } from '@sms-command/core'
import { Hono, type MiddlewareHandler } from 'hono'
import { ERROR_CODES, MockConfigError } from './errors.ts'
import { errorResponse, jsonResponse, nextRequestId } from './http.ts'
import { mockOpenApiDocument } from './openapi-sources.ts'
import {
  ConnectionDroppedError,
  inProcessRuntime,
  type MockOptions,
  type RuntimeAdapter,
  resolveSettings,
} from './options.ts'
import { clientMethod, headAsGet, rawPath } from './request.ts'
import { createAdminApp } from './routes/admin.ts'
import {
  announceFaults,
  answerWithFaults,
  baseEntry,
  dropBeforeEffect,
  injectedStatusAnswer,
  type RouteDeps,
} from './routes/context.ts'
import { createIamHandler } from './routes/iam.ts'
import { createDirectSmsHandler, createPollLane, createSmsHandler } from './routes/sms.ts'
import { createSourcesHandler } from './routes/sources.ts'
import { isThenable } from './routes/steps.ts'
import { httpDate } from './rules/gateway.ts'
import { checkSetting } from './settings.ts'
import { MemoryStore } from './store/memory-store.ts'
import type { MockStore, StoreSettings } from './store/store.ts'
import type { RequestLogInput } from './types.ts'

/** Handles on a running mock, beside its Hono app. */
export interface MockControls {
  store: MockStore
  settings: StoreSettings
  runtime: RuntimeAdapter
  /** Stops the store's timers. */
  dispose(): void
}

/** The Hono app of the mock, with its store and settings at `.mock`. */
export type MockApp = Hono & { readonly mock: MockControls }

/**
 * Builds the mock as a Hono app: the SMS command API (`/v3/sources/{id}/command`,
 * `/command_result`), the mock IAM (`POST /v3/auth/tokens`), `GET /openapi.json` and the admin
 * API under `/_mock`. Use it in process with `app.request(...)` or `app.fetch`, or serve it on
 * any runtime.
 *
 * @throws {MockConfigError} for an invalid scenario or option, naming the field.
 * @example
 * const app = createMockApp({ tokens: ['t0k3n'], demo: false })
 * await app.request('/_mock/servers', { method: 'POST', body: JSON.stringify({ id: 'srv-1' }) })
 * const res = await app.request('/v3/sources/srv-1/command', { headers: { 'X-Auth-Token': 't0k3n' } })
 * await res.json() // { command_name: '', command_param: {} }
 */
export function createMockApp(options: MockOptions = {}): MockApp {
  const settings = options.store?.settings ?? resolveSettings(options)
  const store = options.store ?? new MemoryStore(settings)
  const runtime = options.runtime ?? inProcessRuntime
  if (!runtime.dropConnection) {
    const index = settings.scenario.faults?.findIndex((f) => f.kind === 'drop-connection') ?? -1
    if (index >= 0) {
      throw new MockConfigError(
        `scenario.faults[${index}]`,
        `drop-connection is not supported on ${runtime.name}: ${runtime.dropUnsupported ?? 'no way to close a connection'}`,
      )
    }
  }
  const adminToken = options.adminToken
  if (adminToken !== undefined) checkSetting('adminToken', adminToken)
  const logError =
    options.logError ??
    ((message: string, error: unknown) => {
      console.error(`sms-mock: ${message}`, error instanceof Error ? error.message : error)
    })
  // An injected latency waits on core's real clock, which holds any wait (one past a timer's
  // limit goes in steps).
  const sleep = options.sleep ?? ((ms: number) => systemScheduler.sleep(ms))
  const deps: RouteDeps = { store, settings, runtime, sleep, logError }

  const app = new Hono()
  const mockDate = async () => httpDate(store.clockNow ? store.clockNow() : await store.now())
  // Every answer carries the mock clock's Date, so clients can measure (injected) skew. The SMS
  // routes write it themselves; these middlewares cover the rest without taxing the hot path.
  const dated: MiddlewareHandler = async (c, next) => {
    await next()
    c.res.headers.set('date', await mockDate())
  }
  app.use('/v3/auth/*', dated)
  app.use('/openapi.json', dated)
  app.use('/_mock', dated)
  app.use('/_mock/*', dated)
  const handleSms = createSmsHandler(deps)
  app.all('/v3/sources', createSourcesHandler(deps))
  app.all('/v3/sources/*', handleSms)
  app.post('/v3/auth/tokens', createIamHandler(deps))
  app.get('/openapi.json', async (c) => {
    const started = performance.now()
    const requestId = nextRequestId()
    const entry: RequestLogInput = {
      ...baseEntry(c, deps, requestId, '/openapi.json', 'openapi'),
      status: 200,
      durationMs: 0,
    }
    // Only `route: "any"` faults cover the document (README, Faults), the same way as elsewhere.
    const faults = await store.drawFaults(undefined, 'openapi')
    const record = (status: number) => {
      if (faults.hits.length > 0) entry.faults = faults.hits
      entry.status = status
      entry.durationMs = Math.round((performance.now() - started) * 100) / 100
      return store.journal(entry)
    }
    if (faults.hits.length > 0) {
      await announceFaults(deps, faults, requestId)
      const dropped = dropBeforeEffect(c, faults, deps, record)
      if (dropped) return dropped
      if (faults.status) {
        const answer = injectedStatusAnswer(faults.status)
        entry.errorCode = answer.code
        const refusal = errorResponse(answer.status, answer.code, answer.message, requestId, {
          date: await mockDate(),
          ...answer.headers,
        })
        return answerWithFaults(c, refusal, faults, deps, record)
      }
    }
    const document = mockOpenApiDocument(new URL(c.req.url).origin)
    return answerWithFaults(c, jsonResponse(200, document, requestId), faults, deps, record)
  })
  app.route(
    '/_mock',
    createAdminApp({ ...deps, adminToken, eventKeepAliveMs: options.eventKeepAliveMs }),
  )

  app.notFound(async (c) => {
    const requestId = nextRequestId()
    const path = rawPath(c.req.url)
    const method = clientMethod(c.req.raw)
    const date = { date: await mockDate() }
    if (path === '/_mock' || path.startsWith('/_mock/')) {
      return errorResponse(404, 'MOCK.0404', `no admin route ${method} ${path}`, requestId, date)
    }
    await store.journal({
      ...baseEntry(c, deps, requestId, path, 'other'),
      status: 404,
      durationMs: 0,
      errorCode: ERROR_CODES.unknownApi,
    })
    // The text names the request's own method (GET for a HEAD answered as GET): a HEAD's
    // Content-Length is then the GET's, as RFC 9110 §9.3.2 has it. The journal keeps HEAD.
    return errorResponse(
      404,
      ERROR_CODES.unknownApi,
      `The API does not exist or has not been published: ${c.req.raw.method} ${path.slice(0, 200)}`,
      requestId,
      date,
    )
  })

  const unexpected = (error: unknown, method: string, path: string): Response => {
    // An injected dropped connection must leave app.fetch as a rejection, like fetch's.
    if (error instanceof ConnectionDroppedError) throw error
    logError(`unexpected error on ${method} ${path.slice(0, 200)}`, error)
    return errorResponse(500, ERROR_CODES.internal, 'Background exception.', nextRequestId(), {
      date: httpDate(store.clockNow ? store.clockNow() : settings.clock()),
    })
  }
  app.onError((error, c) => unexpected(error, clientMethod(c.req.raw), rawPath(c.req.url)))

  // HEAD is answered as GET without a body. Done here rather than by Hono, whose
  // `new Response(null, response)` loses the headers (X-Request-Id) under @hono/node-server.
  // The GET is marked (`headAsGet`): the routes journal, explain and verify signatures with the
  // method the client sent (`clientMethod`), HEAD.
  const dispatch = app.fetch
  const head = async (
    request: Request,
    env: unknown,
    executionCtx: ExecutionContext | undefined,
  ) => {
    const response = await dispatch(headAsGet(request), env, executionCtx)
    const headers = new Headers(response.headers)
    // RFC 9110 §9.3.2: a HEAD answer's Content-Length, if sent, is the GET's. A bodiless Response
    // gets `content-length: 0` from Bun and Deno and none from Node, so the GET's body is counted
    // here. An event stream never ends: it is not read (its GET has no length either).
    const streams = headers.get('content-type')?.startsWith('text/event-stream') ?? false
    if (response.body && !streams && !headers.has('content-length')) {
      headers.set('content-length', String((await response.arrayBuffer()).byteLength))
    } else {
      await response.body?.cancel()
    }
    return new Response(null, { status: response.status, headers })
  }
  // The SMS routes skip Hono's routing and Context (they cost more than the rest of a poll) and
  // answer synchronously from a memory store; app.fetch is not async, so that Response reaches
  // the runtime as is (@hono/node-server's fast path). Failures end as they do through Hono.
  // Hence also the mock's own request id and body limit here (http.ts `nextRequestId`,
  // `readBodyLimited`) where the admin API uses Hono's `requestId()` and `bodyLimit()`: measured
  // with `bench --with-hono` (bench/mock-via-hono.mjs: the same mock behind Hono's router and
  // those two middlewares), polls per second in the same alternating rounds, 2026-12-08 on a
  // shared 2-core machine (load 12–23, so only the pairs compare): mock 6,863 / 8,186 / 9,166
  // vs 3,411 / 5,719 / 5,966 through Hono (0.50–0.70 of it); a second run 10,584 / 7,596 / 9,453
  // vs 2,128 / 1,546 / 3,063 (0.20–0.32). Either way Hono on this path would take the mock far
  // below 0.75 of a bare node:http server.
  const direct = createDirectSmsHandler(deps)
  const lane = createPollLane(deps)
  app.fetch = (request, env, executionCtx) => {
    const method = request.method
    if (method === 'HEAD') return head(request, env, executionCtx)
    const path = rawPath(request.url)
    try {
      if (!path.startsWith('/v3/sources/')) return dispatch(request, env, executionCtx)
      if (lane !== undefined && method === 'GET') {
        const polled = lane(request, path)
        if (polled !== undefined) return polled
      }
      const answer = direct(request, method, path, env)
      if (!isThenable(answer)) return answer
      return Promise.resolve(answer).catch((error: unknown) => unexpected(error, method, path))
    } catch (error) {
      try {
        return unexpected(error, method, path)
      } catch (dropped) {
        return Promise.reject(dropped)
      }
    }
  }

  return Object.assign(app, {
    mock: { store, settings, runtime, dispose: () => store.dispose() },
  })
}
