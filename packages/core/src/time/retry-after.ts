/**
 * Ceiling of every delay a server's answer can impose (`Retry-After` in seconds or as a date),
 * in ms: 5 minutes, the poll loop's backoff maximum. Nothing guarantees a server's hint is sane
 * (API.md §7): `Retry-After: 2592000` would overflow platform timers, and a far-future date
 * would silence a loop for days.
 */
export const MAX_SERVER_DELAY_MS = 300_000

/**
 * Reads a `Retry-After` header, given in seconds (`"120"`) or as an HTTP date, as milliseconds
 * from `now` (the server's clock, from its `Date` header, when known: a date is the server's
 * time). Returns `undefined` when absent or unreadable; a date in the past means 0. The result
 * is not bounded: pass it through {@link clampServerDelay} before waiting on it.
 *
 * @example
 * parseRetryAfter('3', Date.now()) // 3000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.now())
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined
  const text = value.trim()
  if (text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  if (/^\d+\.\d+$/.test(text)) return Math.ceil(Number(text) * 1000)
  // An HTTP date always names a day or month; without letters, Date.parse would read "-5" as a year.
  const date = parseHttpDate(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * Reads an HTTP date header (`Date`, `Retry-After`) as ms since the epoch; NaN unless it is one.
 * Stricter than `Date.parse`, which reads `"0"` as the year 2000: a date from a broken proxy must
 * not become the clock AK/SK requests are signed with.
 *
 * @example
 * parseHttpDate('Sun, 29 Nov 2026 18:42:17 GMT') // 1795977737000
 * parseHttpDate('0') // NaN
 */
export function parseHttpDate(value: string | null | undefined): number {
  return value && /[a-z]{3}.*\d{4}.*\d\d:\d\d/i.test(value) ? Date.parse(value) : Number.NaN
}

/** A server-supplied delay after {@link clampServerDelay}. */
export interface ClampedDelay {
  /** What to wait, in ms: at most the ceiling. */
  delayMs: number
  /** The delay the server asked for, when it was over the ceiling. */
  clampedFromMs?: number
}

/**
 * Bounds a delay a server asked for to `maxMs` (default {@link MAX_SERVER_DELAY_MS}) and says
 * whether it had to, so the event that reports the wait can show it.
 *
 * @example
 * clampServerDelay(2_592_000_000) // { delayMs: 300_000, clampedFromMs: 2_592_000_000 }
 * clampServerDelay(3000) // { delayMs: 3000 }
 */
export function clampServerDelay(ms: number, maxMs = MAX_SERVER_DELAY_MS): ClampedDelay {
  const ceiling = Number.isFinite(maxMs) && maxMs >= 0 ? maxMs : MAX_SERVER_DELAY_MS
  if (!(ms >= 0)) return { delayMs: 0 }
  return ms > ceiling ? { delayMs: ceiling, clampedFromMs: ms } : { delayMs: ms }
}
