/**
 * The server table: which columns fit, the header, one line per server in view.
 *
 * @module
 */
import type { ServerView } from '../model.ts'
import { selectedIndex, type WatchState } from '../reducer.ts'
import { displayName, serverState } from '../server-view.ts'
import { type FrameLayout, windowRows } from '../view-model.ts'
import {
  type Column,
  cellText,
  cellWidth,
  clean,
  fit,
  fitColumns,
  MARKER_WIDTH,
  MAYBE_EMPTY_COLUMNS,
  sparkline,
} from './format.ts'
import { type Line, padLines, type SegmentStyle, seg } from './line.ts'
import { commandColor, STATE_COLOR } from './palette.ts'

/**
 * The columns for the table at the terminal's width. Judged over the whole table (as the longest
 * name is), not the rows scrolled into view, so columns don't come and go while scrolling.
 *
 * @example
 * const columns = tableColumns(state, tableRows(state))
 */
export function tableColumns(state: WatchState, rows: readonly ServerView[]): Column[] {
  const { cols } = state.terminal
  const memo = columnsMemo
  if (memo && memo.rows === rows && memo.cols === cols && memo.sort === state.sort)
    return memo.columns
  const columns = judgeColumns(state, rows)
  columnsMemo = { rows, cols, sort: state.sort, columns }
  return columns
}

// The rows array is remembered per fleet Map (view-model.ts `fleetRows`), so frames between
// updates (clock ticks, keys) skip a walk over every server's name and cells. What is judged
// (names, whether a cell is blank) doesn't move with the clock.
let columnsMemo:
  | { rows: readonly ServerView[]; cols: number; sort: string; columns: Column[] }
  | undefined

function judgeColumns(state: WatchState, rows: readonly ServerView[]): Column[] {
  let longest = 0
  let sms = false
  const empty = new Set(MAYBE_EMPTY_COLUMNS)
  for (const server of rows) {
    longest = Math.max(longest, cellWidth(clean(displayName(server))))
    if (server.sms !== null) sms = true
    if (empty.size === 0) continue
    const status = serverState(server)
    for (const key of empty) {
      if (cellText(key, server, state.now, status) !== '') empty.delete(key)
    }
  }
  return fitColumns(state.terminal.cols, longest, { sms, sort: state.sort, empty })
}

function tableHeaderLine(state: WatchState, columns: readonly Column[]): Line {
  const line: Line = [seg(' '.repeat(MARKER_WIDTH))]
  columns.forEach((column, index) => {
    if (index > 0) line.push(seg(' '))
    const marker = column.sort === state.sort ? (state.sortReversed ? '▼' : '▲') : ''
    line.push(
      seg(fit(column.title + marker, column.width, column.align), { bold: true, dim: !marker }),
    )
  })
  return line
}

function rowLine(
  server: ServerView,
  columns: readonly Column[],
  now: number,
  selected: boolean,
): Line {
  const state = serverState(server)
  const base: SegmentStyle = selected ? { inverse: true } : {}
  // Bold blanks look like blanks: only the selection arrow is bold.
  const line: Line = [seg(selected ? '› ' : '  ', { ...base, bold: selected })]
  columns.forEach((column, index) => {
    if (index > 0) line.push(seg(' ', base))
    if (column.key === 'activity') {
      for (const cell of sparkline(server.activity, now, column.width)) {
        line.push(seg(cell.char, { ...base, color: cell.error ? 'red' : 'cyan' }))
      }
      return
    }
    const text = fit(cellText(column.key, server, now, state), column.width, column.align)
    let style: SegmentStyle = base
    if (column.key === 'state')
      style = { ...base, color: STATE_COLOR[state], bold: state === 'error' }
    if (column.key === 'command' && server.command)
      style = { ...base, color: commandColor(server.command.name), bold: true }
    if (column.key === 'error' && server.lastError)
      style = server.failing ? { ...base, color: 'red' } : { ...base, dim: true }
    if (column.key === 'server') style = { ...base, bold: selected }
    line.push(seg(text, style))
  })
  return line
}

function emptyTableLine(state: WatchState): Line {
  if (state.filter) {
    return [
      seg(`  No server matches "${clean(state.filter)}" (Esc clears the filter)`, { dim: true }),
    ]
  }
  const connecting = state.sources.some((source) => source.status === 'connecting')
  const failing = state.sources.find((source) => source.status === 'error')
  if (failing)
    return [seg(`  No servers: ${clean(failing.message ?? 'the source failed')}`, { color: 'red' })]
  return [
    seg(
      connecting || state.sources.length === 0
        ? '  Loading… waiting for the first data'
        : '  No servers yet',
      { dim: true },
    ),
  ]
}

/**
 * The table: its header and the rows scrolled into view (or why there are none), with a
 * "… N more" line when rows don't fit, padded to the layout's height.
 *
 * @example
 * const lines = tableLines(state, layout, tableColumns(state, rows), rows)
 */
export function tableLines(
  state: WatchState,
  layout: FrameLayout,
  columns: readonly Column[],
  rows: readonly ServerView[],
): Line[] {
  const lines: Line[] = [tableHeaderLine(state, columns)]
  if (rows.length === 0) {
    lines.push(emptyTableLine(state))
  } else {
    const index = selectedIndex(state, rows)
    const window = windowRows(rows.length, index, layout.tableBody, state.scrollTop)
    for (let i = window.top; i < window.top + window.count; i++) {
      const server = rows[i]
      if (server) lines.push(rowLine(server, columns, state.now, i === index))
    }
    if (window.indicator) {
      const parts = [`… ${window.below} more`]
      if (window.above > 0) parts.push(`${window.above} above`)
      parts.push(`${index + 1}/${rows.length}`)
      lines.push([seg(`  ${parts.join(' · ')}`, { dim: true })])
    }
  }
  return padLines(lines, layout.tableHeader + layout.tableBody)
}
