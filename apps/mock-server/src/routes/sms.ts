import { CommandResultSchema, LIMITS } from '@sms-command/core'
import type { Context } from 'hono'
import * as v from 'valibot'
import { ERROR_CODES } from '../errors.ts'
import {
  errorResponse,
  jsonHeaders,
  MAX_BODY_BYTES,
  nextRequestId,
  parseJsonObject,
  readBodyLimited,
} from '../http.ts'
import { firstIssue } from '../scenario.ts'
import type { FaultSelection } from '../state/faults.ts'
import { gatewayAuthMessage, httpDate } from '../state/gateway.ts'
import type { AuthOutcome, IdleShape, JournalInput, Principal, QueuedCommand } from '../types.ts'
import {
  announceFaults,
  applyResponseFault,
  baseEntry,
  type RouteDeps,
  rawPath,
} from './context.ts'

const SMS_PATH = /^\/v3\/sources\/([^/]*)\/(command|command_result)$/

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

/** The SMS-coded form of an authentication failure (the `sms` style). */
function smsAuthFailureCode(outcome: Extract<AuthOutcome, { ok: false }>): string {
  switch (outcome.reason) {
    case 'missing':
    case 'unknown-token':
    case 'expired-token':
    case 'revoked-token':
      return ERROR_CODES.badToken
    case 'clock-skew':
      return ERROR_CODES.clockSkew
    default:
      return ERROR_CODES.akSkFailed
  }
}

/** The SMS error list's code of a body-size or Content-Type refusal (API.md §7): all 401. */
const BODY_REFUSAL_STATUS = 401

/**
 * Checks `command_result`'s Content-Type: `application/json`, parameters allowed, any case and
 * spacing; a `charset` must be UTF-8 (JSON has no other).
 */
export function checkJsonContentType(
  value: string | null,
): { ok: true } | { ok: false; code: string; message: string } {
  if (value === null || value.trim() === '') {
    return {
      ok: false,
      code: ERROR_CODES.contentTypeMissing,
      message: 'Content-Type: the header is missing; expected application/json',
    }
  }
  const [media = '', ...params] = value.split(';')
  if (media.trim().toLowerCase() !== 'application/json') {
    return {
      ok: false,
      code: ERROR_CODES.contentTypeNotJson,
      message: `Content-Type: expected application/json, got ${JSON.stringify(value.slice(0, 100))}`,
    }
  }
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue
    const charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase()
    if (charset !== 'utf-8' && charset !== 'utf8') {
      return {
        ok: false,
        code: ERROR_CODES.contentTypeNotJson,
        message: `Content-Type: expected charset=utf-8, got ${JSON.stringify(charset.slice(0, 40))}`,
      }
    }
  }
  return { ok: true }
}

/** How the SMS routes answer a refusal: status, code, message (and headers). */
export type Refusal = {
  status: number
  code: string
  message: string
  headers?: Record<string, string>
}

/**
 * Authenticates an SMS API request (token or AK/SK signature) and counts it against the rate
 * limit. Refusals are in the configured style: API Gateway's 401 `APIGW.0301` forms by default,
 * 429 `APIGW.0308` with `Retry-After` past the budget.
 */
