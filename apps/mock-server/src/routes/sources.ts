import type { Context } from 'hono'
import { ERROR_CODES } from '../errors.ts'
import { errorResponse, jsonHeaders, nextRequestId } from '../http.ts'
import { clientMethod } from '../request.ts'
import type { FaultSelection } from '../rules/faults.ts'
import { httpDate } from '../rules/gateway.ts'
import type { SourceServer } from '../rules/server-state.ts'
import type { RequestLogInput } from '../types.ts'
import {
  announceFaults,
  answerWithFaults,
  baseEntry,
  dropBeforeEffect,
  injectedStatusAnswer,
  type RouteDeps,
} from './context.ts'
import { authenticateSmsRequest, refusalEntry } from './sms-auth.ts'
import { runSteps, type Steps } from './steps.ts'

/** docs/api.md §8: `limit` 0 or absent means 200. */
export const DEFAULT_SOURCES_LIMIT = 200

/** Query of `GET /v3/sources`, validated. */
export interface SourcesQuery {
  limit: number
  offset: number
  id?: string
  name?: string
  state?: string
  migration_cycle?: string
  connected?: boolean
  /**
   * Filters on fields the mock keeps for no server (`ip`, `migproject`,
   * `enterprise_project_id`): a server without the field matches none of them.
   */
  unkept?: string[]
}

/** Filters of docs/api.md §8 on fields no mock server has. */
const UNKEPT_FILTERS = ['ip', 'migproject', 'enterprise_project_id'] as const

/**
 * Reads `GET /v3/sources`'s query: `limit` (0–200, 0 or absent: 200), `offset` (≥ 0), and the
 * filters of docs/api.md §8: `id`, `name`, `state`, `migration_cycle`, `connected` (`true`/`false`),
 * and `ip`, `migproject`, `enterprise_project_id`, which match no mock server (it keeps no IPs
 * or projects): a filter is never silently ignored.
 *
 * @example
 * parseSourcesQuery(new URL('http://x/v3/sources?limit=2&connected=true').searchParams)
 * // { ok: true, query: { limit: 2, offset: 0, connected: true } }
 */
export function parseSourcesQuery(
  params: URLSearchParams,
): { ok: true; query: SourcesQuery } | { ok: false; message: string } {
  const integer = (key: string, max: number): number | string => {
    const raw = params.get(key)
    if (raw === null || raw === '') return 0
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > max) {
      return `${key}: expected an integer 0–${max}, got ${JSON.stringify(raw.slice(0, 40))}`
    }
    return Number(raw)
  }
  const limit = integer('limit', DEFAULT_SOURCES_LIMIT)
  if (typeof limit === 'string') return { ok: false, message: limit }
  const offset = integer('offset', 2_147_483_647)
  if (typeof offset === 'string') return { ok: false, message: offset }
  const query: SourcesQuery = { limit: limit === 0 ? DEFAULT_SOURCES_LIMIT : limit, offset }
  for (const key of ['id', 'name', 'state', 'migration_cycle'] as const) {
    const value = params.get(key)
    if (value === null || value === '') continue
    if (value.length > 255) return { ok: false, message: `${key}: expected at most 255 characters` }
    query[key] = value
  }
  for (const key of UNKEPT_FILTERS) {
    const value = params.get(key)
    if (value === null || value === '') continue
    if (value.length > 255) return { ok: false, message: `${key}: expected at most 255 characters` }
    query.unkept = [...(query.unkept ?? []), key]
  }
  const connected = params.get('connected')
  if (connected !== null && connected !== '') {
    const lower = connected.toLowerCase()
    if (lower !== 'true' && lower !== 'false') {
      return {
        ok: false,
        message: `connected: expected true or false, got ${JSON.stringify(connected.slice(0, 40))}`,
      }
    }
    query.connected = lower === 'true'
  }
  return { ok: true, query }
}

