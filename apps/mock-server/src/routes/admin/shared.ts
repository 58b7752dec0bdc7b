import { isPlainObject } from '@sms-command/core'
// What every admin sub-app shares: its Hono environment (the request id the `requestId`
// middleware set), the JSON answers, the query and body readers.
import { type Context, Hono } from 'hono'
import * as v from 'valibot'
import { ADMIN_CODES } from '../../errors.ts'
import { errorResponse, jsonResponse } from '../../http.ts'
import { firstIssue, jsonObject } from '../../scenario.ts'
import type { RouteDeps } from '../context.ts'

/** The Hono environment of the admin routes: `requestId` is set by Hono's `requestId()`. */
export type AdminEnv = { Variables: { requestId: string } }

/** A Hono context of an admin route. */
export type AdminContext = Context<AdminEnv>

/** What an admin sub-app is built from. */
export interface AdminDeps extends RouteDeps {
  adminToken: string | undefined
  /** Interval of `/events` keep-alive comments, ms. */
  eventKeepAliveMs?: number | undefined
}

/**
 * A new admin sub-app, to mount under `/_mock` with `admin.route(...)`.
 *
 * @example
 * const clock = adminApp().get('/', (c) => ok(c, 200, {}))
 */
export function adminApp(): Hono<AdminEnv> {
  return new Hono<AdminEnv>()
}

/**
 * The admin API's `{error_code, error_msg}` answer, carrying the request's id.
 *
 * @example
 * return fail(c, 404, ADMIN_CODES.notFound, `server ${id} is not registered`)
 */
export function fail(c: AdminContext, status: number, code: string, message: string): Response {
  return errorResponse(status, code, message, c.get('requestId'))
}

/**
 * A JSON answer carrying the request's id.
 *
 * @example
 * return ok(c, 200, { reset: true })
 */
export function ok(c: AdminContext, status: number, body: unknown): Response {
  return jsonResponse(status, body, c.get('requestId'))
}

/**
 * One query parameter an admin route reads: whether it may repeat (then it means "any of"), and
 * how each value is checked (a message for a bad one, naming what was expected).
 */
export interface QueryParam {
  repeats: boolean
  check: (value: string) => string | undefined
}

/**
 * Checks a request's query against the parameters its route reads: an unknown parameter, an
 * empty value, a repeat of one that does not repeat, or a bad value is refused with a message
 * naming the parameter; otherwise each parameter's values, in order.
 *
 * @example
 * readQuery(new URL('http://x/_mock/events?type=bogus'), EVENTS_QUERY)
 * // { ok: false, message: 'type: expected one of server, enqueue, …' }
 */
export function readQuery(
  url: URL,
  params: Record<string, QueryParam>,
): { ok: true; values: Record<string, string[]> } | { ok: false; message: string } {
  const values: Record<string, string[]> = {}
  for (const [name, value] of url.searchParams) {
    const param = Object.hasOwn(params, name) ? params[name] : undefined
    const shown = JSON.stringify(name.slice(0, 40))
    if (param === undefined) {
      const known = Object.keys(params)
      return {
        ok: false,
        message: `${shown}: unknown query parameter; ${known.length === 0 ? 'this route takes none' : `expected ${known.join(', ')}`}`,
      }
    }
    const seen = values[name] ?? []
    if (seen.length > 0 && !param.repeats) {
      return { ok: false, message: `${name}: expected once, got it repeated` }
    }
    if (value === '') return { ok: false, message: `${name}: expected a value, got an empty one` }
    const problem = param.check(value)
    if (problem !== undefined) {
      return {
        ok: false,
        message: `${name}: ${problem}, got ${JSON.stringify(value.slice(0, 40))}`,
      }
    }
    seen.push(value)
    values[name] = seen
  }
  return { ok: true, values }
}

const NO_QUERY: Record<string, QueryParam> = {}

/**
 * The route's query, checked; or the 400 refusing it.
 *
 * @example
 * const read = query(c, JOURNAL_QUERY)
 * if (!read.ok) return read.response
 */
export function query(
  c: AdminContext,
  params: Record<string, QueryParam>,
): { ok: true; values: Record<string, string[]> } | { ok: false; response: Response } {
  const read = readQuery(new URL(c.req.url), params)
  return read.ok
    ? { ok: true, values: read.values }
    : { ok: false, response: fail(c, 400, ADMIN_CODES.badRequest, read.message) }
}

/**
 * A GET that reads no query refuses one rather than ignore it: the 400, or `undefined`.
 *
 * @example
 * admin.get('/', (c) => refuseQuery(c) ?? ok(c, 200, view))
 */
export function refuseQuery(c: AdminContext): Response | undefined {
  const read = query(c, NO_QUERY)
  return read.ok ? undefined : read.response
}

/**
 * The request's JSON body checked by `schema` (an empty body reads as `{}`), or the 400 naming
 * the field. The size was checked before, by Hono's `bodyLimit` on every admin route.
 *
 * @example
 * const body = await readJson(c, ClockSchema)
 * if (!body.ok) return body.response
 */
export async function readJson<S extends v.GenericSchema>(
  c: AdminContext,
  schema: S,
): Promise<{ ok: true; value: v.InferOutput<S> } | { ok: false; response: Response }> {
  let text: string
  try {
    text = await c.req.raw.text()
  } catch {
    return {
      ok: false,
      response: fail(c, 400, ADMIN_CODES.badRequest, 'body: the request body could not be read'),
    }
  }
  let json: unknown
  try {
    json = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    return { ok: false, response: fail(c, 400, ADMIN_CODES.badRequest, 'body: expected JSON') }
  }
  const parsed = v.safeParse(schema, json)
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.issues)
    return { ok: false, response: fail(c, 400, ADMIN_CODES.badRequest, `${field}: ${message}`) }
  }
  return { ok: true, value: parsed.output }
}

/** Routes that take no body: empty, or `{}` (anything else is a mistake worth a word). */
export const NoBodySchema = jsonObject(v.strictObject({}))

/** A plain object (not a list, not null): core's one check. */
export const isObject = isPlainObject

/** A non-empty string of at most 255 characters, named `what` in the messages. */
export const shortText = (what: string) =>
  v.pipe(
    v.string(`expected ${what} as a string`),
    v.minLength(1, `expected a non-empty ${what}`),
    v.maxLength(255, `expected ${what} of at most 255 characters`),
  )
