/**
 * What the keys do, drawn from the keymap's one table: the footer's hints and the `?` overlay.
 *
 * @module
 */
import { footerHints, helpLines } from '../keymap.ts'
import { inputMode, NOTICE_MS, type WatchState } from '../reducer.ts'
import { clean } from './format.ts'
import { type Line, padLines, ruleLine, seg } from './line.ts'

/**
 * The `?` overlay: every key from the keymap, cut with a note when the terminal is too short.
 *
 * @example
 * const lines = helpOverlayLines(layout.help, state.terminal.cols)
 */
export function helpOverlayLines(height: number, cols: number): Line[] {
  const body = helpLines()
  const lines: Line[] = [ruleLine('keys: ? or Esc closes this help', cols, { color: 'cyan' })]
  const room = height - 1
  const shown = body.length > room ? body.slice(0, Math.max(0, room - 1)) : body
  for (const text of shown) {
    const isGroup = text !== '' && !text.startsWith(' ')
    lines.push([seg(` ${text}`, isGroup ? { bold: true, color: 'cyan' } : undefined)])
  }
  if (body.length > room && room > 0)
    lines.push([
      seg(` … ${body.length - shown.length} more lines: enlarge the terminal`, { dim: true }),
    ])
  return padLines(lines, height)
}

/**
 * The footer: the keys of the current mode (or the filter being typed), after a notice while it
 * is fresh.
 *
 * @example
 * lineText(footerLine(state)) // ' ↑ move  Enter detail  …'
 */
export function footerLine(state: WatchState): Line {
  const mode = inputMode(state)
  if (mode === 'filter') {
    return [
      seg(' / ', { bold: true, inverse: true }),
      seg(` ${clean(state.filter)}`),
      seg('█', { dim: true }),
      seg(`   ${footerHints('filter').join(' · ')}`, { dim: true }),
    ]
  }
  const line: Line = []
  footerHints(mode).forEach((hint, index) => {
    const [key = '', ...words] = hint.split(' ')
    if (index > 0) line.push(seg('  '))
    line.push(seg(key, { bold: true, color: 'cyan' }), seg(` ${words.join(' ')}`, { dim: true }))
  })
  if (state.notice && state.now - state.notice.at < NOTICE_MS) {
    line.unshift(seg(` ${clean(state.notice.text)} `, { color: 'yellow', bold: true }), seg(' '))
  } else {
    line.unshift(seg(' '))
  }
  return line
}
