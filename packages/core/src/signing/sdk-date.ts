const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

/**
 * Formats a date as an `X-Sdk-Date` value, UTC `YYYYMMDDTHHMMSSZ` (milliseconds dropped).
 * Throws a `TypeError` for an invalid date or one outside years 0000–9999.
 *
 * @example
 * formatSdkDate(new Date('2019-11-15T03:36:55.123Z')) // '20191115T033655Z'
 */
export function formatSdkDate(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TypeError('date must be a valid Date')
  }
  // toISOString is the one UTC formatter every runtime agrees on; six-digit
  // years come out as `+012345-…` and fail the check below.
  const formatted = date
    .toISOString()
    .replace(/\.\d{3}/, '')
    .replace(/[-:]/g, '')
  if (!SDK_DATE.test(formatted)) throw new TypeError('date must be within years 0000–9999')
  return formatted
}

/**
 * Parses an `X-Sdk-Date` value (`YYYYMMDDTHHMMSSZ`, UTC); `undefined` when the
 * text is not in that exact form or names no real instant (month 13, 31 April…).
 *
 * @example
 * parseSdkDate('20060102T150405Z')?.toISOString() // '2006-01-02T15:04:05.000Z'
 * parseSdkDate('2006-01-02T15:04:05Z') // undefined
 */
export function parseSdkDate(value: string): Date | undefined {
  const match = SDK_DATE.exec(value)
  if (match === null) return undefined
  const [, year, month, day, hour, minute, second] = match.map(Number)
  if (year === undefined || month === undefined || day === undefined) return undefined
  const date = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 onto 1900–1999.
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour ?? 0, minute ?? 0, second ?? 0, 0)
  // Date rolls 31 April over into 1 May; the round trip rejects such values.
  return formatSdkDate(date) === value ? date : undefined
}
