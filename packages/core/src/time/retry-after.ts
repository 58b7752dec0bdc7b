/**
 * Ceiling of every delay a server's answer can impose (`Retry-After` in seconds or as a date),
 * in ms: 5 minutes, the poll loop's backoff maximum. Nothing guarantees a server's hint is sane
 * (docs/api.md §7): `Retry-After: 2592000` would overflow platform timers, and a far-future date
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

const MONTHS = 'janfebmaraprmayjunjulaugsepoctnovdec'

/**
 * Reads an HTTP date header (`Date`, `Retry-After`) as ms since the epoch; NaN unless it is one.
 * Accepts the three forms RFC 9110 §5.6.7 obliges a recipient to read (IMF-fixdate, the obsolete
 * RFC 850 form with a two-digit year, and asctime), and nothing else: `Date.parse` reads `"0"` as
 * the year 2000, and a date from a broken proxy must not become the clock AK/SK requests are
 * signed with.
 *
 * @example
 * parseHttpDate('Sun, 29 Nov 2026 18:42:17 GMT') // 1795977737000
 * parseHttpDate('Sunday, 29-Nov-26 18:42:17 GMT') // 1795977737000
 * parseHttpDate('Sun Nov 29 18:42:17 2026') // 1795977737000
 * parseHttpDate('0') // NaN
 */
export function parseHttpDate(value: string | null | undefined): number {
  const text = value?.trim() ?? ''
  const match =
    /^[a-z]{3}, (\d\d) ([a-z]{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/i.exec(text) ??
    /^[a-z]{6,9}, (\d\d)-([a-z]{3})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/i.exec(text)
  const asctime = match
    ? undefined
    : /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/i.exec(text)
  const [day, month, year, hour, minute, second] = match
    ? match.slice(1)
    : asctime
      ? [asctime[2], asctime[1], asctime[6], asctime[3], asctime[4], asctime[5]]
      : []
  const monthIndex = MONTHS.indexOf(month?.toLowerCase() ?? '?') / 3
  if (!Number.isInteger(monthIndex) || monthIndex < 0) return Number.NaN
  let fullYear = Number(year)
  if (year?.length === 2) {
    // RFC 9110: a two-digit year more than 50 years ahead means the most recent past such year.
    const thisYear = new Date().getUTCFullYear()
    fullYear += Math.floor(thisYear / 100) * 100
    if (fullYear > thisYear + 50) fullYear -= 100
  }
  const at = Date.UTC(
    fullYear,
    monthIndex,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  )
  // Date.UTC rolls 31 April over into May: a day or time out of range is no date.
  const check = new Date(at)
  return check.getUTCDate() === Number(day) &&
    check.getUTCHours() === Number(hour) &&
    Number(minute) < 60 &&
    Number(second) < 61
    ? at
    : Number.NaN
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
