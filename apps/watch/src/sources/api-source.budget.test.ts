import { createSmsClient, staticToken } from '@sms-command/core'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { createMockApp } from '@sms-command/mock-server'
import { afterEach, describe, expect, it } from 'vitest'
import { inProcessAdmin } from '../../test/mock-admin.ts'
import type { ServerUpdate } from '../model.ts'
import { type BudgetReport, startApiSource } from './api-source.ts'
import { createFleetBudget } from './fleet-budget.ts'

const controllers: AbortController[] = []
afterEach(() => {
  for (const controller of controllers.splice(0)) controller.abort()
})

/** The mock SMS in process, with `count` servers, recording when each command poll arrives. */
async function mockFleet(count: number) {
  const app = createMockApp({ tokens: ['budget-token'], demo: false, logError: () => {} })
  const ids = Array.from({ length: count }, (_, i) => `srv-${String(i).padStart(3, '0')}`)
  const admin = inProcessAdmin(app)
  for (const id of ids) expect((await admin.registerServer({ id })).id).toBe(id)
  return { app, admin, ids }
}

function watchFleet(
  fleet: Awaited<ReturnType<typeof mockFleet>>,
  maxRps: number,
  intervalMs = 10_000,
) {
  const scheduler = createVirtualScheduler()
  const start = scheduler.now()
  const polls: { at: number; serverId: string; status: number }[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const response = await fleet.app.request(request)
    const match = /\/v3\/sources\/([^/]+)\/command$/.exec(new URL(request.url).pathname)
    if (match)
      polls.push({
        at: scheduler.now() - start,
        serverId: decodeURIComponent(match[1] ?? ''),
        status: response.status,
      })
    return response
  }
  const client = createSmsClient({
    endpoint: 'http://mock.test',
    auth: staticToken('budget-token'),
    fetch: fetch as typeof globalThis.fetch,
    scheduler,
    retry: false,
  })
  const controller = new AbortController()
  controllers.push(controller)
  const budget = createFleetBudget({ maxRps, scheduler })
  const updates: ServerUpdate[] = []
  const reports: BudgetReport[] = []
  const source = startApiSource({
    client,
    serverIds: fleet.ids,
    concurrency: 8,
    intervalMs: () => intervalMs,
    budget,
    budgetStatus: (report) => reports.push(report),
    emit: (update) => updates.push(update),
    status: () => {},
    signal: controller.signal,
    scheduler,
    random: () => 0.5,
  })
  return { scheduler, polls, budget, updates, reports, source, controller }
}

/** The most requests seen in any one-second window [t, t + 1 s). */
function busiestSecond(times: readonly number[]): number {
  let most = 0
  for (const start of times) {
    most = Math.max(most, times.filter((at) => at >= start && at < start + 1_000).length)
  }
  return most
}

describe('the API source under a fleet-wide budget (against the mock)', () => {
  it('keeps 500 servers with --max-rps 5 within budget for 10 s, polls spread evenly', async () => {
    const fleet = await mockFleet(500)
    const watch = watchFleet(fleet, 5)
    await watch.scheduler.advance(10_000)
    const times = watch.polls.map((poll) => poll.at)
    // 5 a second for 10 s, the first at once: 51 at most, and the budget is used, not wasted.
    expect(times.length).toBeLessThanOrEqual(51)
    expect(times.length).toBeGreaterThanOrEqual(45)
    expect(busiestSecond(times)).toBeLessThanOrEqual(5)
    // Each server's pause grows with the fleet (500 / 5 per second = 100 s), and the header
    // is told.
    expect(watch.reports.at(-1)).toMatchObject({ servers: 500, rps: 5, intervalMs: 100_000 })
    // Every poll answered, none throttled, and each server at most once.
    expect(new Set(watch.polls.map((poll) => poll.serverId)).size).toBe(times.length)
    expect(watch.polls.every((poll) => poll.status === 200)).toBe(true)
  })

  it('halves the fleet rate on a 429 APIGW.0308 instead of backing off that server', async () => {
    const fleet = await mockFleet(50)
    const watch = watchFleet(fleet, 5)
    await watch.scheduler.advance(2_000)
    // The client throws unless the mock answers 2xx (201: added).
    const added = await fleet.admin.addFaults({
      kind: 'status',
      status: 429,
      count: 1,
      retryAfterSeconds: 0,
      error_code: 'APIGW.0308',
      error_msg:
        'The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 minute',
    })
    expect(added).toHaveLength(1)
    await watch.scheduler.advance(8_000)
    const throttled = watch.polls.find((poll) => poll.status === 429)
    expect(throttled).toBeDefined()
    expect(watch.budget.status().rps).toBe(2.5)
    const report = watch.reports.find((entry) => entry.reason)
    expect(report).toMatchObject({
      rps: 2.5,
      servers: 50,
      intervalMs: 20_000,
      reason: { serverId: throttled?.serverId, error: { status: 429, code: 'APIGW.0308' } },
    })
    // After the 429, requests are 400 ms apart (2.5 a second), not 200 ms.
    const after = watch.polls.filter((poll) => poll.at > (throttled?.at ?? 0)).map((p) => p.at)
    expect(after.length).toBeGreaterThan(5)
    expect(busiestSecond(after)).toBeLessThanOrEqual(3)
    // The throttled server was not backed off nor shown as failing: its poll waited its turn at
    // the lower rate and was answered.
    const retried = watch.polls.filter((poll) => poll.serverId === throttled?.serverId)
    expect(retried.map((poll) => poll.status)).toEqual([429, 200])
    expect(watch.updates.some((update) => update.error)).toBe(false)
  })

  it('recovers the rate slowly once the throttling stops', async () => {
    const fleet = await mockFleet(20)
    const watch = watchFleet(fleet, 4)
    await fleet.admin.addFaults({ kind: 'status', status: 429, count: 1, retryAfterSeconds: 0 })
    await watch.scheduler.advance(1_000)
    expect(watch.budget.status().rps).toBe(2)
    await watch.scheduler.advance(30_000)
    expect(watch.budget.status().rps).toBeCloseTo(2.4)
  })
})
