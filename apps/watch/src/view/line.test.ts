import { describe, expect, it } from 'vitest'
import { seg } from './line.ts'

describe('seg', () => {
  it('keeps a style only when it sets something', () => {
    expect(seg('a', { color: 'red' })).toEqual({ text: 'a', style: { color: 'red' } })
    expect(seg('a', {})).toEqual({ text: 'a' })
    expect(seg('a', { bold: false, dim: false, inverse: false })).toEqual({ text: 'a' })
  })
})