export async function authenticateSmsRequest(
  deps: RouteDeps,
  request: Request,
  body: Uint8Array,
  now: number,
  context: { serverId?: string; requestId: string },
): Promise<{ ok: true; principal: Principal } | ({ ok: false } & Refusal)> {
  const { store } = deps
  const token = request.headers.get('x-auth-token')
  const authorization = request.headers.get('authorization')
  let auth: AuthOutcome
  if (token !== null) {
    if (token.length < LIMITS.authToken.min || token.length > LIMITS.authToken.max) {
      return {
        ok: false,
        status: 400,
        code: ERROR_CODES.badRequest,
        message:
          token.length === 0
            ? 'X-Auth-Token: expected a non-empty token'
            : `X-Auth-Token: expected at most ${LIMITS.authToken.max} characters, got ${token.length}`,
      }
    }
    auth = await store.authenticateToken(token)
  } else if (authorization !== null && /^\s*SDK-HMAC-SHA256\s/i.test(authorization)) {
    auth = await store.authenticateSignature({
      method: request.method,
      url: request.url,
      headers: [...request.headers],
      body,
    })
  } else {
    auth = {
      ok: false,
      reason: 'missing',
      message:
        authorization !== null
          ? 'Authorization: only SDK-HMAC-SHA256 signatures are accepted; or send X-Auth-Token.'
          : 'The request carries neither X-Auth-Token nor an SDK-HMAC-SHA256 Authorization header.',
    }
  }
  if (!auth.ok) {
    // The event keeps the mock's own explanation, whatever the answer says.
    await store.publish([
      {
        type: 'auth-failure',
        ...(context.serverId !== undefined ? { serverId: context.serverId } : {}),
        requestId: context.requestId,
        reason: auth.reason,
        message: auth.message,
      },
    ])
    if ((await store.liveSettings()).authErrors === 'sms') {
      return { ok: false, status: 401, code: smsAuthFailureCode(auth), message: auth.message }
    }
    return {
      ok: false,
      status: 401,
      code: ERROR_CODES.badToken,
      message: gatewayAuthMessage(auth.reason, {
        sdkDate: request.headers.get('x-sdk-date'),
        now,
        tokenHeader: authorization === null,
      }),
    }
  }
  const principal = auth.principal
  const pending = store.throttle(`${principal.kind}:${principal.account}:${principal.name}`)
  const throttled = pending instanceof Promise ? await pending : pending
  if (!throttled.ok) {
    return {
      ok: false,
      status: 429,
      code: ERROR_CODES.throttled,
      message: throttled.message,
      headers: { 'retry-after': String(throttled.retryAfterSeconds) },
    }
  }
  return { ok: true, principal }
}

/**
 * Handles `GET /v3/sources/{server_id}/command` and `POST …/command_result` (API.md §1–2),
 * checking, in order: path (404) and method (401 `SMS.2003`) → server id (400) → injected
 * faults → Content-Type (401 `SMS.2005`/`SMS.2006`) and body size (401 `SMS.2004`) →
 * credentials (400 when malformed, 401) → rate limit (429) → body (400) → server (404, 403) →
 * delivery model (400 `SMS.2009`).
 */
