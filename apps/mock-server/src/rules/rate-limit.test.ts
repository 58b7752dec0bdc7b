import { describe, expect, it } from 'vitest'
import { MockConfigError } from '../errors.ts'
import {
  budgetKey,
  describeWindow,
  formatRateLimit,
  identityKey,
  MAX_RATE_LIMIT,
  parseRateLimit,
  type RateState,
  takeRequest,
} from './rate-limit.ts'

describe('parseRateLimit', () => {
  it('reads LIMIT/UNIT with an optional count of units', () => {
    expect(parseRateLimit('20/min')).toEqual({ limit: 20, windowMs: 60_000 })
    expect(parseRateLimit('100/10s')).toEqual({ limit: 100, windowMs: 10_000 })
    expect(parseRateLimit(' 5000 / hour ')).toEqual({ limit: 5000, windowMs: 3_600_000 })
    expect(parseRateLimit('3/2minutes')).toEqual({ limit: 3, windowMs: 120_000 })
  })

  it('reads every documented unit word, in any letter case', () => {
    for (const unit of ['s', 'sec', 'secs', 'second', 'seconds', 'SEC']) {
      expect(parseRateLimit(`5/${unit}`).windowMs, unit).toBe(1_000)
    }
    for (const unit of ['min', 'mins', 'minute', 'minutes', 'Min']) {
      expect(parseRateLimit(`5/${unit}`).windowMs, unit).toBe(60_000)
    }
    for (const unit of ['h', 'hour', 'hours', 'HOUR']) {
      expect(parseRateLimit(`5/${unit}`).windowMs, unit).toBe(3_600_000)
    }
    expect(parseRateLimit('5/day').windowMs).toBe(86_400_000)
    expect(parseRateLimit('5/2days').windowMs).toBe(172_800_000)
  })

  it('refuses a window over ten years, naming the field, and takes ten years', () => {
    expect(parseRateLimit('1/3650days').windowMs).toBe(315_360_000_000)
    expect(() => parseRateLimit('1/3651days', 'SMS_MOCK_RATE_LIMIT')).toThrow(
      /^SMS_MOCK_RATE_LIMIT: expected a window of at most 3650 days \(ten years\)/,
    )
    expect(() => parseRateLimit('1/999999days')).toThrow(/^rateLimit: expected a window/)
  })

  it('takes any N whose window is within 3650 days and any LIMIT up to 2^53−1, however many digits', () => {
    expect(parseRateLimit('1/1000000s')).toEqual({ limit: 1, windowMs: 1_000_000_000 })
    expect(parseRateLimit('1000000000/min')).toEqual({ limit: 1_000_000_000, windowMs: 60_000 })
    expect(parseRateLimit('1/315360000s').windowMs).toBe(315_360_000_000)
    expect(parseRateLimit('1/87600h').windowMs).toBe(315_360_000_000)
    expect(parseRateLimit(`${Number.MAX_SAFE_INTEGER}/s`).limit).toBe(MAX_RATE_LIMIT)
    expect(parseRateLimit('0020/0010s')).toEqual({ limit: 20, windowMs: 10_000 })
  })

  it('says precisely what is wrong: a window over 3650 days, a LIMIT over the maximum, a zero', () => {
    const messageOf = (text: string) => {
      try {
        parseRateLimit(text, '--rate-limit')
      } catch (error) {
        return (error as MockConfigError).message
      }
      return 'accepted'
    }
    expect(messageOf('1/315360001s')).toBe(
      '--rate-limit: expected a window of at most 3650 days (ten years), got "1/315360001s"',
    )
    expect(messageOf(`1/${'9'.repeat(40)}s`)).toMatch(
      /^--rate-limit: expected a window of at most 3650 days/,
    )
    expect(messageOf('9007199254740992/min')).toBe(
      '--rate-limit: expected LIMIT/UNIT with a LIMIT of 1 to 9007199254740991 requests, got "9007199254740992/min"',
    )
    expect(messageOf(`${'9'.repeat(400)}/min`)).toMatch(/with a LIMIT of 1 to 9007199254740991/)
    expect(messageOf('0/min')).toMatch(/^--rate-limit: expected LIMIT\/UNIT with a LIMIT of 1 to/)
    expect(messageOf('20/0s')).toBe(
      '--rate-limit: expected LIMIT/UNIT with a window of at least 1 second, got "20/0s"',
    )
  })

  it('refuses unit words it does not document, rather than guessing a neighbour', () => {
    // `ms` once read as minutes, `hs` as hours, `ss` as seconds
    for (const bad of [
      '20/ms',
      '20/hs',
      '20/ss',
      '20/m',
      '20/mn',
      '20/hrs',
      '20/secondss',
      '20/msec',
    ]) {
      expect(() => parseRateLimit(bad, '--rate-limit'), bad).toThrow(
        /^--rate-limit: expected LIMIT\/UNIT .*units: s, sec/,
      )
    }
  })

  it('refuses anything else, naming the field', () => {
    for (const bad of ['20', '0/min', '20/fortnight', 'x/min', '20/0s']) {
      expect(() => parseRateLimit(bad, '--rate-limit')).toThrow(MockConfigError)
      expect(() => parseRateLimit(bad, '--rate-limit')).toThrow(
        /^--rate-limit: expected LIMIT\/UNIT/,
      )
    }
  })
})

