/**
 * A screen line as data: styled segments, and what every part of the frame does with them
 * (measure, compare, merge, cut to the terminal's width, pad a block to its height).
 *
 * @module
 */
import { cellWidth, clean, truncateCells } from './format.ts'

/** How a segment looks. `color` is dropped when colour is off (`NO_COLOR`); the rest stays. */
export interface SegmentStyle {
  color?: string
  bold?: boolean
  dim?: boolean
  inverse?: boolean
}

/** A run of text in one style. */
export interface Segment {
  text: string
  style?: SegmentStyle
}

/** One screen line. */
export type Line = Segment[]

// A style that sets nothing draws as no style; dropping it lets the segment merge with its
// unstyled neighbours (fewer segments to compare and style per frame).
const setsSomething = (style: SegmentStyle): boolean =>
  style.color !== undefined || style.bold === true || style.dim === true || style.inverse === true

/**
 * A segment, with its style only when it sets something (`{}` or `{ bold: false }` is no style).
 *
 * @example
 * seg('error', { color: 'red' }) // { text: 'error', style: { color: 'red' } }
 * seg('  ', { bold: false }) // { text: '  ' }
 */
export const seg = (text: string, style?: SegmentStyle): Segment =>
  style && setsSomething(style) ? { text, style } : { text }

/**
 * A line's plain text (styles dropped).
 *
 * @example
 * lineText([{ text: 'a' }, { text: 'b' }]) // 'ab'
 */
export function lineText(line: Line): string {
  return line.map((segment) => segment.text).join('')
}

/**
 * True when two lines draw the same (text and styles), so an unchanged line is not re-rendered.
 *
 * @example
 * sameLine([{ text: 'a' }], [{ text: 'a' }]) // true
 */
export function sameLine(a: Line, b: Line): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const left = a[i]
    const right = b[i]
    if (!left || !right || left.text !== right.text) return false
    const x = left.style
    const y = right.style
    if (x === y) continue
    if (!x || !y) return false
    if (x.color !== y.color || x.bold !== y.bold || x.dim !== y.dim || x.inverse !== y.inverse)
      return false
  }
  return true
}

const sameStyle = (a: SegmentStyle | undefined, b: SegmentStyle | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.color === b.color &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.inverse === b.inverse)

/**
 * Joins neighbouring segments of one style: fewer segments to style and hand to Ink per frame.
 *
 * @example
 * merge([{ text: 'a' }, { text: 'b' }]) // [{ text: 'ab' }]
 */
export function merge(line: Line): Line {
  const out: Line = []
  for (const segment of line) {
    const last = out[out.length - 1]
    if (last && sameStyle(last.style, segment.style)) {
      out[out.length - 1] = { ...last, text: last.text + segment.text }
    } else {
      out.push(segment)
    }
  }
  return out
}

/**
 * Cuts a line to `cols` terminal cells, so no line ever wraps into two, whatever the names.
 * Every segment's text is made safe first: a caller that forgot `clean` still can't draw a
 * control or bidi character.
 *
 * @example
 * lineText(clip([{ text: 'srv-00042' }], 6)) // 'srv-0…'
 */
export function clip(line: Line, cols: number): Line {
  let room = cols
  const out: Line = []
  for (const segment of line) {
    if (room <= 0) break
    const text = clean(segment.text)
    const width = cellWidth(text)
    if (width <= room) {
      out.push(text === segment.text ? segment : { ...segment, text })
      room -= width
    } else {
      out.push({ ...segment, text: truncateCells(text, room) })
      room = 0
    }
  }
  return out
}

/**
 * A line's width in terminal cells.
 *
 * @example
 * lineWidth([{ text: '北京' }, { text: '-01' }]) // 7
 */
export function lineWidth(line: Line): number {
  return line.reduce((sum, segment) => sum + cellWidth(segment.text), 0)
}

/**
 * Cuts or pads (with empty lines) a block to exactly `height` lines.
 *
 * @example
 * padLines([[{ text: 'a' }]], 3).length // 3
 */
export function padLines(lines: Line[], height: number): Line[] {
  const out = lines.slice(0, height)
  while (out.length < height) out.push([])
  return out
}

/**
 * A horizontal rule with a title, filling `cols` cells: `─ title ─────`.
 *
 * @example
 * lineText(ruleLine('events', 12)) // '─ events ───'
 */
export function ruleLine(title: string, cols: number, style?: SegmentStyle): Line {
  const text = `─ ${title} `
  return [
    seg(text, { bold: true, ...style }),
    seg('─'.repeat(Math.max(0, cols - cellWidth(clean(text)))), { dim: true }),
  ]
}
