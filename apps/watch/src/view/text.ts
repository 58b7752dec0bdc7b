/**
 * Untrusted text on a terminal: what a server's name, a command name or an error message may
 * contain, made visible and measured in terminal cells.
 *
 * - C0/C1 controls and DEL (escape sequences, newlines) become `�`: they could move the cursor or
 *   recolour the screen.
 * - Bidi controls (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), invisible characters
 *   (U+200B–U+200D, U+2060, U+FEFF, U+00AD) and every other format character (Unicode `Cf`), line
 *   and paragraph separators and the Hangul fillers become a visible marker such as `⟨U+202E⟩`:
 *   drawn as they are, they can reorder an error message or make two ids look alike. A ZWJ inside
 *   an emoji sequence (👨‍👩‍👧) and the tag characters of a flag are kept: they are part of one glyph.
 * - Widths are terminal cells counted over grapheme clusters (`string-width`, the same measure Ink
 *   lays out with): CJK and most emoji take two cells, combining accents none.
 *
 * @module
 */
import stringWidth from 'string-width'

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g
const SUSPECT = /[\p{Cf}\u2028\u2029\u115f\u1160\u3164\uffa0]/u
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u
const PLAIN_ASCII = /^[\u0020-\u007e]*$/
const ZWJ = 0x200d

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * The visible marker for an invisible or bidi character.
 *
 * @example
 * marker(0x202e) // '⟨U+202E⟩'
 */
export function marker(codePoint: number): string {
  return `⟨U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}⟩`
}

function isTag(codePoint: number): boolean {
  return codePoint >= 0xe0020 && codePoint <= 0xe007f
}

// Within one grapheme cluster: a ZWJ between two pictographs and the tags after a pictograph (a
// subdivision flag) are how emoji are spelled; anywhere else the same characters hide text.
function markCluster(cluster: string): string {
  const points = Array.from(cluster)
  const startsPictographic = PICTOGRAPHIC.test(points[0] ?? '')
  let out = ''
  for (let i = 0; i < points.length; i++) {
    const char = points[i] ?? ''
    if (!SUSPECT.test(char)) {
      out += char
      continue
    }
    const codePoint = char.codePointAt(0) ?? 0
    const next = points[i + 1]
    const joinsEmoji =
      codePoint === ZWJ && startsPictographic && next !== undefined && PICTOGRAPHIC.test(next)
    if (joinsEmoji || (startsPictographic && isTag(codePoint))) out += char
    else out += marker(codePoint)
  }
  return out
}

/**
 * Makes untrusted text safe to draw on one line: controls become `�`, bidi and invisible
 * characters a visible `⟨U+XXXX⟩` marker (see the module comment).
 *
 * @example
 * safeText('evil\u001b[2Jid') // 'evil�[2Jid'
 * safeText('web-01\u202e') // 'web-01⟨U+202E⟩'
 */
export function safeText(text: string): string {
  if (PLAIN_ASCII.test(text)) return text
  const cleaned = text.replace(CONTROL, '\ufffd')
  if (!SUSPECT.test(cleaned)) return cleaned
  let out = ''
  for (const { segment } of graphemes.segment(cleaned)) {
    out += SUSPECT.test(segment) ? markCluster(segment) : segment
  }
  return out
}

// Widths of the texts seen lately: a frame measures the same few hundred names every redraw.
const widthCache = new Map<string, number>()
const WIDTH_CACHE_LIMIT = 4_096

/**
 * Terminal cells `text` takes (already made safe by {@link safeText}).
 *
 * @example
 * cellWidth('北京-数据库-01') // 14
 * cellWidth('e\u0301') // 1
 */
export function cellWidth(text: string): number {
  if (PLAIN_ASCII.test(text)) return text.length
  const cached = widthCache.get(text)
  if (cached !== undefined) return cached
  const width = stringWidth(text)
  if (widthCache.size >= WIDTH_CACHE_LIMIT) widthCache.clear()
  widthCache.set(text, width)
  return width
}

/**
 * Cuts text to at most `max` cells, ending a cut with `…`. Cuts fall between grapheme clusters,
 * so an accent stays on its letter; a wide glyph that would straddle the edge is left out (the
 * result may then be one cell short of `max`).
 *
 * @example
 * truncateCells('北京-数据库-01', 12) // '北京-数据库…' (12 cells)
 */
export function truncateCells(text: string, max: number): string {
  if (max <= 0) return ''
  if (cellWidth(text) <= max) return text
  if (PLAIN_ASCII.test(text)) return `${text.slice(0, max - 1)}…`
  let used = 0
  let out = ''
  for (const { segment } of graphemes.segment(text)) {
    const width = cellWidth(segment)
    if (used + width > max - 1) break
    out += segment
    used += width
  }
  return `${out}…`
}

/**
 * Pads or cuts text to exactly `width` cells, ending a cut with `…`.
 *
 * @example
 * fit('srv-00042', 6) // 'srv-0…'
 * fit('42', 4, 'right') // '  42'
 * fit('北京-数据库-01', 12) // '北京-数据库…'
 */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return ''
  const cut = truncateCells(text, width)
  const padding = ' '.repeat(Math.max(0, width - cellWidth(cut)))
  return align === 'left' ? cut + padding : padding + cut
}