/**
 * One page of the fleet list: servers matching every filter given (`id`, `state` and
 * `migration_cycle` exactly, `name` as a case-insensitive substring; a filter on a field the
 * server lacks matches nothing), in registration order; `count` is the total matching.
 *
 * @example
 * pageOfSources(all, { limit: 200, offset: 0, state: 'replicate' }) // { count, source_servers }
 */
export function pageOfSources(
  servers: readonly SourceServer[],
  query: SourcesQuery,
): { count: number; source_servers: SourceServer[] } {
  const name = query.name?.toLowerCase()
  const matching = servers.filter(
    (s) =>
      query.unkept === undefined &&
      (query.id === undefined || s.id === query.id) &&
      (name === undefined || s.name.toLowerCase().includes(name)) &&
      (query.state === undefined || s.state === query.state) &&
      (query.migration_cycle === undefined || s.migration_cycle === query.migration_cycle) &&
      (query.connected === undefined || s.connected === query.connected),
  )
  return {
    count: matching.length,
    source_servers: matching.slice(query.offset, query.offset + query.limit),
  }
}

/**
 * Handles `GET /v3/sources` (docs/api.md §8): the caller's account's servers, paged and filtered,
 * with the same authentication, rate limit, faults and error forms as the command routes.
 */
export function createSourcesHandler(deps: RouteDeps) {
  return (c: Context) => runSteps(handleSources(deps, c))
}

function* handleSources(deps: RouteDeps, c: Context): Steps<Response> {
  const { store } = deps
  const started = performance.now()
  const requestId = nextRequestId()
  const request = c.req.raw
  const now = (store.clockNow ? store.clockNow() : yield store.now()) as number
  const date = httpDate(now)
  const entry = baseEntry(c, deps, requestId, '/v3/sources', 'sources') as RequestLogInput
  let faults: FaultSelection | undefined
  const record = (status: number) => {
    if (faults && faults.hits.length > 0) entry.faults = faults.hits
    entry.status = status
    entry.durationMs = Math.round((performance.now() - started) * 100) / 100
    return store.journal(entry)
  }
  // Every answer, a refusal too, goes out through the faults that fired on the request.
  const finish = (response: Response, errorCode?: string): Response | Promise<Response> => {
    if (errorCode !== undefined) entry.errorCode = errorCode
    return answerWithFaults(c, response, faults, deps, record)
  }
  const fail = (status: number, code: string, message: string, headers?: Record<string, string>) =>
    finish(errorResponse(status, code, message, requestId, { date, ...headers }), code)

  const method = clientMethod(request)
  if (method !== 'GET' && method !== 'HEAD') {
    return fail(
      404,
      ERROR_CODES.unknownApi,
      `The API does not exist or has not been published: ${method.slice(0, 20)} /v3/sources (the mock serves GET only).`,
    )
  }
  faults = (yield store.drawFaults(undefined, 'sources')) as FaultSelection
  if (faults.hits.length > 0) {
    yield announceFaults(deps, faults, requestId)
    const dropped = dropBeforeEffect(c, faults, deps, record)
    if (dropped) return dropped
    if (faults.status) {
      const answer = injectedStatusAnswer(faults.status)
      return fail(answer.status, answer.code, answer.message, answer.headers)
    }
  }
  const auth = yield* authenticateSmsRequest(
    deps,
    request,
    new Uint8Array(0),
    now,
    requestId,
    'sources',
  )
  if (!auth.ok) {
    Object.assign(entry, refusalEntry(auth))
    return fail(auth.status, auth.code, auth.message, auth.headers)
  }
  const principal = auth.principal
  entry.auth = principal
  const parsed = parseSourcesQuery(new URL(request.url).searchParams)
  if (!parsed.ok) return fail(400, ERROR_CODES.badRequest, parsed.message)
  const servers = (yield store.listSources(principal.account)) as SourceServer[]
  const page = pageOfSources(servers, parsed.query)
  return finish(
    new Response(JSON.stringify(page), {
      status: 200,
      headers: jsonHeaders(requestId, { date }),
    }),
  )
}
