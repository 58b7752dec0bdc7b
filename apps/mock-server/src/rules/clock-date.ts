// The dates `POST /_mock/clock {"to"}` takes, read by hand: `Date.parse` rolls impossible dates
// over (2030-02-30 → 03-02, T24:00 → the next day), takes any number of fraction digits and
// `+0100`, and reads a date-time without offset in the host's time zone. Only arithmetic is used
// here (no Date API), so the result is the same under any TZ.
import { CLOCK_RANGE, isClockTime } from './time-bounds.ts'

/** The grammar `to` is written in, as messages and the README word it. */
export const CLOCK_DATE_GRAMMAR = 'YYYY-MM-DD[THH:MM[:SS[.sss]][Z|±HH:MM]]'

const CLOCK_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))?)?$/

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

export type ClockDateOutcome = { ok: true; ms: number } | { ok: false; message: string }

/**
 * Reads a mock clock date written `YYYY-MM-DD[THH:MM[:SS[.sss]][Z|±HH:MM]]` (a missing offset,
 * or a date alone, is UTC) into ms since the epoch; refuses other text, an impossible date
 * (naming the part: `day 30 of 2030-02`, `hour 24`) and one outside 1970 to 9999.
 *
 * @example
 * parseClockDate('2030-01-01T09:00+09:00') // { ok: true, ms: 1893456000000 }
 * parseClockDate('2030-02-30').ok // false: 2030-02 has 28 days
 */
export function parseClockDate(text: string): ClockDateOutcome {
  const match = CLOCK_DATE.exec(text)
  if (!match) {
    return {
      ok: false,
      message: `expected an ISO 8601 date ${CLOCK_DATE_GRAMMAR} (no offset: UTC) from ${CLOCK_RANGE}`,
    }
  }
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '000', , sign, oh = '00', om = '00'] =
    match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const impossible = (part: string) => ({
    ok: false as const,
    message: `expected an ISO 8601 date that exists: ${part}`,
  })
  if (month < 1 || month > 12) return impossible(`month ${mo} is not 01–12`)
  const days = daysInMonth(year, month)
  if (day < 1 || day > days) {
    return impossible(`day ${d} is not 01–${days} in ${y}-${mo}`)
  }
  if (Number(h) > 23) return impossible(`hour ${h} is not 00–23`)
  if (Number(mi) > 59) return impossible(`minute ${mi} is not 00–59`)
  if (Number(s) > 59) return impossible(`second ${s} is not 00–59`)
  if (Number(oh) > 23) return impossible(`offset hour ${oh} is not 00–23`)
  if (Number(om) > 59) return impossible(`offset minute ${om} is not 00–59`)
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * MINUTE_MS
  const ms =
    daysSinceEpoch(year, month, day) * DAY_MS +
    ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 +
    Number(frac) -
    offsetMs
  if (!isClockTime(ms)) {
    return { ok: false, message: `expected an ISO 8601 date from ${CLOCK_RANGE}` }
  }
  return { ok: true, ms }
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}
