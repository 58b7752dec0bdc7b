import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parseClockDate } from './clock-date.ts'

const msOf = (text: string) => {
  const parsed = parseClockDate(text)
  if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`)
  return parsed.ms
}
const messageOf = (text: string) => {
  const parsed = parseClockDate(text)
  return parsed.ok ? `accepted as ${parsed.ms}` : parsed.message
}

describe('parseClockDate', () => {
  it('reads every form of the grammar, a date alone at midnight UTC', () => {
    expect(msOf('2030-01-01')).toBe(Date.UTC(2030, 0, 1))
    expect(msOf('2030-06-15T08:30')).toBe(Date.UTC(2030, 5, 15, 8, 30))
    expect(msOf('2030-06-15T08:30:45')).toBe(Date.UTC(2030, 5, 15, 8, 30, 45))
    expect(msOf('2030-06-15T08:30:45.123Z')).toBe(Date.UTC(2030, 5, 15, 8, 30, 45, 123))
    expect(msOf('2030-06-15T08:30Z')).toBe(Date.UTC(2030, 5, 15, 8, 30))
    expect(msOf('2030-06-15T08:30:45+02:00')).toBe(Date.UTC(2030, 5, 15, 6, 30, 45))
    expect(msOf('2030-06-15T08:30:45-05:30')).toBe(Date.UTC(2030, 5, 15, 14, 0, 45))
  })

  it('reads a date-time without offset as UTC, whatever the host time zone', () => {
    // Asia/Tokyo once read this as 2029-12-31T15:00Z and America/New_York as 05:00Z.
    expect(msOf('2030-01-01T00:00:00')).toBe(Date.UTC(2030, 0, 1))
    expect(msOf('2030-01-01T00:00:00')).toBe(msOf('2030-01-01T00:00:00Z'))
    expect(msOf('2030-07-01T12:00')).toBe(msOf('2030-07-01T12:00Z'))
  })

  it('uses no Date API at all, so no reading can depend on the host time zone', async () => {
    const source = await readFile(new URL('./clock-date.ts', import.meta.url), 'utf8')
    const code = source
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\/\*\*|\*)/.test(line))
      .join('\n')
    expect(code).not.toMatch(/\bDate\b/)
  })

  it('agrees with Date.UTC on every day of leap and common years, 1970 to 9999', () => {
    for (const year of [1970, 1999, 2000, 2024, 2030, 2100, 2400, 9999]) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [1, 28]) {
          const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59.999Z`
          expect(msOf(text), text).toBe(Date.UTC(year, month - 1, day, 23, 59, 59, 999))
        }
      }
    }
    expect(msOf('2024-02-29')).toBe(Date.UTC(2024, 1, 29))
    expect(msOf('2000-02-29')).toBe(Date.UTC(2000, 1, 29))
    expect(msOf('9999-12-31T23:59:59.999Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999))
    expect(msOf('1970-01-01T00:00:00.000Z')).toBe(0)
  })

  it('refuses a day its month does not have instead of rolling over, naming the day', () => {
    expect(messageOf('2030-02-30')).toBe(
      'expected an ISO 8601 date that exists: day 30 is not 01–28 in 2030-02',
    )
    expect(messageOf('2030-02-29')).toMatch(/day 29 is not 01–28 in 2030-02$/)
    expect(messageOf('2030-04-31')).toMatch(/day 31 is not 01–30 in 2030-04$/)
    expect(messageOf('2100-02-29')).toMatch(/day 29 is not 01–28 in 2100-02$/)
    expect(messageOf('2030-01-00')).toMatch(/day 00 is not 01–31 in 2030-01$/)
    expect(messageOf('2030-13-01')).toMatch(/that exists: month 13 is not 01–12$/)
    expect(messageOf('2030-00-01')).toMatch(/month 00 is not 01–12$/)
  })

  it('refuses hour 24 and minutes, seconds or offsets out of range, naming the part', () => {
    expect(messageOf('2030-01-01T24:00:00')).toMatch(/that exists: hour 24 is not 00–23$/)
    expect(messageOf('2030-01-01T24:00:00Z')).toMatch(/hour 24 is not 00–23$/)
    expect(messageOf('2030-01-01T12:60')).toMatch(/minute 60 is not 00–59$/)
    expect(messageOf('2030-01-01T12:00:60Z')).toMatch(/second 60 is not 00–59$/)
    expect(messageOf('2030-01-01T12:00+24:00')).toMatch(/offset hour 24 is not 00–23$/)
    expect(messageOf('2030-01-01T12:00+01:60')).toMatch(/offset minute 60 is not 00–59$/)
  })

  it('refuses what the grammar does not write: other fraction lengths, +0100, lowercase, spaces', () => {
    for (const text of [
      '2030-01-01T00:00:00.123456789Z',
      '2030-01-01T00:00:00.1234Z',
      '2030-01-01T00:00:00.5Z',
      '2030-01-01T00:00:00+0100',
      '2030-01-01T00:00:00+01',
      '2030-01-01Z',
      '2030-01-01T00Z',
      '2030-01-01t00:00z',
      '2030-01-01 00:00:00Z',
      ' 2030-01-01',
      '+275760-09-13T00:00:00.000Z',
      '20300101',
      'Dec 25, 1995',
      '',
    ]) {
      expect(messageOf(text), text).toBe(
        'expected an ISO 8601 date YYYY-MM-DD[THH:MM[:SS[.sss]][Z|±HH:MM]] (no offset: UTC) from 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z',
      )
    }
  })

  it('refuses dates outside 1970 to 9999 once the offset is applied', () => {
    const range =
      'expected an ISO 8601 date from 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z'
    expect(messageOf('1969-12-31T23:59:59Z')).toBe(range)
    expect(messageOf('0099-01-01')).toBe(range)
    expect(messageOf('1970-01-01T00:30+01:00')).toBe(range)
    expect(msOf('1969-12-31T23:30-01:00')).toBe(30 * 60_000)
    expect(messageOf('9999-12-31T23:59-01:00')).toBe(range)
  })
})
