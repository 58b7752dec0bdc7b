import { CommandResultSchema, LIMITS } from '@sms-command/core'
import type { Context } from 'hono'
import * as v from 'valibot'
import { ERROR_CODES } from '../errors.ts'
import {
  type BodyRead,
  datedJsonHeaders,
  errorResponse,
  MAX_BODY_BYTES,
  nextRequestId,
  parseJsonObject,
  readBodyLimited,
  undatedJsonHeaders,
} from '../http.ts'
import { clientMethod, rawPath } from '../request.ts'
import type { FaultSelection } from '../rules/faults.ts'
import { httpDate } from '../rules/gateway.ts'
import { firstIssue } from '../scenario.ts'
import type { DeliverResult, ReportResult } from '../store/store.ts'
import type { IdleShape, QueuedCommand, RequestLogInput } from '../types.ts'
import {
  announceFaults,
  answerWithFaults,
  dropBeforeEffect,
  injectedStatusAnswer,
  type RouteDeps,
} from './context.ts'
import {
  authenticateSmsRequest,
  BODY_REFUSAL_STATUS,
  checkJsonContentType,
  GATEWAY_MAX_BODY_BYTES,
  refusalEntry,
  signsBody,
  unusableToken,
} from './sms-auth.ts'
import { isThenable, runSteps, type Steps } from './steps.ts'

export { authenticateSmsRequest, refusalEntry, signsBody, unusableToken }

const SOURCES_PREFIX = '/v3/sources/'
const MIN_SERVER_ID = LIMITS.serverId.min
const MIN_TOKEN = LIMITS.authToken.min
const MAX_TOKEN = LIMITS.authToken.max
const MAX_SERVER_ID = LIMITS.serverId.max

/**
 * Matches `/v3/sources/{segment}/command` or `…/command_result` (the segment still
 * percent-encoded; empty allowed, so that it gets a 400 naming `server_id`), without a regular
 * expression: this runs on every request.
 *
 * @example
 * matchSmsPath('/v3/sources/srv%201/command') // { segment: 'srv%201', route: 'command' }
 */
export function matchSmsPath(
  path: string,
): { segment: string; route: 'command' | 'command_result' } | null {
  if (!path.startsWith(SOURCES_PREFIX)) return null
  const slash = path.indexOf('/', SOURCES_PREFIX.length)
  if (slash < 0) return null
  const rest = path.length - slash - 1
  let route: 'command' | 'command_result'
  if (rest === 7 && path.endsWith('command')) route = 'command'
  else if (rest === 14 && path.endsWith('command_result')) route = 'command_result'
  else return null
  return { segment: path.slice(SOURCES_PREFIX.length, slash), route }
}

const EMPTY_BODY = new Uint8Array(0)

const IDLE_BODIES: Record<IdleShape, string | null> = {
  'empty-name': '{"command_name":"","command_param":{}}',
  'empty-object': '{}',
  'null-name': '{"command_name":null}',
  'null-body': 'null',
  'empty-body': '',
  'no-content': null,
}

// A queued command never changes, so its JSON is built once (per object: a Durable Object
// store hands out copies, which just miss the cache).
const bodies = new WeakMap<QueuedCommand, string>()

function commandBody(command: QueuedCommand): string {
  let body = bodies.get(command)
  if (body === undefined) {
    body = JSON.stringify({
      command_name: command.command_name,
      command_param: command.command_param,
    })
    bodies.set(command, body)
  }
  return body
}

/**
 * The runtime's own `Date` says the same as the mock's while the mock clock is the real one: one
 * header less to build on the hottest answer (a Date header costs Deno.serve ~0.7 µs a Response).
 */
function runtimeDates(deps: RouteDeps): boolean {
  return deps.runtime.datesAnswers === true && deps.store.clockIsReal?.() === true
}

/**
 * The answer to a poll: the command, or the server's idle shape. `date` is omitted when the
 * runtime writes it.
 */
