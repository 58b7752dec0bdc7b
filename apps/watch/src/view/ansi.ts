/**
 * A frame line as one styled string. Ink lays out, measures and tokenizes every `<Text>` node of
 * every frame; a line drawn as one nested `<Text>` per styled segment cost Ink a React fiber, a
 * transform call and a squash per segment. Styling the line here, with the same chalk instance
 * and in the same order as Ink's `<Text>` applies its props, draws the same bytes for a fraction
 * of the work (`bench/render-fleet.mjs`).
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
