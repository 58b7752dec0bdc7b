import type { Context } from 'hono'
import { ERROR_CODES } from '../errors.ts'
import { clientMethod } from '../request.ts'
import type { FaultSelection } from '../rules/faults.ts'
import type { RuntimeAdapter } from '../runtime.ts'
import type { MockStore, StoreSettings } from '../store/store.ts'
import type { RequestLogInput } from '../types.ts'

/** What every route handler needs. */
export interface RouteDeps {
  store: MockStore
  settings: StoreSettings
  runtime: RuntimeAdapter
  sleep: (ms: number) => Promise<void>
  logError: (message: string, error: unknown) => void
}

/**
 * Applies the response-phase fault of a selection to an answer: malformed JSON (keys
 * unquoted), a body cut in half (well framed: the client gets fewer bytes, not a reset), or a
 * dropped connection after the request took effect.
 */
export async function applyResponseFault(
  c: Context,
  response: Response,
  faults: FaultSelection,
  deps: RouteDeps,
): Promise<Response> {
  const fault = faults.response
  if (!fault) return response
  if (fault.kind === 'drop-connection') {
    if (!deps.runtime.dropConnection) return response
    return deps.runtime.dropConnection(c)
  }
  const text = await response.text()
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  const status = response.status === 204 ? 200 : response.status
  if (fault.kind === 'malformed-json') {
    const unquoted = text.replace(/"([^"\\]*)":/g, '$1:')
    const broken = unquoted === text ? `{${text}` : unquoted
    return new Response(broken, { status, headers })
  }
  const cut = text.slice(0, Math.floor(text.length / 2))
  return new Response(cut, { status, headers })
}

/** Journals a request's line with the status the client gets (0: no answer was sent). */
export type RecordStatus = (status: number) => void | Promise<void>

/**
 * The answer a request gets once its route has one, `response`, and its journal line: the
 * answer as it is, or, when a response-phase fault fired on the request, corrupted or lost.
 * Whatever the route answered, a refusal included: a fault that fired is never spent without
 * effect. Synchronous without such a fault (a poll from memory stays promise-free).
 *
 * @example
 * return answerWithFaults(c, response, faults, deps, record)
 */
export function answerWithFaults(
  context: Context | (() => Context),
  response: Response,
  faults: FaultSelection | undefined,
  deps: RouteDeps,
  record: RecordStatus,
): Response | Promise<Response> {
  if (faults?.response === undefined) {
    const written = record(response.status)
    return written ? written.then(() => response) : response
  }
  return answerCorrupted(
    typeof context === 'function' ? context() : context,
    response,
    faults,
    deps,
    record,
  )
}

async function answerCorrupted(
  c: Context,
  response: Response,
  faults: FaultSelection,
  deps: RouteDeps,
  record: RecordStatus,
): Promise<Response> {
  if (faults.response?.kind === 'drop-connection' && deps.runtime.dropConnection) {
    // Journaled first: in process the drop leaves as a rejection.
    await record(0)
    return deps.runtime.dropConnection(c)
  }
  const answer = await applyResponseFault(c, response, faults, deps)
  await record(answer.status)
  return answer
}

/**
 * Drops the connection of a request on which a drop-before fault fired, before the request
 * takes effect, journaling status 0 first (no answer is sent); `undefined` on a runtime that
 * can't drop one (where such a fault can't be added).
 *
 * @example
 * const dropped = dropBeforeEffect(c, faults, deps, record)
 * if (dropped) return dropped
 */
export function dropBeforeEffect(
  context: Context | (() => Context),
  faults: FaultSelection,
  deps: RouteDeps,
  record: RecordStatus,
): Promise<Response> | undefined {
  const drop = deps.runtime.dropConnection
  if (faults.dropBefore === undefined || drop === undefined) return undefined
  const c = typeof context === 'function' ? context() : context
  return (async () => {
    await record(0)
    return drop(c)
  })()
}

/**
 * The first step of a request on which faults fired: publishes a `fault` event per fault, then
 * waits out their summed latency. What the faults then ask for (a status, a dropped
 * connection) each route answers in its own error shape.
 *
 * @example
 * if (faults.hits.length > 0) await announceFaults(deps, faults, requestId, serverId)
 */
export async function announceFaults(
  deps: RouteDeps,
  faults: FaultSelection,
  requestId: string,
  serverId?: string,
): Promise<void> {
  await deps.store.publish(
    faults.hits.map((fault) => ({
      type: 'fault' as const,
      ...(serverId !== undefined ? { serverId } : {}),
      requestId,
      fault,
    })),
  )
  if (faults.latencyMs > 0) await deps.sleep(faults.latencyMs)
}

/** Journal entry fields every route fills the same way; `method` is the client's (HEAD stays HEAD). */
export function baseEntry(
  c: Context,
  deps: RouteDeps,
  requestId: string,
  path: string,
  route: RequestLogInput['route'],
): Omit<RequestLogInput, 'status' | 'durationMs'> {
  return {
    atMs: deps.settings.clock(),
    requestId,
    method: clientMethod(c.req.raw),
    path,
    route,
  }
}

/**
 * The SMS-style error answer of an injected status fault: its own error code and message when
 * the fault gives them, else the code the real API uses for that status, and `Retry-After`.
 *
 * @example
 * const answer = injectedStatusAnswer(faults.status)
 * return fail(answer.status, answer.code, answer.message, answer.headers)
 */
export function injectedStatusAnswer(status: NonNullable<FaultSelection['status']>): {
  status: number
  code: string
  message: string
  headers: Record<string, string> | undefined
} {
  const code =
    status.errorCode ??
    (status.status === 429
      ? ERROR_CODES.throttled
      : status.status >= 500
        ? ERROR_CODES.internal
        : 'MOCK.FAULT')
  return {
    status: status.status,
    code,
    message: status.errorMsg ?? `Injected fault ${status.hit.id}: status ${status.status}.`,
    headers:
      status.retryAfterSeconds !== undefined
        ? { 'retry-after': String(status.retryAfterSeconds) }
        : undefined,
  }
}