function pollAnswer(
  command: QueuedCommand | null,
  idle: IdleShape,
  requestId: string,
  date: string | undefined,
): Response {
  if (command) {
    return new Response(commandBody(command), {
      status: 200,
      headers:
        date === undefined ? undatedJsonHeaders(requestId) : datedJsonHeaders(requestId, date),
    })
  }
  const body = IDLE_BODIES[idle]
  if (body === null) {
    return new Response(null, {
      status: 204,
      headers:
        date === undefined ? { 'x-request-id': requestId } : { 'x-request-id': requestId, date },
    })
  }
  return new Response(body, {
    status: 200,
    headers: date === undefined ? undatedJsonHeaders(requestId) : datedJsonHeaders(requestId, date),
  })
}

/**
 * Handles `GET /v3/sources/{server_id}/command` and `POST …/command_result` (docs/api.md §1–2),
 * checking, in order: path (404) → injected faults → body read bounded at 1 MiB, for an AK/SK
 * signature only (it covers the body) → credentials (401) → rate limit (429) → body read bounded
 * at 10,240 bytes, for a token → method (401 `SMS.2003`) → server id (400) → Content-Type
 * (401 `SMS.2005`/`SMS.2006`) and body size (401 `SMS.2004`) → body (400) → server (404, 403) →
 * delivery model (400 `SMS.2009`): the gateway's answers before SMS's, as in production.
 */
export function createSmsHandler(deps: RouteDeps) {
  return (c: Context) =>
    runSteps(
      handleSms(deps, c.req.raw, clientMethod(c.req.raw), rawPath(c.req.raw.url), undefined, c),
    )
}

/**
 * The same handler for a request that has not been through Hono (the app's fast path for
 * `/v3/sources/…`): routing and a Context cost more than the rest of a poll. `env` is the
 * runtime's (Node's holds the socket a dropped-connection fault destroys).
 *
 * @example
 * const handle = createDirectSmsHandler(deps)
 * handle(request, request.method, rawPath(request.url), env) // Response | Promise<Response>
 */
export function createDirectSmsHandler(deps: RouteDeps) {
  return (request: Request, method: string, path: string, env: unknown) =>
    runSteps(handleSms(deps, request, method, path, env, undefined))
}

/**
 * The poll lane: the common poll (`GET …/command`, a valid token of the server's account, no
 * fault armed, no rate limit) answered by the store's `pollPlain` in one synchronous step, with
 * the same answer, journal line and events as the full path. `undefined` for a store without
 * `pollPlain`; the lane itself returns `undefined` for any other request, having changed nothing
 * but the request id counter, and the caller sends it down the full path.
 *
 * @example
 * const lane = createPollLane(deps)
 * const answer = lane?.(request, rawPath(request.url)) ?? direct(request, request.method, path, env)
 */
export function createPollLane(
  deps: RouteDeps,
): ((request: Request, path: string) => Response | Promise<Response> | undefined) | undefined {
  const { store, settings } = deps
  if (store.pollPlain === undefined) return undefined
  return (request, path) => {
    const match = matchSmsPath(path)
    if (match === null || match.route !== 'command') return undefined
    const serverId = match.segment
    if (
      serverId.length < MIN_SERVER_ID ||
      serverId.length > MAX_SERVER_ID ||
      serverId.includes('%')
    ) {
      return undefined
    }
    const token = request.headers.get('x-auth-token')
    if (token === null || token.length < MIN_TOKEN || token.length > MAX_TOKEN) return undefined
    const requestId = nextRequestId()
    const polled = store.pollPlain?.(serverId, token, requestId)
    if (polled === undefined) return undefined
    const response = pollAnswer(
      polled.command,
      polled.idle,
      requestId,
      runtimeDates(deps) ? undefined : httpDate(polled.now),
    )
    const line: RequestLogInput = {
      atMs: settings.clock(),
      requestId,
      method: 'GET',
      path,
      route: 'command',
      serverId,
      auth: polled.principal,
      status: response.status,
      // Answered synchronously in a few microseconds, below the journal's 0.01 ms resolution;
      // two reads of performance.now() would cost a tenth of the lane on Bun to write 0.
      durationMs: 0,
    }
    if (polled.command) line.command = polled.command.command_name
    const written = store.journal(line)
    return written ? written.then(() => response) : response
  }
}

/**
 * What the runtimes' `dropConnection` read of a Context (the request and the env), for a request
 * that skipped Hono; built only when a fault drops a connection.
 */
function contextFor(request: Request, path: string, env: unknown): Context {
  return { req: { raw: request, method: request.method, url: request.url, path }, env } as never
}

