import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { cellWidth, fit, marker, safeText, truncateCells } from './text.ts'

describe('cellWidth', () => {
  it('counts terminal cells over grapheme clusters, not code points', () => {
    expect(cellWidth('北京-数据库-01')).toBe(14)
    expect(cellWidth('db-🚀-01')).toBe(8)
    expect(cellWidth('caf\u0065\u0301')).toBe(4)
    expect(cellWidth('👨\u200d👩\u200d👧')).toBe(2)
    expect(cellWidth('ＡＢ')).toBe(4)
  })
})

describe('fit', () => {
  it('fits 北京-数据库-01 to 12 columns in exactly 12 cells', () => {
    const fitted = fit('北京-数据库-01', 12)
    expect(fitted).toBe('北京-数据库…')
    expect(stringWidth(fitted)).toBe(12)
  })

  it('turns a wide glyph that would straddle the edge into … and pads to the width', () => {
    // 'a北北' in 4 cells: a(1) 北(2) and the second 北 would take cells 4–5.
    expect(fit('a北北x', 4)).toBe('a北…')
    expect(fit('北京', 3)).toBe('北…')
    // 北 (2) + 京 (2) + … would be 5 cells: 京 is left out and a space pads the cut.
    expect(fit('北京x', 4)).toBe('北… ')
    expect(stringWidth(fit('北京x', 4))).toBe(4)
    expect(fit('北', 1)).toBe('…')
  })

  it('measures emoji, combining accents and ZWJ sequences right', () => {
    expect(fit('db-🚀-01', 10)).toBe('db-🚀-01  ')
    expect(fit('db-🚀-01', 4)).toBe('db-…')
    expect(fit('cafe\u0301-01', 5)).toBe('cafe\u0301…')
    expect(fit('👨\u200d👩\u200d👧-box', 8, 'right')).toBe('  👨\u200d👩\u200d👧-box')
    for (const text of [
      '北京-数据库-01',
      'db-🚀-01',
      'e\u0301e\u0301e\u0301',
      '👨\u200d👩\u200d👧👨\u200d👩\u200d👧',
    ]) {
      for (let width = 1; width <= 16; width++) {
        expect(stringWidth(fit(text, width)), `${text} in ${width}`).toBe(width)
      }
    }
  })

  it('never splits a combining accent from its letter', () => {
    const cut = truncateCells('e\u0301e\u0301e\u0301e\u0301', 3)
    expect(cut).toBe('e\u0301e\u0301…')
  })
})

describe('safeText', () => {
  it('replaces C0 and C1 controls with �', () => {
    expect(safeText('evil\u001b[2Jid')).toBe('evil\ufffd[2Jid')
    expect(safeText('a\u0085b\u009bc')).toBe('a\ufffdb\ufffdc')
  })

  it('shows bidi controls as a visible marker', () => {
    for (const codePoint of [
      0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068,
      0x2069,
    ]) {
      const text = `web-${String.fromCodePoint(codePoint)}01`
      expect(safeText(text)).toBe(`web-${marker(codePoint)}01`)
    }
    expect(safeText('error: \u202edenied')).toBe('error: ⟨U+202E⟩denied')
  })

  it('shows invisible characters as a visible marker, so look-alike ids differ', () => {
    for (const codePoint of [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad]) {
      expect(safeText(`web${String.fromCodePoint(codePoint)}-01`)).toBe(
        `web${marker(codePoint)}-01`,
      )
    }
    expect(safeText('web-01')).not.toBe(safeText('web-\u200b01'))
  })

  it('keeps the joiners and tags that spell one emoji', () => {
    const family = '👨\u200d👩\u200d👧'
    expect(safeText(family)).toBe(family)
    const scotland = '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}'
    expect(safeText(scotland)).toBe(scotland)
    expect(safeText('👍\u200d')).toBe('👍⟨U+200D⟩')
  })

  it('leaves ordinary text, CJK, emoji and accents alone', () => {
    for (const text of ['srv-0001', '北京-数据库-01', 'db-🚀-01', 'cafe\u0301', 'ＡＢ']) {
      expect(safeText(text)).toBe(text)
    }
  })
})
