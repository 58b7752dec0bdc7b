import { describe, expect, it } from 'vitest'
import { LIMITS_WATCH } from '../model.ts'
import {
  clean,
  fit,
  fitColumns,
  formatLatency,
  formatSince,
  MARKER_WIDTH,
  sparkline,
} from './format.ts'

describe('fitColumns', () => {
  it('never needs more than the terminal width, whatever the ids', () => {
    for (let cols = 40; cols <= 220; cols++) {
      for (const longest of [1, 8, 36, 255]) {
        const columns = fitColumns(cols, longest)
        const width =
          MARKER_WIDTH + columns.reduce((sum, column) => sum + column.width, 0) + columns.length - 1
        expect(width).toBeLessThanOrEqual(Math.max(cols, 51))
        expect(columns.map((column) => column.key).slice(0, 3)).toEqual([
          'server',
          'state',
          'command',
        ])
      }
    }
  })

  it('sizes the server column to the longest id, up to 40', () => {
    expect(fitColumns(200, 8)[0]?.width).toBe(8)
    expect(fitColumns(200, 36)[0]?.width).toBe(36)
    expect(fitColumns(200, 255)[0]?.width).toBe(40)
  })

  it('drops bucket first, then task and activity, on narrower terminals', () => {
    const keys = (cols: number) => fitColumns(cols, 8).map((column) => column.key)
    expect(keys(140)).toContain('bucket')
    expect(keys(100)).not.toContain('bucket')
    expect(keys(100)).toContain('task')
    expect(keys(80)).not.toContain('task')
    expect(keys(80)).toContain('activity')
    expect(keys(60)).not.toContain('activity')
    expect(keys(60)).toContain('error')
  })

  it('gives server names room before columns with nothing to show (140 columns, SMS on)', () => {
    const width = (columns: ReturnType<typeof fitColumns>, key: string) =>
      columns.find((column) => column.key === key)?.width
    // The reviewer's screen: names of 30 cells, no cycle or bucket in any row.
    const empty = new Set(['cycle', 'bucket'] as const)
    const columns = fitColumns(140, 30, { sms: true, sort: 'server', empty })
    expect(width(columns, 'server')).toBe(30)
    // A blank column keeps at most its header's width.
    for (const column of columns.filter((c) => empty.has(c.key as 'cycle' | 'bucket'))) {
      expect(column.width).toBe(column.title.length)
    }
    const total =
      MARKER_WIDTH + columns.reduce((sum, column) => sum + column.width, 0) + columns.length - 1
    expect(total).toBeLessThanOrEqual(140)
    // Longer names: the empty columns go before the name is cut.
    const wide = fitColumns(140, 40, { sms: true, sort: 'server', empty })
    expect(wide.map((column) => column.key)).not.toContain('cycle')
    expect(wide.map((column) => column.key)).not.toContain('bucket')
    expect(width(wide, 'server')).toBeGreaterThan(30)
    expect(wide.map((column) => column.key)).toEqual(
      expect.arrayContaining(['task', 'error', 'activity', 'sms', 'agent']),
    )
  })

  it('shrinks an empty column to its header when there is room, and hides none', () => {
    const columns = fitColumns(220, 10, { empty: new Set(['bucket', 'task']) })
    expect(columns.find((column) => column.key === 'bucket')?.width).toBe('BUCKET'.length)
    expect(columns.find((column) => column.key === 'task')?.width).toBe('TASK'.length)
    expect(columns.find((column) => column.key === 'server')?.width).toBe(10)
  })
})

describe('sparkline', () => {
  const slot = LIMITS_WATCH.sparkSlotMs
  it('draws counts on a fixed scale, marks error slots with ×, and slides with time', () => {
    const activity = {
      slot: 100,
      counts: [...new Array(13).fill(0), 1, 5, 40],
      errors: [...new Array(14).fill(0), 1, 0],
    }
    expect(
      sparkline(activity, 100 * slot, 4)
        .map((cell) => cell.char)
        .join(''),
    ).toBe('·▁×█')
    expect(
      sparkline(activity, 102 * slot, 4)
        .map((cell) => cell.char)
        .join(''),
    ).toBe('×█··')
    expect(
      sparkline(activity, 500 * slot, 4)
        .map((cell) => cell.char)
        .join(''),
    ).toBe('····')
    expect(sparkline(activity, 100 * slot, 4)[2]).toEqual({ char: '×', error: true })
  })

  it('copes with an empty history', () => {
    expect(
      sparkline({ slot: 0, counts: [], errors: [] }, 0, 3)
        .map((cell) => cell.char)
        .join(''),
    ).toBe('···')
  })
})

describe('text helpers', () => {
  it('replaces control characters so nothing from the network can drive the terminal', () => {
    expect(clean('a\u001b[31mb\nc\u0007\u009bd')).toBe('a�[31mb�c��d')
  })

  it('fits text to a width with an ellipsis, left or right aligned', () => {
    expect(fit('abcdef', 4)).toBe('abc…')
    expect(fit('ab', 4)).toBe('ab  ')
    expect(fit('ab', 4, 'right')).toBe('  ab')
    expect(fit('ab', 0)).toBe('')
  })

  it('formats latency and ages for cells', () => {
    expect(formatLatency(null)).toBe('—')
    expect(formatLatency(42.4)).toBe('42ms')
    expect(formatLatency(1_234)).toBe('1.2s')
    expect(formatLatency(65_000)).toBe('1m')
    expect(formatSince(999)).toBe('0s')
    expect(formatSince(61_000)).toBe('1m')
  })
})
