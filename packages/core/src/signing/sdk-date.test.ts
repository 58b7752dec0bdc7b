import { describe, expect, it } from 'vitest'
import { formatSdkDate, parseSdkDate } from './sdk-date.ts'

describe('formatSdkDate', () => {
  it('formats UTC as YYYYMMDDTHHMMSSZ and drops milliseconds', () => {
    expect(formatSdkDate(new Date('2019-11-15T03:36:55.999Z'))).toBe('20191115T033655Z')
    expect(formatSdkDate(new Date('2006-01-02T15:04:05+07:00'))).toBe('20060102T080405Z')
  })

  it('rejects an invalid date and years outside 0000–9999 with a TypeError', () => {
    expect(() => formatSdkDate(new Date(Number.NaN))).toThrow(TypeError)
    expect(() => formatSdkDate(new Date('+010000-01-01T00:00:00Z'))).toThrow(TypeError)
  })
})

describe('parseSdkDate', () => {
  it('round-trips with formatSdkDate', () => {
    expect(parseSdkDate('20060102T150405Z')?.toISOString()).toBe('2006-01-02T15:04:05.000Z')
    expect(parseSdkDate('00500101T000000Z')?.getUTCFullYear()).toBe(50)
  })

  it.each([
    '2006-01-02T15:04:05Z',
    '20060102T150405',
    '20060102T150405z',
    '20061302T150405Z',
    '20060431T000000Z',
    '20060102T250000Z',
    ' 20060102T150405Z',
  ])('rejects %j', (value) => {
    expect(parseSdkDate(value)).toBeUndefined()
  })
})
