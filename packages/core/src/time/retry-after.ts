/**
 * Reads a `Retry-After` header, given in seconds (`"120"`) or as an HTTP date, as milliseconds
 * from `now`. Returns `undefined` when absent or unreadable; a date in the past means 0.
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
  if (!/[a-z]/i.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}
