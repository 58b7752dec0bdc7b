import { MockConfigError } from '../errors.ts'
import type { Principal } from '../types.ts'
import { MAX_DURATION_MS } from './time-bounds.ts'

/** A request budget per identity: `limit` requests per `windowMs` of mock time. */
export interface RateLimit {
  limit: number
  windowMs: number
}

const SECOND = { ms: 1_000, name: 'second' }
const MINUTE = { ms: 60_000, name: 'minute' }
const HOUR = { ms: 3_600_000, name: 'hour' }
const DAY = { ms: 86_400_000, name: 'day' }

/**
 * The units a budget may be written in, whole words only: a lax pattern once read `20/ms` as
 * 20 per minute and `20/hs` as 20 per hour. `m` alone is refused (minute or millisecond?).
 */
const UNITS: ReadonlyMap<string, { ms: number; name: string }> = new Map([
  ['s', SECOND],
  ['sec', SECOND],
  ['secs', SECOND],
  ['second', SECOND],
  ['seconds', SECOND],
  ['min', MINUTE],
  ['mins', MINUTE],
  ['minute', MINUTE],
  ['minutes', MINUTE],
  ['h', HOUR],
  ['hour', HOUR],
  ['hours', HOUR],
  ['day', DAY],
  ['days', DAY],
])

/**
 * The most requests a budget may allow per window: the largest whole number JavaScript counts
 * exactly (2^53−1). Any number of digits is read; a larger one is refused by name.
 */
export const MAX_RATE_LIMIT = Number.MAX_SAFE_INTEGER

const BUDGET = /^\s*(\d+)\s*\/\s*(\d*)\s*([a-z]+)\s*$/i

/**
 * Reads a budget written `LIMIT/[N]UNIT` (`20/min`, `100/10s`, `5000/hour`): LIMIT from 1 to
 * {@link MAX_RATE_LIMIT}, any N whose window (N units) is at most 3650 days. The one reader of
 * the text form: the settings table (settings.ts) checks every flag, variable, scenario and
 * admin body with it, and {@link parseRateLimit} throws its refusal.
 *
 * @example
 * readRateLimit('20/min') // { ok: true, value: { limit: 20, windowMs: 60000 } }
 * readRateLimit('20/ms') // { ok: false, message: 'expected LIMIT/UNIT such as "20/min", …' }
 */
export function readRateLimit(
  text: string,
): { ok: true; value: RateLimit } | { ok: false; message: string } {
  const match = BUDGET.exec(text)
  const unit = match?.[3] ? UNITS.get(match[3].toLowerCase()) : undefined
  if (!match || !unit) {
    return {
      ok: false,
      message:
        'expected LIMIT/UNIT such as "20/min", "100/10s" or "5000/hour" (units: s, sec, second(s), min, minute(s), h, hour(s), day(s))',
    }
  }
  const limit = Number(match[1])
  if (limit < 1 || limit > MAX_RATE_LIMIT) {
    return {
      ok: false,
      message: `expected LIMIT/UNIT with a LIMIT of 1 to ${MAX_RATE_LIMIT} requests`,
    }
  }
  const count = match[2] ? Number(match[2]) : 1
  if (count < 1) {
    return { ok: false, message: `expected LIMIT/UNIT with a window of at least 1 ${unit.name}` }
  }
  const windowMs = count * unit.ms
  if (windowMs > MAX_DURATION_MS) {
    return { ok: false, message: 'expected a window of at most 3650 days (ten years)' }
  }
  return { ok: true, value: { limit, windowMs } }
}

/**
 * Parses a budget written `LIMIT/[N]UNIT` (see {@link readRateLimit}).
 *
 * @throws {MockConfigError} naming `field` and what is wrong: the form, the unit, LIMIT, N or
 * the window's length.
 * @example
 * parseRateLimit('20/min') // { limit: 20, windowMs: 60000 }
 * parseRateLimit('1/1000000s') // { limit: 1, windowMs: 1000000000 } (11.6 days)
 */
export function parseRateLimit(text: string, field = 'rateLimit'): RateLimit {
  const read = readRateLimit(text)
  if (read.ok) return read.value
  const got = `, got ${JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text)}`
  throw new MockConfigError(field, `${read.message}${got}`)
}

/**
 * The window as the gateway words it (`1 minute`, `10 seconds`).
 *
 * @example
 * describeWindow(60_000) // '1 minute'
 */
export function describeWindow(windowMs: number): string {
  for (const unit of [DAY, HOUR, MINUTE, SECOND]) {
    if (windowMs % unit.ms === 0) {
      const n = windowMs / unit.ms
      return `${n} ${unit.name}${n === 1 ? '' : 's'}`
    }
  }
  return `${windowMs} ms`
}

