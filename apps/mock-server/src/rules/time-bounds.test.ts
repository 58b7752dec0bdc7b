import { describe, expect, it } from 'vitest'
import { MockConfigError } from '../errors.ts'
import {
  checkDurationMs,
  clampClockTime,
  isClockTime,
  LATEST_CLOCK_MS,
  MAX_DURATION_MS,
  MAX_TIMER_MS,
} from './time-bounds.ts'

describe('time bounds', () => {
  it('keeps the latest clock plus the longest duration a date that formats', () => {
    expect(new Date(LATEST_CLOCK_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z')
    expect(new Date(LATEST_CLOCK_MS + MAX_DURATION_MS).toISOString()).toMatch(/^\+010009-/)
  })

  it('takes clock times from 1970 to 9999 only', () => {
    expect(isClockTime(0)).toBe(true)
    expect(isClockTime(LATEST_CLOCK_MS)).toBe(true)
    expect(isClockTime(LATEST_CLOCK_MS + 1)).toBe(false)
    expect(isClockTime(-1)).toBe(false)
    expect(isClockTime(Date.parse('+275760-09-13T00:00:00.000Z'))).toBe(false)
    expect(isClockTime(Number.NaN)).toBe(false)
  })

  it('holds a clock reading within 1970 to 9999, leaving times inside alone', () => {
    expect(clampClockTime(LATEST_CLOCK_MS + 2_000)).toBe(LATEST_CLOCK_MS)
    expect(new Date(clampClockTime(Date.UTC(10000, 0, 1, 0, 0, 1))).toISOString()).toBe(
      '9999-12-31T23:59:59.999Z',
    )
    expect(clampClockTime(-1)).toBe(0)
    expect(clampClockTime(Date.UTC(2030, 0, 1))).toBe(Date.UTC(2030, 0, 1))
    expect(clampClockTime(LATEST_CLOCK_MS)).toBe(LATEST_CLOCK_MS)
  })

  it('refuses option durations that are not whole ms within the range, naming the field', () => {
    expect(() => checkDurationMs(undefined, 'tokenTtlMs', 1)).not.toThrow()
    expect(() => checkDurationMs(MAX_DURATION_MS, 'tokenTtlMs', 1)).not.toThrow()
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_DURATION_MS + 1]) {
      const error = (() => {
        try {
          checkDurationMs(bad, 'tokenTtlMs', 1)
        } catch (e) {
          return e
        }
      })()
      expect(error, String(bad)).toBeInstanceOf(MockConfigError)
      expect((error as MockConfigError).message).toMatch(
        /^tokenTtlMs: expected a whole number of milliseconds 1–315360000000 \(ten years\)/,
      )
    }
    expect(() => checkDurationMs(MAX_TIMER_MS + 1, 'eventKeepAliveMs', 1, MAX_TIMER_MS)).toThrow(
      /^eventKeepAliveMs: expected a whole number of milliseconds 1–2147483647/,
    )
  })
})
