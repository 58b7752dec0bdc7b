import { createVirtualScheduler } from '@sms-command/core/testing'
import { describe, expect, it } from 'vitest'
import { createFleetBudget } from './fleet-budget.ts'

/** Starts `count` acquisitions and records when each is granted (virtual time). */
function acquireAll(
  budget: ReturnType<typeof createFleetBudget>,
  count: number,
  now: () => number,
) {
  const granted: number[] = []
  const grants = Array.from({ length: count }, () =>
    budget.acquire().then((grant) => {
      granted.push(now())
      return grant
    }),
  )
  return { granted, grants }
}

describe('createFleetBudget', () => {
  it('lets requests through one at a time, 1/rate apart, in order, with no burst', async () => {
    const scheduler = createVirtualScheduler()
    const start = scheduler.now()
    const budget = createFleetBudget({ maxRps: 5, scheduler })
    const { granted } = acquireAll(budget, 12, scheduler.now)
    await scheduler.advance(2_000)
    expect(granted.map((at) => at - start)).toEqual([
      0, 200, 400, 600, 800, 1_000, 1_200, 1_400, 1_600, 1_800, 2_000,
    ])
    expect(budget.waiting).toBe(1)
  })

  it('halves the rate on a throttled answer, once per generation of requests', async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 4, scheduler })
    const first = await budget.acquire()
    const second = budget.acquire()
    await scheduler.advance(250)
    const sameGeneration = await second
    expect(budget.throttled(first)).toBe(true)
    expect(budget.status().rps).toBe(2)
    // Sent before the decrease: its 429 says nothing new about the new rate.
    expect(budget.throttled(sameGeneration)).toBe(false)
    expect(budget.status().rps).toBe(2)
    const third = budget.acquire()
    await scheduler.advance(500)
    expect(budget.throttled(await third)).toBe(true)
    expect(budget.status()).toMatchObject({ rps: 1, maxRps: 4, throttledAt: scheduler.now() })
  })

  it('spaces requests at the lowered rate after a 429', async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 5, scheduler })
    const grant = await budget.acquire()
    budget.throttled(grant)
    const start = scheduler.now()
    const { granted } = acquireAll(budget, 4, scheduler.now)
    await scheduler.advance(2_000)
    expect(granted.map((at) => at - start)).toEqual([400, 800, 1_200, 1_600])
  })

  it('recovers slowly: a tenth of the maximum every 30 s, never above it', async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 10, scheduler })
    budget.throttled(await budget.acquire())
    expect(budget.status().rps).toBe(5)
    await scheduler.advance(29_999)
    expect(budget.status().rps).toBe(5)
    await scheduler.advance(1)
    expect(budget.status().rps).toBe(6)
    await scheduler.advance(60_000)
    expect(budget.status().rps).toBe(8)
    await scheduler.advance(600_000)
    expect(budget.status().rps).toBe(10)
  })

  it('never falls below the floor', async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 1, minRps: 0.25, scheduler })
    for (let i = 0; i < 10; i++) {
      const grant = budget.acquire()
      await scheduler.advance(10_000)
      budget.throttled(await grant)
    }
    expect(budget.status().rps).toBe(0.25)
  })

  it('holds every request for Retry-After, but not for an absurd one', async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 100, scheduler, retryAfterCapMs: 60_000 })
    const start = scheduler.now()
    budget.throttled(await budget.acquire(), 86_400_000)
    const { granted } = acquireAll(budget, 1, scheduler.now)
    await scheduler.advance(120_000)
    expect(granted).toEqual([start + 60_000])
  })

  it('lets an aborted waiter leave the queue', async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 1, scheduler })
    await budget.acquire()
    const controller = new AbortController()
    const leaving = budget.acquire(controller.signal)
    const staying = budget.acquire()
    controller.abort(new Error('stop'))
    await expect(leaving).rejects.toThrow('stop')
    expect(budget.waiting).toBe(1)
    await scheduler.advance(1_000)
    await expect(staying).resolves.toMatchObject({ generation: 0 })
  })

  it("grows each server's pause with the fleet: servers / rate, or the interval if longer", async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 5, scheduler })
    expect(budget.intervalFor(10, 10_000)).toBe(10_000)
    expect(budget.intervalFor(500, 10_000)).toBe(100_000)
    budget.throttled(await budget.acquire())
    expect(budget.intervalFor(500, 10_000)).toBe(200_000)
  })

  it('refuses a rate that is not a positive number', () => {
    const scheduler = createVirtualScheduler()
    expect(() => createFleetBudget({ maxRps: 0, scheduler })).toThrow(/maxRps/)
    expect(() => createFleetBudget({ maxRps: Number.NaN, scheduler })).toThrow(/maxRps/)
  })
})

describe('createFleetBudget, a throttled request sent again', () => {
  it('goes to the head of the queue', async () => {
    const scheduler = createVirtualScheduler()
    const budget = createFleetBudget({ maxRps: 1, scheduler })
    await budget.acquire()
    const order: string[] = []
    const waiting = budget.acquire().then(() => order.push('waiting'))
    const again = budget.acquire(undefined, { first: true }).then(() => order.push('again'))
    await scheduler.advance(2_000)
    await Promise.all([waiting, again])
    expect(order).toEqual(['again', 'waiting'])
  })
})