/**
 * A budget written as `parseRateLimit` reads it, shortest form first.
 *
 * @example
 * formatRateLimit({ limit: 20, windowMs: 60_000 }) // '20/min'
 * formatRateLimit({ limit: 100, windowMs: 10_000 }) // '100/10s'
 */
export function formatRateLimit(limit: RateLimit): string {
  for (const [unit, ms] of [
    ['day', DAY.ms],
    ['h', HOUR.ms],
    ['min', MINUTE.ms],
    ['s', SECOND.ms],
  ] as const) {
    if (limit.windowMs % ms === 0) {
      const n = limit.windowMs / ms
      return `${limit.limit}/${n === 1 ? '' : n}${unit}`
    }
  }
  return `${limit.limit}/${limit.windowMs / 1000}s`
}

/** Budgets in use: per identity, the start of its window and the requests counted in it. */
export interface RateState {
  limit: RateLimit | null
  windows: Map<string, { start: number; used: number }>
}

export type ThrottleOutcome =
  | { ok: true }
  | { ok: false; retryAfterSeconds: number; message: string }

/** The one answer of an allowed request (shared: nothing is allocated per request). */
export const ALLOWED: ThrottleOutcome = Object.freeze({ ok: true })

const keys = new WeakMap<Principal, string>()

/**
 * The identity a budget belongs to: the IAM user when known (a password token's user, or the
 * user an access key names), so an agent on AK/SK and a watch logged in as the same user share
 * one budget, as API Gateway's per-user limits do (docs/api.md §7); else the static token or the AK.
 *
 * @example
 * identityKey({ kind: 'ak-sk', account: 'acme', name: 'AK1' }) // 'ak-sk:acme:AK1'
 * identityKey({ kind: 'ak-sk', account: 'acme', name: 'AK1', user: 'ops' }) // 'user:acme:ops'
 */
export function identityKey(principal: Principal): string {
  let key = keys.get(principal)
  if (key === undefined) {
    const user = principal.kind === 'iam-token' ? principal.name : principal.user
    key =
      user !== undefined
        ? `user:${principal.account}:${user}`
        : `${principal.kind}:${principal.account}:${principal.name}`
    keys.set(principal, key)
  }
  return key
}

/** The APIs that have a budget each: API Gateway's limits are per user and API (docs/api.md §7). */
export type RateLimitedApi = 'command' | 'command_result' | 'sources'

const budgetKeys = new WeakMap<Principal, Partial<Record<RateLimitedApi, string>>>()

/**
 * The budget a request draws on: its identity's (see {@link identityKey}) for that API, so a
 * watch polling commands with the agents' IAM user eats their polling budget, not their
 * result reports' or its own fleet list's.
 *
 * @example
 * budgetKey({ kind: 'static-token', account: 'demo', name: 'token1a2b' }, 'command')
 * // 'static-token:demo:token1a2b command'
 */
export function budgetKey(caller: Principal | string, api: RateLimitedApi): string {
  if (typeof caller === 'string') return `${caller} ${api}`
  let keys = budgetKeys.get(caller)
  if (keys === undefined) {
    keys = {}
    budgetKeys.set(caller, keys)
  }
  let key = keys[api]
  if (key === undefined) {
    key = `${identityKey(caller)} ${api}`
    keys[api] = key
  }
  return key
}

/** Identities whose window has ended are forgotten once this many are tracked. */
const SWEEP_AT = 10_000

/**
 * Counts one request of `identity` at mock time `now`: a fixed window opens at its first
 * request; past `limit` requests in it the answer is a refusal until the window ends (a refused
 * request is not counted, as the gateway counts only what it lets through).
 *
 * @example
 * const outcome = takeRequest(state, 'iam-token:acme:ops', now)
 * if (!outcome.ok) return throttled(outcome.retryAfterSeconds)
 */
export function takeRequest(state: RateState, identity: string, now: number): ThrottleOutcome {
  const limit = state.limit
  if (limit === null) return ALLOWED
  let window = state.windows.get(identity)
  if (window === undefined || now >= window.start + limit.windowMs || now < window.start) {
    if (window === undefined && state.windows.size >= SWEEP_AT) {
      for (const [key, w] of state.windows) {
        if (now >= w.start + limit.windowMs) state.windows.delete(key)
      }
    }
    window = { start: now, used: 0 }
    state.windows.set(identity, window)
  }
  if (window.used >= limit.limit) {
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + limit.windowMs - now) / 1000)),
      message: `The throttling threshold has been reached: policy user over ratelimit,limit:${limit.limit},time:${describeWindow(limit.windowMs)}`,
    }
  }
  window.used++
  return ALLOWED
}

/** A rate limit as the admin API shows it. */
export function viewRateLimit(limit: RateLimit | null) {
  return limit === null
    ? null
    : {
        limit: limit.limit,
        windowMs: limit.windowMs,
        text: formatRateLimit(limit),
      }
}
