import { afterEach, describe, expect, it, vi } from 'vitest'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { cappedBackoff, fullJitterBackoff } from './backoff.ts'
import { raceAbort } from './race-abort.ts'
import {
  clampServerDelay,
  MAX_SERVER_DELAY_MS,
  parseHttpDate,
  parseRetryAfter,
} from './retry-after.ts'
import { MAX_TIMER_MS, systemScheduler } from './scheduler.ts'

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0)
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 5 ', 5000],
    ['1.5', 1500],
    [new Date(now + 45_000).toUTCString(), 45_000],
    [new Date(now - 45_000).toUTCString(), 0],
  ])('reads %j as %i ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected)
  })

  it.each([null, undefined, '', 'soon', '-5'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined()
  })

  it('reads the obsolete date forms a server may still send as a delay', () => {
    expect(parseRetryAfter('Friday, 27-Nov-26 12:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Fri Nov 27 12:02:00 2026', now)).toBe(120_000)
  })
})

describe('fullJitterBackoff', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 5000 }
  it('grows the cap exponentially and never exceeds maxDelayMs', () => {
    expect(
      [1, 2, 3, 4, 5, 6, 7, 100].map((failures) =>
        fullJitterBackoff(failures, options, () => 0.999999),
      ),
    ).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999])
  })
  it('draws from zero up to the cap', () => {
    expect(fullJitterBackoff(3, options, () => 0)).toBe(0)
    expect(fullJitterBackoff(3, options, () => 0.5)).toBe(200)
  })
})

describe('cappedBackoff', () => {
  it('doubles from baseDelayMs per failure up to maxDelayMs, the cap fullJitterBackoff draws under', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 5000 }
    expect([0, 1, 2, 3, 6, 7, 100, 10_000].map((n) => cappedBackoff(n, options))).toEqual([
      100, 100, 200, 400, 3200, 5000, 5000, 5000,
    ])
  })
})

describe('raceAbort', () => {
  it('settles like the promise when not aborted', async () => {
    expect(await raceAbort(Promise.resolve(7), new AbortController().signal)).toBe(7)
  })
  it('rejects with the reason as soon as the signal aborts, leaving the promise running', async () => {
    const controller = new AbortController()
    let resolve: (value: number) => void = () => {}
    const shared = new Promise<number>((done) => {
      resolve = done
    })
    const raced = raceAbort(shared, controller.signal)
    controller.abort(new Error('stop'))
    await expect(raced).rejects.toThrow('stop')
    resolve(1)
    expect(await shared).toBe(1)
  })
})

describe('schedulers', () => {
  it('systemScheduler.sleep rejects at once with the abort reason', async () => {
    const controller = new AbortController()
    const sleeping = systemScheduler.sleep(60_000, controller.signal)
    controller.abort(new Error('cancelled'))
    await expect(sleeping).rejects.toThrow('cancelled')
  })

  it('the virtual scheduler wakes sleepers in time order only when advanced', async () => {
    const scheduler = createVirtualScheduler(0)
    const woken: number[] = []
    scheduler.sleep(300).then(() => woken.push(300))
    scheduler.sleep(100).then(() => woken.push(100))
    await scheduler.advance(99)
    expect(woken).toEqual([])
    await scheduler.advance(250)
    expect(woken).toEqual([100, 300])
    expect(scheduler.now()).toBe(349)
    expect(scheduler.sleeps).toEqual([300, 100])
  })
})

describe('server-supplied delays', () => {
  it('reads Retry-After: 2592000 as thirty days', () => {
    expect(parseRetryAfter('2592000', 0)).toBe(2_592_000_000)
  })

  it.each([
    [3000, undefined, { delayMs: 3000 }],
    [2_592_000_000, undefined, { delayMs: MAX_SERVER_DELAY_MS, clampedFromMs: 2_592_000_000 }],
    [90_000, 60_000, { delayMs: 60_000, clampedFromMs: 90_000 }],
    [
      Number.POSITIVE_INFINITY,
      60_000,
      { delayMs: 60_000, clampedFromMs: Number.POSITIVE_INFINITY },
    ],
    [Number.NaN, 60_000, { delayMs: 0 }],
    [-5, 60_000, { delayMs: 0 }],
    [5000, Number.NaN, { delayMs: 5000 }],
  ])('clamps %d ms with ceiling %s', (ms, max, expected) => {
    expect(clampServerDelay(ms, max)).toEqual(expected)
  })
})