export function createSmsHandler(deps: RouteDeps) {
  const { store } = deps
  return async function handleSms(c: Context): Promise<Response> {
    const started = performance.now()
    const requestId = nextRequestId()
    const request = c.req.raw
    const path = rawPath(request.url)
    const match = SMS_PATH.exec(path)
    const route = match?.[2] === 'command_result' ? 'command_result' : 'command'
    const now = store.clockNow ? store.clockNow() : await store.now()
    const entry: Omit<JournalInput, 'status' | 'durationMs'> = baseEntry(
      c,
      deps,
      requestId,
      path,
      match ? route : 'other',
    )
    const date = httpDate(now)
    let faults: FaultSelection | undefined
    const record = (status: number, extra?: Partial<JournalInput>) => {
      const line = entry as JournalInput
      if (extra) Object.assign(line, extra)
      if (faults && faults.hits.length > 0) line.faults = faults.hits
      line.status = status
      line.durationMs = Math.round((performance.now() - started) * 100) / 100
      return store.journal(line)
    }
    const finish = (
      response: Response,
      extra?: Partial<JournalInput>,
    ): Response | Promise<Response> => {
      const written = record(response.status, extra)
      return written ? written.then(() => response) : response
    }
    const fail = (
      status: number,
      code: string,
      message: string,
      extra?: Partial<JournalInput>,
      headers?: Record<string, string>,
    ) =>
      finish(errorResponse(status, code, message, requestId, { date, ...headers }), {
        ...extra,
        errorCode: code,
      })

    if (!match) {
      return fail(404, ERROR_CODES.unknownApi, 'The API does not exist or has not been published.')
    }
    const method = request.method === 'HEAD' ? 'GET' : request.method
    const expected = route === 'command' ? 'GET' : 'POST'
    if (method !== expected) {
      return fail(
        BODY_REFUSAL_STATUS,
        ERROR_CODES.badMethod,
        `The request method ${request.method.slice(0, 20)} is not allowed on /v3/sources/{server_id}/${route}: use ${expected}.`,
      )
    }
    let serverId: string
    try {
      serverId = decodeURIComponent(match[1] ?? '')
    } catch {
      return fail(
        400,
        ERROR_CODES.badRequest,
        'server_id: expected a valid percent-encoded path segment',
      )
    }
    if (serverId.length < LIMITS.serverId.min || serverId.length > LIMITS.serverId.max) {
      return fail(
        400,
        ERROR_CODES.badRequest,
        serverId.length === 0
          ? 'server_id: expected a non-empty string'
          : `server_id: expected at most ${LIMITS.serverId.max} characters, got ${serverId.length}`,
      )
    }
    entry.serverId = serverId

    faults = await store.drawFaults(serverId, route)
    if (faults.hits.length > 0) {
      await announceFaults(deps, faults, requestId, serverId)
      if (faults.dropBefore && deps.runtime.dropConnection) {
        // Status 0: no answer was sent.
        await record(0)
        return deps.runtime.dropConnection(c)
      }
      const status = faults.status
      if (status) {
        const code =
          status.errorCode ??
          (status.status === 429
            ? ERROR_CODES.throttled
            : status.status >= 500
              ? ERROR_CODES.internal
              : 'MOCK.FAULT')
        return fail(
          status.status,
          code,
          status.errorMsg ?? `Injected fault ${status.hit.id}: status ${status.status}.`,
          undefined,
          status.retryAfterSeconds !== undefined
            ? { 'retry-after': String(status.retryAfterSeconds) }
            : undefined,
        )
      }
    }

    let body = EMPTY_BODY
    if (route === 'command_result') {
      const type = checkJsonContentType(request.headers.get('content-type'))
      if (!type.ok) return fail(BODY_REFUSAL_STATUS, type.code, type.message)
      const read = await readBodyLimited(request, MAX_BODY_BYTES)
      if (!read.ok) {
        return read.reason === 'too-large'
          ? fail(
              BODY_REFUSAL_STATUS,
              ERROR_CODES.bodyTooLarge,
              `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
            )
          : fail(400, ERROR_CODES.badRequest, read.message)
      }
      body = read.bytes
    }

    const auth = await authenticateSmsRequest(deps, request, body, now, { serverId, requestId })
    if (!auth.ok) return fail(auth.status, auth.code, auth.message, undefined, auth.headers)
    const principal = auth.principal
    entry.auth = { kind: principal.kind, account: principal.account, name: principal.name }

    let response: Response
    if (route === 'command') {
      const outcome = await store.deliver(serverId, principal.account, requestId)
      if (outcome.status === 'not-found') {
        return fail(404, ERROR_CODES.unknownServer, `Source server ${serverId} does not exist.`)
      }
      if (outcome.status === 'forbidden') {
        return fail(403, ERROR_CODES.noPermission, `No permission on source server ${serverId}.`)
      }
      if (outcome.command) {
        response = new Response(commandBody(outcome.command), {
          status: 200,
          headers: jsonHeaders(requestId, { date }),
        })
        entry.command = outcome.command.command_name
      } else {
        const idle = IDLE_BODIES[outcome.idle]
        response =
          idle === null
            ? new Response(null, { status: 204, headers: { 'x-request-id': requestId, date } })
            : new Response(idle, { status: 200, headers: jsonHeaders(requestId, { date }) })
      }
    } else {
      const json = parseJsonObject(body)
      if (!json.ok) return fail(400, ERROR_CODES.badRequest, json.message)
      const parsed = v.safeParse(CommandResultSchema, json.value)
      if (!parsed.success) {
        const { field, message } = firstIssue(parsed.issues)
        return fail(400, ERROR_CODES.badRequest, `${field}: ${message}`)
      }
      const input = parsed.output
      // Core's schema (valibot's record) lets an array through; API.md wants a JSON object.
      if (Array.isArray(json.value.result_detail)) {
        return fail(
          400,
          ERROR_CODES.badRequest,
          'result_detail: expected a JSON object, got an array',
        )
      }
      entry.command = input.command_name
      const outcome = await store.report(serverId, principal.account, input, requestId)
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
      response = new Response('"OK"', { status: 200, headers: jsonHeaders(requestId, { date }) })
    }
    if (faults.response) {
      await record(faults.response.kind === 'drop-connection' ? 0 : response.status)
      return applyResponseFault(c, response, faults, deps)
    }
    return finish(response)
  }
}
