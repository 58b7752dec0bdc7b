/**
 * A frame line as one styled string. Ink lays out, measures and tokenizes every `<Text>` node of
 * every frame; a line drawn as one nested `<Text>` per styled segment cost Ink a React fiber, a
 * transform call and a squash per segment. Styling the line here, with the same chalk instance
 * and in the same order as Ink's `<Text>` applies its props, draws the same bytes for a fraction
 * of the work (`bench/render-fleet.mjs`). {@link inkPieces} cuts a line into what Ink handles
 * cheapest: ASCII apart from glyphs, padding apart from text.
 *
 * @module
 */
import chalk, { type ForegroundColorName, foregroundColorNames } from 'chalk'
import type { Line, Segment } from './line.ts'

const NAMED = new Set<string>(foregroundColorNames)

function styleSegment(segment: Segment, color: boolean): string {
  const style = segment.style
  let text = segment.text
  if (!style) return text
  // Ink's `<Text>` order: dim, colour, bold, inverse (each wraps the previous).
  if (style.dim) text = chalk.dim(text)
  if (color && style.color && NAMED.has(style.color))
    text = chalk[style.color as ForegroundColorName](text)
  if (style.bold) text = chalk.bold(text)
  if (style.inverse) text = chalk.inverse(text)
  return text
}

/**
 * A line's text with its styles as terminal escapes, exactly as Ink's `<Text>` props would draw
 * it; `color` false drops colours and keeps bold, dim and inverse (`NO_COLOR`). Chalk's colour
 * level (no TTY: none) applies as it does to Ink.
 *
 * @example
 * styledText([{ text: 'srv-01 ' }, { text: 'error', style: { color: 'red' } }], true)
 * // 'srv-01 \u001b[31merror\u001b[39m' on a colour terminal
 */
export function styledText(line: Line, color: boolean): string {
  let out = ''
  for (const segment of line) out += styleSegment(segment, color)
  return out
}

const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/

/**
 * Splits a line where it changes between printable ASCII and anything else. Ink measures each
 * `<Text>` with `string-width` on every frame, which is a length check for ASCII but a walk over
 * grapheme clusters once one glyph (`·`, `▂`, `—`) is in the string: drawn as separate texts, only
 * the few cells of glyphs take the slow path.
 *
 * @example
 * asciiRuns([{ text: 'srv-01 ' }, { text: '▂▃' }, { text: ' 4s' }]).length // 3
 */
export function asciiRuns(line: Line): Line[] {
  const runs: Line[] = []
  let lastPlain: boolean | undefined
  for (const segment of line) {
    const plain = PRINTABLE_ASCII.test(segment.text)
    const last = runs[runs.length - 1]
    if (plain === lastPlain && last) last.push(segment)
    else runs.push([segment])
    lastPlain = plain
  }
  return runs
}

/** A piece of a line for Ink: styled text, or blank cells Ink need not tokenize. */
export type InkPiece = { text: Line } | { blank: number }

const LONG_BLANK = / {8,}/g

/**
 * {@link asciiRuns}, with long runs of unstyled spaces (column padding) taken out as blanks:
 * Ink fills a frame with blank cells before it writes, so a blank drawn as a `<Box width>` costs
 * no tokenizing, measuring or styling.
 *
 * @example
 * inkPieces([{ text: 'a          b' }]) // [{ text: [{ text: 'a' }] }, { blank: 10 }, { text: [{ text: 'b' }] }]
 */
export function inkPieces(line: Line): InkPiece[] {
  const pieces: InkPiece[] = []
  for (const run of asciiRuns(line)) {
    let current: Line = []
    for (const segment of run) {
      if (segment.style || !segment.text.includes('        ')) {
        current.push(segment)
        continue
      }
      let from = 0
      for (const match of segment.text.matchAll(LONG_BLANK)) {
        if (match.index > from) current.push({ text: segment.text.slice(from, match.index) })
        if (current.length > 0) pieces.push({ text: current })
        current = []
        pieces.push({ blank: match[0].length })
        from = match.index + match[0].length
      }
      if (from < segment.text.length) current.push({ text: segment.text.slice(from) })
    }
    if (current.length > 0) pieces.push({ text: current })
  }
  return pieces
}