function* handleSms(
  deps: RouteDeps,
  request: Request,
  requestMethod: string,
  path: string,
  env: unknown,
  context: Context | undefined,
): Steps<Response> {
  const { store } = deps
  const started = performance.now()
  const requestId = nextRequestId()
  const match = matchSmsPath(path)
  const route = match?.route ?? 'command'
  const now = (store.clockNow ? store.clockNow() : yield store.now()) as number
  const entry: Omit<RequestLogInput, 'status' | 'durationMs'> = {
    atMs: deps.settings.clock(),
    requestId,
    method: requestMethod,
    path,
    route: match ? route : 'other',
  }
  const date = httpDate(now)
  let faults: FaultSelection | undefined
  const record = (status: number, extra?: Partial<RequestLogInput>) => {
    const line = entry as RequestLogInput
    if (extra) Object.assign(line, extra)
    if (faults && faults.hits.length > 0) line.faults = faults.hits
    line.status = status
    line.durationMs = Math.round((performance.now() - started) * 100) / 100
    return store.journal(line)
  }
  // Every answer, a refusal too, goes out through the faults that fired on the request.
  const finish = (
    response: Response,
    extra?: Partial<RequestLogInput>,
  ): Response | Promise<Response> => {
    if (faults?.response === undefined) {
      const written = record(response.status, extra)
      return written ? written.then(() => response) : response
    }
    return answerWithFaults(
      () => context ?? contextFor(request, path, env),
      response,
      faults,
      deps,
      (status) => record(status, extra),
    )
  }
  // A refusal; `yield fail(…)` waits for a journal that writes remotely.
  const fail = (
    status: number,
    code: string,
    message: string,
    extra?: Partial<RequestLogInput>,
    headers?: Record<string, string>,
  ) =>
    finish(errorResponse(status, code, message, requestId, { date, ...headers }), {
      ...extra,
      errorCode: code,
    })

  if (!match) {
    return fail(404, ERROR_CODES.unknownApi, 'The API does not exist or has not been published.')
  }
  const method = requestMethod === 'HEAD' ? 'GET' : requestMethod
  const expected = route === 'command' ? 'GET' : 'POST'
  // SMS's own answers (SMS.*) come only after API Gateway has accepted the credential, as in
  // production: the refusals below are found now but answered after the credential check.
  let serverId: string | null = null
  let serverIdError: string | undefined
  try {
    serverId = match.segment.includes('%') ? decodeURIComponent(match.segment) : match.segment
  } catch {
    serverIdError = 'server_id: expected a valid percent-encoded path segment'
  }
  if (serverId !== null && (serverId.length < MIN_SERVER_ID || serverId.length > MAX_SERVER_ID)) {
    serverIdError =
      serverId.length === 0
        ? 'server_id: expected a non-empty string'
        : `server_id: expected at most ${LIMITS.serverId.max} characters, got ${serverId.length}`
    serverId = null
  }
  if (serverId !== null) entry.serverId = serverId

  if (serverId !== null) {
    const drawn = store.drawFaults(serverId, route)
    faults = (isThenable(drawn) ? yield drawn : drawn) as FaultSelection
    if (faults.hits.length > 0) {
      yield announceFaults(deps, faults, requestId, serverId)
      const dropped = dropBeforeEffect(
        () => context ?? contextFor(request, path, env),
        faults,
        deps,
        record,
      )
      if (dropped) return dropped
      if (faults.status) {
        const answer = injectedStatusAnswer(faults.status)
        return fail(answer.status, answer.code, answer.message, undefined, answer.headers)
      }
    }
  }

  let body = EMPTY_BODY
  let bodyTooLarge = false
  // Only an AK/SK signature covers the body, so only then is it read (bounded) before the
  // credential check; a token (or no credential) is checked first, whatever the body's size.
  const signedBody = method !== 'GET' && signsBody(request)
  if (signedBody) {
    const read = (yield readBodyLimited(request, GATEWAY_MAX_BODY_BYTES)) as BodyRead
    if (!read.ok) {
      // Past the gateway's own bound the mock will not buffer the body to verify a signature.
      return read.reason === 'too-large'
        ? fail(
            BODY_REFUSAL_STATUS,
            ERROR_CODES.bodyTooLarge,
            `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
          )
        : fail(400, ERROR_CODES.badRequest, read.message)
    }
    body = read.bytes
    bodyTooLarge = body.byteLength > MAX_BODY_BYTES
  }

  // Positional ids, not a context object: a poll allocates nothing for a refusal's event.
  const auth = yield* authenticateSmsRequest(
    deps,
    request,
    body,
    now,
    requestId,
    route,
    serverId ?? undefined,
  )
  if (!auth.ok) return fail(auth.status, auth.code, auth.message, refusalEntry(auth), auth.headers)
  entry.auth = auth.principal

  if (method !== 'GET' && !signedBody) {
    // Nothing past SMS's own limit is needed: a larger body is refused (SMS.2004) below, after
    // the method, server id and Content-Type checks, as a signed one is.
    const read = (yield readBodyLimited(request, MAX_BODY_BYTES)) as BodyRead
    if (read.ok) body = read.bytes
    else if (read.reason === 'too-large') bodyTooLarge = true
    else return fail(400, ERROR_CODES.badRequest, read.message)
  }

  // Where API Gateway answers a wrong method is not on record; SMS's error list has SMS.2003
  // for it, so the gateway passes it on and SMS answers, after the credential check.
  if (method !== expected) {
    return fail(
      BODY_REFUSAL_STATUS,
      ERROR_CODES.badMethod,
      // `method`: a HEAD is answered as its GET, whose Content-Length it then carries.
      `The request method ${method.slice(0, 20)} is not allowed on /v3/sources/{server_id}/${route}: use ${expected}.`,
    )
  }
  if (serverId === null) return fail(400, ERROR_CODES.badRequest, serverIdError ?? 'server_id')
  if (route === 'command_result') {
    const type = checkJsonContentType(request.headers.get('content-type'))
    if (!type.ok) return fail(BODY_REFUSAL_STATUS, type.code, type.message)
    if (bodyTooLarge) {
      return fail(
        BODY_REFUSAL_STATUS,
        ERROR_CODES.bodyTooLarge,
        `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
      )
    }
  }

  const principal = auth.principal

  let response: Response
  if (route === 'command') {
    const delivered = store.deliver(serverId, principal.account, requestId)
    const outcome = (isThenable(delivered) ? yield delivered : delivered) as DeliverResult
    if (outcome.status === 'not-found') {
      return fail(404, ERROR_CODES.unknownServer, `Source server ${serverId} does not exist.`)
    }
    if (outcome.status === 'forbidden') {
      return fail(403, ERROR_CODES.noPermission, `No permission on source server ${serverId}.`)
    }
    response = pollAnswer(
      outcome.command,
      outcome.idle,
      requestId,
      runtimeDates(deps) ? undefined : date,
    )
    if (outcome.command) entry.command = outcome.command.command_name
  } else {
    const json = parseJsonObject(body)
    if (!json.ok) return fail(400, ERROR_CODES.badRequest, json.message)
    const parsed = v.safeParse(CommandResultSchema, json.value)
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.issues)
      return fail(400, ERROR_CODES.badRequest, `${field}: ${message}`)
    }
    const input = parsed.output
    // Core's schema (valibot's record) lets an array through; docs/api.md wants a JSON object.
    if (Array.isArray(json.value.result_detail)) {
      return fail(
        400,
        ERROR_CODES.badRequest,
        'result_detail: expected a JSON object, got an array',
      )
    }
    entry.command = input.command_name
    const outcome = (yield store.report(
      serverId,
      principal.account,
      input,
      requestId,
    )) as ReportResult
    if (outcome.status === 'not-found') {
      return fail(404, ERROR_CODES.unknownServer, `Source server ${serverId} does not exist.`)
    }
    if (outcome.status === 'forbidden') {
      return fail(403, ERROR_CODES.noPermission, `No permission on source server ${serverId}.`)
    }
    if (outcome.status === 'mismatch') {
      return fail(
        400,
        ERROR_CODES.commandMismatch,
        `The command sent by the client is inconsistent with that on the SMS service: got ${JSON.stringify(input.command_name.slice(0, 64))}, current is ${outcome.current === null ? 'none' : JSON.stringify(outcome.current.slice(0, 64))}.`,
      )
    }
    response = new Response('"OK"', { status: 200, headers: datedJsonHeaders(requestId, date) })
  }
  return finish(response)
}
