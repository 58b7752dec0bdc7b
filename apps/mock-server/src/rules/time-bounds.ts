// The bounds of every time and duration that reaches the mock from outside (flags, options,
// scenarios, admin bodies, fault specs). A date past year 275760 makes `toISOString` throw and
// the `Date` header read "Invalid Date"; a timer over 2^31−1 ms fires at once on Node. Input is
// refused at these bounds, so no mix of it can build such a date or timer.
import { MAX_TIMER_MS } from '@sms-command/core'
import * as v from 'valibot'
import { MockConfigError } from '../errors.ts'

/** The earliest the mock clock may be set to: the Unix epoch, 1970-01-01T00:00:00.000Z. */
export const EARLIEST_CLOCK_MS = 0

/**
 * The latest the mock clock may be set or advanced to, 9999-12-31T23:59:59.999Z: the last
 * instant a `Date` header, an `X-Sdk-Date` and a four-digit ISO 8601 year can write.
 */
export const LATEST_CLOCK_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/**
 * The longest duration input may give (ten years): a delay, a lifetime, a window or a skew.
 * The latest clock plus this stays a valid date (year 10009), far from JavaScript's limit.
 */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000

// The longest delay `setTimeout` honours has one home, core's time/scheduler.ts; re-exported for
// the mock's own bounds.
export { MAX_TIMER_MS }

const TEN_YEARS = `${MAX_DURATION_MS} (ten years)`

/**
 * A valibot schema of a whole number of milliseconds from `min` to ten years.
 *
 * @example
 * v.parse(durationMsSchema(0), 3_600_000) // 3600000
 */
export function durationMsSchema(min = 0) {
  return v.pipe(
    v.number('expected a number of milliseconds'),
    v.integer('expected an integer'),
    v.minValue(min, `expected ${min}–${TEN_YEARS} ms`),
    v.maxValue(MAX_DURATION_MS, `expected ${min}–${TEN_YEARS} ms`),
  )
}

/**
 * Checks an option's duration: a whole number of ms from `min` to `max` (ten years unless
 * given); `undefined` passes.
 *
 * @throws {MockConfigError} naming `field` and the allowed range.
 * @example
 * checkDurationMs(options.tokenTtlMs, 'tokenTtlMs', 1) // throws for 1e300
 */
export function checkDurationMs(
  value: number | undefined,
  field: string,
  min = 0,
  max = MAX_DURATION_MS,
): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === MAX_DURATION_MS ? `${min}–${TEN_YEARS}` : `${min}–${max}`
    throw new MockConfigError(
      field,
      `expected a whole number of milliseconds ${range}, got ${String(value)}`,
    )
  }
}

/**
 * Whether `ms` is a time the mock clock may show (1970-01-01 to 9999-12-31, UTC).
 *
 * @example
 * isClockTime(Date.parse('+275760-09-13T00:00:00.000Z')) // false
 */
export function isClockTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_CLOCK_MS && ms <= LATEST_CLOCK_MS
}

/**
 * `ms` held within the mock clock's range: what every read of the mock clock returns, so real
 * time passing (or an injected clock) never carries it past 9999-12-31T23:59:59.999Z or before
 * the epoch, where a moved clock set only its offset within the range.
 *
 * @example
 * clampClockTime(LATEST_CLOCK_MS + 2_000) // LATEST_CLOCK_MS
 */
export function clampClockTime(ms: number): number {
  return Math.min(Math.max(ms, EARLIEST_CLOCK_MS), LATEST_CLOCK_MS)
}

/** The clock range as error messages word it. */
export const CLOCK_RANGE = `${new Date(EARLIEST_CLOCK_MS).toISOString()} to ${new Date(LATEST_CLOCK_MS).toISOString()}`
