// The control-plane steps both stores take the same way (MemoryStore in one process,
// SmsControlObject on Workers): moving the mock clock, numbering faults, and the events they
// publish, so that every runtime's event stream carries the same events.
import type { NewMockEvent } from '../types.ts'
import { createFault, deriveSeed, type FaultSpec, type FaultState } from './faults.ts'
import { type IssueOutcome, tokenLabel } from './identity.ts'
import { CLOCK_RANGE, clampClockTime, isClockTime, LATEST_CLOCK_MS } from './time-bounds.ts'

/** A change of the mock clock: `to` sets it, then `advanceMs` (≥ 0) moves it on. */
export interface ClockChange {
  advanceMs?: number
  to?: number
}

/**
 * Why `change` can't be made to a mock clock showing `now`, as `{ field, message }`, or
 * `undefined` when it can: the clock must stay within 1970-01-01 to 9999-12-31 (UTC), so that
 * every date the mock writes (headers, expiries, release times) is a valid one.
 *
 * @example
 * clockChangeProblem({ to: Date.parse('+275760-09-13T00:00:00Z') }, Date.now())?.field // 'to'
 */
export function clockChangeProblem(
  change: ClockChange,
  now: number,
): { field: 'to' | 'advanceMs'; message: string } | undefined {
  if (change.to !== undefined && !isClockTime(change.to)) {
    return { field: 'to', message: `expected a date from ${CLOCK_RANGE}` }
  }
  const base = change.to ?? now
  if (change.advanceMs !== undefined && !isClockTime(base + change.advanceMs)) {
    return {
      field: 'advanceMs',
      message: `would move the mock clock past ${new Date(LATEST_CLOCK_MS).toISOString()}, the latest it may show; at most ${Math.max(0, LATEST_CLOCK_MS - base)} from ${new Date(base).toISOString()}`,
    }
  }
  return undefined
}

/**
 * The mock clock's new offset from the real one after `change`, and its `clock` event (which
 * says where the clock was). The clock stays within 1970-01-01 to 9999-12-31 whatever the
 * change (check {@link clockChangeProblem} first to refuse one instead).
 *
 * @example
 * moveClock(0, { advanceMs: 60_000 }, Date.now()).offsetMs // 60000
 */
export function moveClock(
  offsetMs: number,
  change: ClockChange,
  realNow: number,
): { offsetMs: number; events: NewMockEvent[] } {
  // From where the clock reads (held within its range), not where the offset alone would put it.
  const before = clampClockTime(realNow + offsetMs)
  let target = change.to ?? before
  if (change.advanceMs !== undefined) target += change.advanceMs
  if (!Number.isFinite(target)) target = before
  const next = clampClockTime(target) - realNow
  return {
    offsetMs: next,
    events: [{ type: 'clock', detail: { from: new Date(before).toISOString(), offsetMs: next } }],
  }
}

/**
 * The `number`-th fault added to a mock: id `f<number>` and a seed derived from the mock's
 * seed unless the spec gives them (so a run replays), with its `fault-added` event.
 *
 * @example
 * numberedFault({ kind: 'status', status: 503 }, 3, 42, now).fault.spec.id // 'f3'
 */
export function numberedFault(
  spec: FaultSpec,
  number: number,
  baseSeed: number,
  now: number,
): { fault: FaultState; events: NewMockEvent[] } {
  const fault = createFault(spec, `f${number}`, deriveSeed(baseSeed, number), now)
  return {
    fault,
    events: [
      {
        type: 'fault-added',
        ...(spec.server ? { serverId: spec.server } : {}),
        fault: { id: fault.spec.id, kind: spec.kind, seed: fault.spec.seed },
      },
    ],
  }
}

/**
 * The `token` event of a token issued by the mock IAM: user, account and the token's
 * fingerprint, never the token.
 *
 * @example
 * if (outcome.ok) publish([tokenIssuedEvent(outcome)])
 */
export function tokenIssuedEvent(outcome: Extract<IssueOutcome, { ok: true }>): NewMockEvent {
  return {
    type: 'token',
    reason: 'issued',
    detail: {
      user: outcome.user.name,
      account: outcome.account.name,
      token: tokenLabel(outcome.token, outcome.record),
    },
  }
}

/**
 * The `token` event of an expire or revoke call, with how many tokens it changed.
 *
 * @example
 * tokensInvalidatedEvent('revoke', 2) // { type: 'token', reason: 'revoked', detail: { count: 2 } }
 */
export function tokensInvalidatedEvent(action: 'expire' | 'revoke', count: number): NewMockEvent {
  return { type: 'token', reason: action === 'expire' ? 'expired' : 'revoked', detail: { count } }
}

/**
 * The `server` event of a server registered (by the admin API or on first use) in account
 * `domain`, or deleted.
 *
 * @example
 * serverEvent('srv-1', 'registered', 'acme')
 * serverEvent('srv-1', 'deleted')
 */
export function serverEvent(
  serverId: string,
  reason: 'registered' | 'auto-registered' | 'deleted',
  domain?: string,
): NewMockEvent {
  return {
    type: 'server',
    serverId,
    reason,
    ...(domain !== undefined ? { detail: { domain } } : {}),
  }
}

/**
 * Adds a fault to a mock that has numbered `book.faultCounter` faults so far: refused when
 * its id is taken, else numbered (the counter moves on) as {@link numberedFault} does.
 *
 * @example
 * const added = addNumberedFault(book, spec, ids.has(spec.id ?? ''), seed, now)
 * if ('error' in added) return added
 */
export function addNumberedFault(
  book: { faultCounter: number },
  spec: FaultSpec,
  idTaken: boolean,
  baseSeed: number,
  now: number,
): { fault: FaultState; events: NewMockEvent[] } | { error: string } {
  if (spec.id !== undefined && idTaken)
    return { error: `a fault with id ${spec.id} already exists` }
  book.faultCounter++
  return numberedFault(spec, book.faultCounter, baseSeed, now)
}