describe('identityKey', () => {
  it('is the IAM user for a password token and for an access key that names its user', () => {
    expect(identityKey({ kind: 'iam-token', account: 'acme', name: 'ops' })).toBe('user:acme:ops')
    expect(identityKey({ kind: 'ak-sk', account: 'acme', name: 'AK1', user: 'ops' })).toBe(
      'user:acme:ops',
    )
  })

  it('keeps an access key without a user, and a static token, apart', () => {
    expect(identityKey({ kind: 'ak-sk', account: 'acme', name: 'AK1' })).toBe('ak-sk:acme:AK1')
    expect(identityKey({ kind: 'static-token', account: 'acme', name: 'token#1' })).toBe(
      'static-token:acme:token#1',
    )
    // same user name in another account is another user
    expect(identityKey({ kind: 'iam-token', account: 'other', name: 'ops' })).toBe('user:other:ops')
  })
})

describe('takeRequest', () => {
  const state = (): RateState => ({ limit: { limit: 2, windowMs: 60_000 }, windows: new Map() })

  it('lets LIMIT requests through per window, then refuses with the gateway text until it ends', () => {
    const rate = state()
    expect(takeRequest(rate, 'u1', 1_000).ok).toBe(true)
    expect(takeRequest(rate, 'u1', 2_000).ok).toBe(true)
    const refused = takeRequest(rate, 'u1', 31_000)
    expect(refused).toEqual({
      ok: false,
      retryAfterSeconds: 30,
      message:
        'The throttling threshold has been reached: policy user over ratelimit,limit:2,time:1 minute',
    })
    expect(takeRequest(rate, 'u2', 31_000).ok).toBe(true)
    expect(takeRequest(rate, 'u1', 61_000).ok).toBe(true)
  })

  it('never limits when no budget is set', () => {
    const rate: RateState = { limit: null, windows: new Map() }
    for (let i = 0; i < 100; i++) expect(takeRequest(rate, 'u', i).ok).toBe(true)
    expect(rate.windows.size).toBe(0)
  })

  it('forgets ended windows once many identities are tracked, so memory stays bounded', () => {
    const rate = state()
    for (let i = 0; i < 10_000; i++) takeRequest(rate, `u${i}`, 0)
    takeRequest(rate, 'late', 120_000)
    expect(rate.windows.size).toBe(1)
  })

  it('words windows as the gateway does', () => {
    expect(describeWindow(60_000)).toBe('1 minute')
    expect(describeWindow(10_000)).toBe('10 seconds')
    expect(describeWindow(7_200_000)).toBe('2 hours')
    expect(describeWindow(86_400_000)).toBe('1 day')
  })

  it('writes a budget back in the form parseRateLimit reads', () => {
    for (const text of ['1/min', '20/min', '100/10s', '5000/h', '3/2day', '7/s', '9/90s']) {
      expect(formatRateLimit(parseRateLimit(text))).toBe(text)
      expect(parseRateLimit(formatRateLimit(parseRateLimit(text)))).toEqual(parseRateLimit(text))
    }
    expect(formatRateLimit(parseRateLimit('5 / 60 minutes'))).toBe('5/h')
  })

  it('keys a budget by identity and API', () => {
    const principal = { kind: 'iam-token', account: 'acme', name: 'ops' } as const
    expect(budgetKey(principal, 'command')).toBe('user:acme:ops command')
    expect(budgetKey(principal, 'sources')).toBe('user:acme:ops sources')
    expect(budgetKey(identityKey(principal), 'command')).toBe(budgetKey(principal, 'command'))
  })
})
