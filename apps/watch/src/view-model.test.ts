import { describe, expect, it } from 'vitest'
import { emptyServer } from './server-view.ts'
import { fleetTotals, layoutFrame, MIN_TERMINAL, windowRows } from './view-model.ts'

describe('windowRows', () => {
  it('shows every row without an indicator when they fit', () => {
    expect(windowRows(5, 4, 10, 0)).toEqual({
      top: 0,
      count: 5,
      above: 0,
      below: 0,
      indicator: false,
    })
  })

  it('keeps one line for "… N more" when the list is longer than the height', () => {
    expect(windowRows(1000, 0, 20, 0)).toEqual({
      top: 0,
      count: 19,
      above: 0,
      below: 981,
      indicator: true,
    })
  })

  it('scrolls as little as possible to keep the selection visible', () => {
    expect(windowRows(1000, 19, 20, 0).top).toBe(1)
    expect(windowRows(1000, 10, 20, 5).top).toBe(5)
    expect(windowRows(1000, 3, 20, 5).top).toBe(3)
    expect(windowRows(1000, 999, 20, 0)).toMatchObject({ top: 981, below: 0, above: 981 })
  })

  it('clamps a stale scroll position after the list shrinks', () => {
    expect(windowRows(30, 0, 20, 500).top).toBe(0)
    expect(windowRows(30, 29, 20, 500).top).toBe(11)
  })

  it('never draws more lines than the height, for any list, selection and height', () => {
    for (const total of [0, 1, 2, 19, 20, 21, 1000]) {
      for (const height of [0, 1, 2, 3, 20]) {
        for (const selected of [0, Math.floor(total / 2), total - 1]) {
          const window = windowRows(total, selected, height, 7)
          expect(window.count + (window.indicator ? 1 : 0)).toBeLessThanOrEqual(height)
          expect(window.above + window.count + window.below).toBe(total)
        }
      }
    }
  })
})

describe('layoutFrame', () => {
  it('uses all rows but one, for any terminal size and pane combination', () => {
    for (let rows = MIN_TERMINAL.rows; rows <= 80; rows++) {
      for (const detailOpen of [false, true]) {
        const layout = layoutFrame({ rows, cols: 100 }, { detailOpen })
        const sum =
          layout.header +
          layout.tableHeader +
          layout.tableBody +
          layout.detail +
          layout.log +
          layout.footer
        expect(sum).toBe(rows - 1)
        expect(layout.total).toBe(rows - 1)
        expect(layout.tableBody).toBeGreaterThanOrEqual(3)
        expect(layout.help + layout.header + layout.footer).toBe(rows - 1)
      }
    }
  })

  it('gives the event log room only on tall terminals', () => {
    expect(layoutFrame({ rows: 15, cols: 100 }, { detailOpen: false }).log).toBe(0)
    expect(layoutFrame({ rows: 25, cols: 100 }, { detailOpen: false }).log).toBe(4)
    expect(layoutFrame({ rows: 50, cols: 100 }, { detailOpen: false }).log).toBe(7)
  })

  it('falls back to a one-line notice on a tiny terminal', () => {
    expect(layoutFrame({ rows: 5, cols: 100 }, { detailOpen: false })).toMatchObject({
      tooSmall: true,
      total: 1,
    })
    expect(layoutFrame({ rows: 40, cols: 20 }, { detailOpen: false }).tooSmall).toBe(true)
  })
})

describe('fleetTotals', () => {
  it('counts servers by state and pending commands by name', () => {
    const servers = [
      { ...emptyServer('a'), phase: 'pending' as const, command: { name: 'START' } },
      { ...emptyServer('b'), phase: 'running' as const, command: { name: 'START' } },
      { ...emptyServer('c'), phase: 'pending' as const, command: { name: 'STOP' }, failing: true },
      { ...emptyServer('d'), phase: 'idle' as const },
      emptyServer('e'),
    ]
    const totals = fleetTotals(servers)
    expect(totals.servers).toBe(5)
    expect(totals.failing).toBe(1)
    expect(totals.pendingByCommand).toEqual([
      ['START', 2],
      ['STOP', 1],
    ])
    expect(totals.byState).toMatchObject({ pending: 1, running: 1, error: 1, idle: 1, waiting: 1 })
  })
})
