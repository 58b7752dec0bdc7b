import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { SmsInputError } from '../errors/sms-input-error.ts'
import { staticToken } from './static-token.ts'

const request = {
  method: 'GET',
  url: new URL('https://x.test/'),
  headers: new Headers(),
  body: null,
}

describe('staticToken', () => {
  it('sends the token as X-Auth-Token and cannot be refreshed', async () => {
    const auth = staticToken('tok')
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok' })
    expect(auth.refresh).toBeUndefined()
    expect(auth.kind).toBe('token')
  })

  it.each([
    ['an empty token', '', 'expected a non-empty token'],
    ['a token over 16,384 characters', 't'.repeat(16_385), 'expected at most 16384 characters'],
  ])('rejects %s, naming the field', (_, token, expected) => {
    let caught: unknown
    try {
      staticToken(token)
    } catch (error) {
      caught = error
    }
    expect((caught as SmsInputError).field).toBe('token')
    expect((caught as Error).message).toContain(expected)
    expect((caught as Error).message).not.toContain(token.slice(0, 50) || '\u0000')
  })

  it('keeps the token out of its JSON and inspection', () => {
    const auth = staticToken('tok-secret')
    expect(JSON.stringify(auth)).not.toContain('tok-secret')
    expect(inspect(auth, { depth: null, showHidden: true })).not.toContain('tok-secret')
  })
})
