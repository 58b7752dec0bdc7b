import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration.ts'

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    [' 20ms ', 20],
    ['0ms', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['10', '', 's', '-1s', '10x', '1 s', '10S', '1d', 'NaNs', '999999h'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined()
    },
  )
})

describe('formatDuration', () => {
  it('uses the largest exact unit', () => {
    expect(formatDuration(0)).toBe('0ms')
    expect(formatDuration(1_500)).toBe('1500ms')
    expect(formatDuration(10_000)).toBe('10s')
    expect(formatDuration(300_000)).toBe('5m')
    expect(formatDuration(7_200_000)).toBe('2h')
  })

  it('round-trips through parseDuration', () => {
    for (const ms of [0, 1, 20, 999, 1_000, 61_000, 3_600_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms)
    }
  })
})
