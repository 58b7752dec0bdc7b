import { describe, expect, it } from 'vitest'
import {
  addNumberedFault,
  clockChangeProblem,
  moveClock,
  numberedFault,
  serverEvent,
  tokenIssuedEvent,
  tokensInvalidatedEvent,
} from './control.ts'
import { deriveSeed } from './faults.ts'
import { addAccount, createIdentityState, fingerprint, issueToken } from './identity.ts'

describe('moveClock', () => {
  it('sets the clock with `to`, then advances it, and says where it was in its event', () => {
    const real = Date.UTC(2026, 0, 1)
    const moved = moveClock(1_000, { to: real + 60_000, advanceMs: 500 }, real)
    expect(moved.offsetMs).toBe(60_500)
    expect(moved.events).toEqual([
      { type: 'clock', detail: { from: new Date(real + 1_000).toISOString(), offsetMs: 60_500 } },
    ])
  })

  it('only advances when no `to` is given', () => {
    expect(moveClock(1_000, { advanceMs: 250 }, 0).offsetMs).toBe(1_250)
  })

  it('keeps the clock within 1970–9999 whatever the change, so every date still formats', () => {
    const real = Date.UTC(2026, 0, 1)
    const far = moveClock(0, { to: Date.parse('+275760-09-13T00:00:00.000Z') }, real)
    expect(new Date(real + far.offsetMs).toISOString()).toBe('9999-12-31T23:59:59.999Z')
    const before = moveClock(0, { to: -1 }, real)
    expect(real + before.offsetMs).toBe(0)
    const nan = moveClock(5, { to: Number.NaN }, real)
    expect(nan.offsetMs).toBe(5)
  })

  it('says the clock was at its last instant when real time had carried it past 9999', () => {
    const real = Date.UTC(2026, 0, 1)
    const endOffset = Date.UTC(9999, 11, 31, 23, 59, 59) - real
    const moved = moveClock(endOffset, { to: Date.UTC(2030, 0, 1) }, real + 2_000)
    expect(moved.events).toEqual([
      {
        type: 'clock',
        detail: { from: '9999-12-31T23:59:59.999Z', offsetMs: Date.UTC(2030, 0, 1) - real - 2_000 },
      },
    ])
  })

  it('advances from where the clock reads once held at an end of its range', () => {
    const real = Date.UTC(2026, 0, 1)
    // Set to 1 s after the epoch, then the injected real clock ran 5 s back: it reads 0.
    const moved = moveClock(1_000 - real, { advanceMs: 1_000 }, real - 5_000)
    expect(real - 5_000 + moved.offsetMs).toBe(1_000)
  })
})

describe('clockChangeProblem', () => {
  const now = Date.UTC(2026, 0, 1)

  it('refuses `to` outside 1970–9999, naming the field and the range', () => {
    expect(clockChangeProblem({ to: Date.parse('+275760-09-13T00:00:00.000Z') }, now)).toEqual({
      field: 'to',
      message: 'expected a date from 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z',
    })
    expect(clockChangeProblem({ to: -1 }, now)?.field).toBe('to')
    expect(clockChangeProblem({ to: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }, now)).toBeUndefined()
  })

  it('refuses an advance past 9999, saying how far the clock may still go', () => {
    const base = Date.UTC(9999, 11, 31, 23, 59, 59, 0)
    expect(clockChangeProblem({ advanceMs: 999 }, base)).toBeUndefined()
    const problem = clockChangeProblem({ advanceMs: 1_000 }, base)
    expect(problem?.field).toBe('advanceMs')
    expect(problem?.message).toMatch(/past 9999-12-31T23:59:59\.999Z.*at most 999 from/)
    expect(clockChangeProblem({ advanceMs: 60_000 }, now)).toBeUndefined()
  })
})

describe('numberedFault', () => {
  it('numbers the fault and derives its seed from the mock seed unless the spec gives them', () => {
    const { fault, events } = numberedFault({ kind: 'status', status: 503 }, 3, 42, 7)
    expect(fault.spec).toMatchObject({ id: 'f3', seed: deriveSeed(42, 3) })
    expect(fault.createdAt).toBe(7)
    expect(events).toEqual([
      { type: 'fault-added', fault: { id: 'f3', kind: 'status', seed: deriveSeed(42, 3) } },
    ])
    const named = numberedFault(
      { kind: 'latency', ms: 1, id: 'slow', seed: 9, server: 's1' },
      4,
      42,
      0,
    )
    expect(named.events).toEqual([
      { type: 'fault-added', serverId: 's1', fault: { id: 'slow', kind: 'latency', seed: 9 } },
    ])
  })
})

describe('events', () => {
  it('names an issued token by its fingerprint, never the token', () => {
    const identity = createIdentityState()
    addAccount(identity, 'acme')
    identity.users.set('acme/ops', {
      id: 'u1',
      name: 'ops',
      password: 'pw-secret',
      account: 'acme',
      enabled: true,
    })
    const outcome = issueToken(
      identity,
      { user: 'ops', password: 'pw-secret', domain: { name: 'acme' }, scope: undefined },
      0,
      1_000,
    )
    if (!outcome.ok) throw new Error(outcome.message)
    const event = tokenIssuedEvent(outcome)
    expect(event).toEqual({
      type: 'token',
      reason: 'issued',
      detail: { user: 'ops', account: 'acme', token: fingerprint(outcome.token) },
    })
    expect(JSON.stringify(event)).not.toContain(outcome.token)
  })

  it('counts expired and revoked tokens', () => {
    expect(tokensInvalidatedEvent('expire', 2)).toEqual({
      type: 'token',
      reason: 'expired',
      detail: { count: 2 },
    })
    expect(tokensInvalidatedEvent('revoke', 0)).toEqual({
      type: 'token',
      reason: 'revoked',
      detail: { count: 0 },
    })
  })

  it('gives a registered server its account and a deleted one none', () => {
    expect(serverEvent('srv-1', 'auto-registered', 'acme')).toEqual({
      type: 'server',
      serverId: 'srv-1',
      reason: 'auto-registered',
      detail: { domain: 'acme' },
    })
    expect(serverEvent('srv-1', 'deleted')).toEqual({
      type: 'server',
      serverId: 'srv-1',
      reason: 'deleted',
    })
  })
})

describe('addNumberedFault', () => {
  it('numbers each new fault after the last and moves the counter on', () => {
    const book = { faultCounter: 2 }
    const added = addNumberedFault(book, { kind: 'status', status: 503 }, false, 42, 7)
    expect(added).toMatchObject({ fault: { spec: { id: 'f3', seed: deriveSeed(42, 3) } } })
    expect(book.faultCounter).toBe(3)
  })

  it('refuses a taken id and leaves the counter alone', () => {
    const book = { faultCounter: 2 }
    const added = addNumberedFault(book, { kind: 'latency', id: 'slow', ms: 5 }, true, 42, 7)
    expect(added).toEqual({ error: 'a fault with id slow already exists' })
    expect(book.faultCounter).toBe(2)
  })

  it('keeps a given id that is free', () => {
    const added = addNumberedFault(
      { faultCounter: 0 },
      { kind: 'latency', id: 'slow', ms: 5 },
      false,
      1,
      0,
    )
    expect(added).toMatchObject({ fault: { spec: { id: 'slow' } } })
  })
})
