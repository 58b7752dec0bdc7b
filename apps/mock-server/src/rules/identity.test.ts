import { describe, expect, it } from 'vitest'
import {
  authenticateToken,
  createIdentityState,
  fingerprint,
  setToken,
  type TokenRecord,
  viewIdentityOf,
} from './identity.ts'

// FNV-1a 32 gives both 7c6823c2: under a 32-bit label they shared one principal.
const CLASHING_PAIR = ['tok-1549599', 'tok-1712382'] as const

const staticRecord = (): TokenRecord => ({
  kind: 'static',
  account: 'demo',
  issuedAt: 0,
  expiresAt: null,
  revoked: false,
})

describe('token fingerprints', () => {
  it('tells apart two tokens whose 32-bit FNV-1a hashes are equal', () => {
    const [a, b] = CLASHING_PAIR
    expect(fingerprint(a).slice(0, 9)).toBe(fingerprint(b).slice(0, 9))
    expect(fingerprint(a)).not.toBe(fingerprint(b))
    expect(fingerprint(a)).toMatch(/^#[0-9a-f]{16}$/)
  })

  it('gives two static tokens distinct principals, never naming the token', () => {
    const state = createIdentityState()
    for (const token of CLASHING_PAIR) setToken(state, token, staticRecord())
    const names = CLASHING_PAIR.map((token) => {
      const outcome = authenticateToken(state, token, 0)
      if (!outcome.ok) throw new Error(`token refused: ${outcome.message}`)
      return outcome.principal.name
    })
    expect(names[0]).not.toBe(names[1])
    for (const [index, name] of names.entries()) {
      expect(name).not.toContain(CLASHING_PAIR[index])
    }
    const labels = viewIdentityOf(state).tokens.map((t) => t.fingerprint)
    expect(new Set(labels).size).toBe(2)
  })

  it('extends a label that another token of the mock already has, keeping labels unique', () => {
    const state = createIdentityState()
    // A stored token whose label is what the next token's fingerprint would be: a collision.
    state.tokens.set('other', { ...staticRecord(), fingerprint: fingerprint('tok-new') })
    const stored = setToken(state, 'tok-new', staticRecord())
    expect(stored.fingerprint).not.toBe(fingerprint('tok-new'))
    expect(stored.fingerprint?.startsWith(fingerprint('tok-new'))).toBe(true)
    expect(stored.fingerprint).not.toContain('tok-new')
    // Every round clashing too: numbered, still unique.
    const crowded = createIdentityState()
    for (const [index, rounds] of [1, 2, 3, 4].entries()) {
      crowded.tokens.set(`other-${index}`, {
        ...staticRecord(),
        fingerprint: fingerprint('tok-new', rounds),
      })
    }
    const numbered = setToken(crowded, 'tok-new', staticRecord())
    expect(numbered.fingerprint).toBe(`${fingerprint('tok-new', 4)}-2`)
  })

  it('keeps a token its own label when it is stored again', () => {
    const state = createIdentityState()
    const first = setToken(state, 'tok-1', staticRecord())
    const again = setToken(state, 'tok-1', { ...staticRecord(), revoked: true })
    expect(again.fingerprint).toBe(first.fingerprint)
  })
})
