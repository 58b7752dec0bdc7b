import { describe, expect, it } from 'vitest'
import { bareBlanks, lineText, merge, seg } from './line.ts'

describe('seg', () => {
  it('keeps a style only when it sets something', () => {
    expect(seg('a', { color: 'red' })).toEqual({ text: 'a', style: { color: 'red' } })
    expect(seg('a', {})).toEqual({ text: 'a' })
    expect(seg('a', { bold: false, dim: false, inverse: false })).toEqual({ text: 'a' })
  })
})

describe('bareBlanks', () => {
  it('takes edge spaces out of styles that cannot show on a blank', () => {
    const line = bareBlanks([
      { text: 'srv ' },
      { text: ' idle  ', style: { color: 'green' } },
      { text: '503  ', style: { dim: true, bold: true } },
    ])
    expect(line).toEqual([
      { text: 'srv ' },
      { text: ' ' },
      { text: 'idle', style: { color: 'green' } },
      { text: '  ' },
      { text: '503', style: { dim: true, bold: true } },
      { text: '  ' },
    ])
    expect(merge(line).map((segment) => segment.text)).toEqual(['srv  ', 'idle', '  ', '503', '  '])
  })

  it('keeps inverse spaces (a selected row paints them) and lines without edge spaces', () => {
    const selected = [{ text: ' idle ', style: { inverse: true } }]
    expect(bareBlanks(selected)).toBe(selected)
    const plain = [{ text: 'a b', style: { color: 'red' } }]
    expect(bareBlanks(plain)).toBe(plain)
  })

  it('leaves the text as it was', () => {
    const line = [
      { text: '   ', style: { color: 'cyan' } },
      { text: ' 北京 ', style: { bold: true } },
    ]
    expect(lineText(bareBlanks(line))).toBe(lineText(line))
    expect(bareBlanks(line)[0]).toEqual({ text: '   ' })
  })
})
