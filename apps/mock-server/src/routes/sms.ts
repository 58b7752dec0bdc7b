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
import type { AuthOutcome, IdleShape, JournalInput, QueuedCommand } from '../types.ts'
import {
  announceFaults,
  applyResponseFault,
  baseEntry,
  type RouteDeps,
  rawPath,
} from './context.ts'

const SMS_PATH = /^\/v3\/sources\/([^/]*)\/(command|command_result)$/

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

function authFailureStatus(outcome: Extract<AuthOutcome, { ok: false }>): string {
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

/**
 * Handles `GET /v3/sources/{server_id}/command` and `POST …/command_result` (API.md §1–2),
 * checking, in order: path and server id (400) → injected faults → body size (400) →
 * credentials (400 when malformed, 401) → body (400) → server (404, 403) → delivery model
 * (400 `SMS.2009`).
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
    const entry: Omit<JournalInput, 'status' | 'durationMs'> = baseEntry(
      c,
      deps,
      requestId,
      path,
      match ? route : 'other',
    )
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
    const fail = (status: number, code: string, message: string, extra?: Partial<JournalInput>) =>
      finish(errorResponse(status, code, message, requestId), { ...extra, errorCode: code })

    const method = request.method === 'HEAD' ? 'GET' : request.method
    const expected = route === 'command' ? 'GET' : 'POST'
    if (!match || method !== expected) {
      return fail(
        404,
        ERROR_CODES.unknownApi,
        match
          ? `No API ${request.method} /v3/sources/{server_id}/${route}: use ${expected}.`
          : 'The API does not exist or has not been published.',
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
        const response = errorResponse(
          status.status,
          code,
          status.errorMsg ?? `Injected fault ${status.hit.id}: status ${status.status}.`,
          requestId,
          status.retryAfterSeconds !== undefined
            ? { 'retry-after': String(status.retryAfterSeconds) }
            : undefined,
        )
        return finish(response, { errorCode: code })
      }
    }

    let body = new Uint8Array(0)
    if (route === 'command_result') {
      const read = await readBodyLimited(request, MAX_BODY_BYTES)
      if (!read.ok) return fail(400, ERROR_CODES.badRequest, read.message)
      body = read.bytes
    }

    const token = request.headers.get('x-auth-token')
    const authorization = request.headers.get('authorization')
    let auth: AuthOutcome
    if (token !== null) {
      if (token.length < LIMITS.authToken.min || token.length > LIMITS.authToken.max) {
        return fail(
          400,
          ERROR_CODES.badRequest,
          token.length === 0
            ? 'X-Auth-Token: expected a non-empty token'
            : `X-Auth-Token: expected at most ${LIMITS.authToken.max} characters, got ${token.length}`,
        )
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
      await store.publish([
        { type: 'auth-failure', serverId, requestId, reason: auth.reason, message: auth.message },
      ])
      return fail(401, authFailureStatus(auth), auth.message)
    }
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
          headers: jsonHeaders(requestId),
        })
        entry.command = outcome.command.command_name
      } else {
        const idle = IDLE_BODIES[outcome.idle]
        response =
          idle === null
            ? new Response(null, { status: 204, headers: { 'x-request-id': requestId } })
            : new Response(idle, { status: 200, headers: jsonHeaders(requestId) })
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
      response = new Response('"OK"', { status: 200, headers: jsonHeaders(requestId) })
    }
    if (faults.response) {
      await record(faults.response.kind === 'drop-connection' ? 0 : response.status)
      return applyResponseFault(c, response, faults, deps)
    }
    return finish(response)
  }
}
