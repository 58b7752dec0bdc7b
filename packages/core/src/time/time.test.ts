import { describe, expect, it } from 'vitest'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { fullJitterBackoff } from './backoff.ts'
import { raceAbort } from './race-abort.ts'
import { parseRetryAfter } from './retry-after.ts'
import { systemScheduler } from './scheduler.ts'

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
