import { describe, expect, it } from 'vitest'
import { createRedactor, REDACTED_TEXT } from './redact.ts'

describe('createRedactor', () => {
  it('replaces every occurrence of each secret in text', () => {
    const redactor = createRedactor(['tok-SECRET', 'pw-SECRET'])
    expect(redactor.text('tok-SECRET then pw-SECRET then tok-SECRET')).toBe(
      `${REDACTED_TEXT} then ${REDACTED_TEXT} then ${REDACTED_TEXT}`,
    )
  })

  it('finds a secret as JSON escapes it (a quote or backslash in a password)', () => {
    const password = 'p"w\\SECRET'
    const redactor = createRedactor([password])
    const line = JSON.stringify({ output: `echo ${password}` })
    expect(line).not.toContain(password)
    expect(redactor.text(line)).toBe(JSON.stringify({ output: `echo ${REDACTED_TEXT}` }))
  })

  it('redacts every string of a JSON value, keys included, and keeps values without secrets as they are', () => {
    const redactor = createRedactor(['sk-SECRET-1'])
    const detail = { output_tail: 'sk-SECRET-1\n', nested: [{ 'sk-SECRET-1': 1, ok: true }], n: 3 }
    expect(redactor.value(detail)).toEqual({
      output_tail: `${REDACTED_TEXT}\n`,
      nested: [{ [REDACTED_TEXT]: 1, ok: true }],
      n: 3,
    })
    const clean = { output_tail: 'fine', list: ['a'] }
    expect(redactor.value(clean)).toBe(clean)
  })

  it('replaces a longer secret whole when it contains a shorter one', () => {
    const redactor = createRedactor(['abcd', 'abcdefgh'])
    expect(redactor.text('xabcdefghx')).toBe(`x${REDACTED_TEXT}x`)
  })

  it('ignores secrets too short to be one (they would mangle ordinary words) and non-strings', () => {
    const redactor = createRedactor(['ab', '', undefined as unknown as string])
    expect(redactor.text('ab cd')).toBe('ab cd')
    expect(redactor.value({ a: 'ab' })).toEqual({ a: 'ab' })
  })
})
