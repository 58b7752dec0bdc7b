import { MAX_TIMER_MS } from '@sms-command/core'

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
}

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g

/**
 * The largest duration accepted anywhere: about 24.8 days, the most `setTimeout` can wait (core's
 * `MAX_TIMER_MS`, the one home of that limit).
 */
export const MAX_DURATION_MS: number = MAX_TIMER_MS

/**
 * Reads a duration written with a unit, `500ms`, `10s`, `5m`, `1h`, or a sum such as `1m30s`.
 * Returns milliseconds, or `undefined` when the text is not a duration (a bare number has no
 * unit and is refused, so `10` can't be mistaken for 10 ms or 10 s).
 *
 * @example
 * parseDuration('1m30s') // 90000
 * parseDuration('10') // undefined
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  if (!DURATION.test(trimmed)) return undefined
  let total = 0
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    total += Number(amount) * (UNITS[unit as string] ?? Number.NaN)
  }
  const ms = Math.round(total)
  return Number.isFinite(ms) && ms <= MAX_DURATION_MS ? ms : undefined
}

/**
 * Writes milliseconds back in the largest unit that is exact: `10s`, `1500ms`, `5m`.
 *
 * @example
 * formatDuration(90_000) // '90s'
 */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms !== 0 && ms % 1_000 === 0) return `${ms / 1_000}s`
  return `${ms}ms`
}