describe('systemScheduler.sleep is safe for any value', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('does not fire early past the 32-bit timer limit (setTimeout would fire after 1 ms)', async () => {
    vi.useFakeTimers()
    let woken = false
    const sleeping = systemScheduler.sleep(MAX_TIMER_MS + 5_000).then(() => {
      woken = true
    })
    await vi.advanceTimersByTimeAsync(10)
    expect(woken).toBe(false)
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS)
    expect(woken).toBe(false)
    await vi.advanceTimersByTimeAsync(5_000)
    await sleeping
    expect(woken).toBe(true)
  })

  it('waits past the limit in timers each within it, adding up to the whole wait', async () => {
    // The mock's injected latencies wait here too (they used to have a sleep of their own).
    vi.useFakeTimers()
    const timeout = vi.spyOn(globalThis, 'setTimeout')
    const sleeping = systemScheduler.sleep(2 * MAX_TIMER_MS + 5)
    await vi.advanceTimersByTimeAsync(2 * MAX_TIMER_MS + 5)
    await sleeping
    const steps = timeout.mock.calls.map((call) => call[1])
    expect(steps).toEqual([MAX_TIMER_MS, MAX_TIMER_MS, 5])
    expect(steps.every((ms) => ms !== undefined && ms <= MAX_TIMER_MS)).toBe(true)
    timeout.mockRestore()
  })

  it.each([0, Number.NaN, -1, Number.NEGATIVE_INFINITY])('treats %d as no wait', async (ms) => {
    vi.useFakeTimers()
    let woken = false
    const sleeping = systemScheduler.sleep(ms).then(() => {
      woken = true
    })
    await vi.advanceTimersByTimeAsync(0)
    await sleeping
    expect(woken).toBe(true)
  })

  it('sleeps through Infinity until aborted', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    let settled = false
    const sleeping = systemScheduler.sleep(Number.POSITIVE_INFINITY, controller.signal)
    sleeping.then(
      () => {
        settled = true
      },
      () => {
        settled = true
      },
    )
    await vi.advanceTimersByTimeAsync(3 * MAX_TIMER_MS)
    expect(settled).toBe(false)
    controller.abort(new Error('stop'))
    await expect(sleeping).rejects.toThrow('stop')
  })

  it('the virtual scheduler reads NaN as no wait too', async () => {
    const scheduler = createVirtualScheduler(0)
    let woken = false
    scheduler.sleep(Number.NaN).then(() => {
      woken = true
    })
    await scheduler.advance(0)
    expect(woken).toBe(true)
  })
})

describe('parseHttpDate', () => {
  it('reads an IMF-fixdate', () => {
    expect(parseHttpDate('Sun, 29 Nov 2026 18:42:17 GMT')).toBe(Date.UTC(2026, 10, 29, 18, 42, 17))
  })
  it.each([
    [
      'the obsolete RFC 850 form',
      'Sunday, 29-Nov-26 18:42:17 GMT',
      Date.UTC(2026, 10, 29, 18, 42, 17),
    ],
    [
      'a two-digit year over 50 years ahead as the past',
      'Sunday, 06-Nov-94 08:49:37 GMT',
      Date.UTC(1994, 10, 6, 8, 49, 37),
    ],
    ['the asctime form', 'Sun Nov  6 08:49:37 1994', Date.UTC(1994, 10, 6, 8, 49, 37)],
    [
      'the asctime form with a two-digit day',
      'Sun Nov 29 18:42:17 2100',
      Date.UTC(2100, 10, 29, 18, 42, 17),
    ],
    ['any letter case', 'SUN, 29 NOV 2026 18:42:17 gmt', Date.UTC(2026, 10, 29, 18, 42, 17)],
  ])('reads %s', (_form, value, expected) => {
    expect(parseHttpDate(value)).toBe(expected)
  })
  it.each([
    null,
    undefined,
    '',
    '0',
    '2026',
    '-5',
    'soon',
    'Thu, 31 Apr 2026 10:00:00 GMT',
    'Sun, 29 Nov 2026 25:00:00 GMT',
    'Sun, 29 Foo 2026 10:00:00 GMT',
    '2026-11-29T18:42:17Z',
  ])('is NaN for %j, which Date.parse might read', (value) => {
    expect(parseHttpDate(value)).toBeNaN()
  })
})
