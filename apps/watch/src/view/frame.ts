/**
 * The whole screen as data: `buildFrame(state)` returns exactly the lines to draw, each a list of
 * styled segments. Pure, so frame height and content are tested without a terminal, and the Ink
 * component that draws it stays trivial. The parts are built in `header.ts`, `table.ts`,
 * `detail.ts`, `event-log.ts` and `keys.ts`; this file stacks them to the layout's heights.
 *
 * @module
 */
import { tableRows, type WatchState } from '../reducer.ts'
import { layoutFrame } from '../view-model.ts'
import { detailLines } from './detail.ts'
import { eventLogLines } from './event-log.ts'
import { headerLines } from './header.ts'
import { footerLine, helpOverlayLines } from './keys.ts'
import { clip, type Line, merge, seg } from './line.ts'
import { tableColumns, tableLines } from './table.ts'

export {
  type Line,
  lineText,
  lineWidth,
  type Segment,
  type SegmentStyle,
  sameLine,
} from './line.ts'
export { commandColor } from './palette.ts'

/**
 * The frame for a state: exactly `layoutFrame(...).total` lines (the terminal's rows minus one),
 * none longer than the terminal's columns.
 *
 * @example
 * const lines = buildFrame(state)
 * lines.map(lineText).join('\n')
 */
export function buildFrame(state: WatchState): Line[] {
  const { rows, cols } = state.terminal
  const layout = layoutFrame(state.terminal, { detailOpen: state.detailOpen })
  if (layout.tooSmall) {
    if (layout.total === 0) return []
    return [
      [seg(`sms-watch needs at least 40×10; this terminal is ${cols}×${rows}. q quits.`)],
    ].map((line) => clip(line, cols))
  }
  const lines: Line[] = [...headerLines(state)]
  if (state.helpOpen) {
    lines.push(...helpOverlayLines(layout.help, cols))
  } else {
    const rows = tableRows(state)
    const columns = tableColumns(state, rows)
    lines.push(...tableLines(state, layout, columns, rows))
    lines.push(...detailLines(state, layout.detail, cols))
    lines.push(...eventLogLines(state, layout.log, cols))
  }
  lines.push(footerLine(state))
  return lines.map((line) => merge(clip(line, cols)))
}
