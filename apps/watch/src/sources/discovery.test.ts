import { createSmsClient, type SourceServer, staticToken } from '@sms-command/core'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { createMockApp } from '@sms-command/mock-server'
import { describe, expect, it } from 'vitest'
import { inProcessAdmin } from '../../test/mock-admin.ts'
import type { ErrorInfo } from '../model.ts'
import {
  DISCOVERY_PAGE,
  type ListedServer,
  listFleet,
  refreshDelayMs,
  retryDelayMs,
  startDiscovery,
} from './discovery.ts'
import { createFleetBudget } from './fleet-budget.ts'

/** The mock SMS in process with named servers; counts `GET /v3/sources` requests. */
async function namedFleet(
  servers: { id: string; name?: string; state?: string; migration_cycle?: string }[],
) {
  const app = createMockApp({ tokens: ['list-token'], demo: false, logError: () => {} })
  const admin = inProcessAdmin(app)
  for (const server of servers) expect((await admin.registerServer(server)).id).toBe(server.id)
  const listRequests: string[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    if (url.pathname === '/v3/sources') listRequests.push(url.search)
    return app.request(request)
  }
  const scheduler = createVirtualScheduler()
  const client = createSmsClient({
    endpoint: 'http://mock.test',
    auth: staticToken('list-token'),
    fetch: fetch as typeof globalThis.fetch,
    scheduler,
    retry: false,
  })
  return { app, admin, client, listRequests, scheduler }
}

describe('listFleet through the mock', () => {
  it('reads every page of GET /v3/sources and keeps names, SMS state and cycle', async () => {
    const ids = Array.from({ length: 450 }, (_, i) => `id-${String(i).padStart(3, '0')}`)
    const fleet = await namedFleet(
      ids.map((id, i) => ({
        id,
        name: `web-${i}`,
        state: i % 3 === 0 ? 'replicate' : 'finished',
        migration_cycle: i % 3 === 0 ? 'replicating' : 'cutovered',
      })),
    )
    const budget = createFleetBudget({ maxRps: 1_000, scheduler: fleet.scheduler })
    const listing = listFleet(fleet.client, {}, { budget })
    await fleet.scheduler.advance(10_000)
    const servers = await listing
    expect(servers).toHaveLength(450)
    expect(servers.find((server) => server.id === 'id-003')).toEqual({
      id: 'id-003',
      name: 'web-3',
      sms: expect.objectContaining({ state: 'replicate', migrationCycle: 'replicating' }),
    })
    // Three pages of 200: one request (and one budget grant) each.
    expect(fleet.listRequests).toHaveLength(Math.ceil(450 / DISCOVERY_PAGE))
    expect(fleet.listRequests[2]).toContain('offset=400')
  })

  it('passes --state and --name on as SMS filters', async () => {
    const fleet = await namedFleet([
      { id: 'a', name: '北京-数据库-01', state: 'replicate' },
      { id: 'b', name: 'web-01', state: 'replicate' },
      { id: 'c', name: 'web-02', state: 'error' },
    ])
    const byState = await listFleet(fleet.client, { state: 'replicate' })
    expect(byState.map((server) => server.id).sort()).toEqual(['a', 'b'])
    const byName = await listFleet(fleet.client, { name: '北京' })
    expect(byName.map((server) => server.name)).toEqual(['北京-数据库-01'])
    expect(fleet.listRequests.at(-1)).toContain(`name=${encodeURIComponent('北京')}`)
  })

  it('spends one budget request a page, waiting its turn', async () => {
    const fleet = await namedFleet(
      Array.from({ length: 401 }, (_, i) => ({ id: `s${i}`, name: `n${i}` })),
    )
    const budget = createFleetBudget({ maxRps: 1, scheduler: fleet.scheduler })
    const start = fleet.scheduler.now()
    let doneAt = 0
    const listing = listFleet(fleet.client, {}, { budget }).then((servers) => {
      doneAt = fleet.scheduler.now()
      return servers
    })
    await fleet.scheduler.advance(5_000)
    expect((await listing).length).toBe(401)
    // Pages at 0 s, 1 s and 2 s.
    expect(doneAt - start).toBe(2_000)
  })
})

describe('startDiscovery', () => {
  const server = (id: string, extra: Partial<SourceServer> = {}): SourceServer => ({ id, ...extra })

  it('reads the list at once and every minute, reporting each whole list', async () => {
    const scheduler = createVirtualScheduler()
    const pages: SourceServer[][] = [
      [server('a', { name: 'web-a', connected: true, last_visit_time: 1_000 }), server('b')],
      [server('a', { name: 'web-a' }), server('c'), { name: 'no id' }],
    ]
    let call = 0
    const lister = {
      async *listServers() {
        yield* pages[Math.min(call++, pages.length - 1)] ?? []
      },
    }
    const found: ListedServer[][] = []
    const controller = new AbortController()
    const running = startDiscovery({
      lister,
      filters: {},
      scheduler,
      signal: controller.signal,
      found: (servers) => found.push(servers),
      failed: () => {},
    })
    await scheduler.advance(0)
    expect(found).toHaveLength(1)
    expect(found[0]?.[0]).toEqual({
      id: 'a',
      name: 'web-a',
      sms: { connected: true, connectedSince: 1_000 },
    })
    await scheduler.advance(59_999)
    expect(found).toHaveLength(1)
    await scheduler.advance(1)
    expect(found).toHaveLength(2)
    // A server without an id can't be polled: dropped.
    expect(found[1]?.map((entry) => entry.id)).toEqual(['a', 'c'])
    controller.abort()
    await running
  })

  it('retries a failed reading soon, backing off up to a cap, then reads every minute again', async () => {
    const scheduler = createVirtualScheduler()
    const t0 = scheduler.now()
    const callsAt: number[] = []
    let failing = 5
    const lister = {
      async *listServers(): AsyncGenerator<SourceServer> {
        callsAt.push(scheduler.now() - t0)
        if (failing-- > 0) throw new Error('gateway down')
        yield server('a')
      },
    }
    const failures: { error: ErrorInfo; retryAt: number }[] = []
    const found: number[] = []
    const controller = new AbortController()
    const running = startDiscovery({
      lister,
      filters: {},
      scheduler,
      signal: controller.signal,
      found: (_servers, at) => found.push(at - t0),
      failed: (error, retryAt) => failures.push({ error, retryAt: retryAt - t0 }),
    })
    await scheduler.advance(0)
    // Not a full minute after the failure: 2 s, then doubling.
    expect(failures[0]).toMatchObject({ error: { message: 'gateway down' }, retryAt: 2_000 })
    await scheduler.advance(2_000)
    expect(callsAt).toEqual([0, 2_000])
    await scheduler.advance(200_000)
    // 2, 4, 8, 16 s apart, then the list comes, then a minute's pause.
    expect(callsAt.slice(0, 6)).toEqual([0, 2_000, 6_000, 14_000, 30_000, 60_000])
    expect(failures.map((failure) => failure.retryAt)).toEqual([
      2_000, 6_000, 14_000, 30_000, 60_000,
    ])
    expect(found[0]).toBe(60_000)
    expect(callsAt[6]).toBe(120_000)
    controller.abort()
    await running
  })

  it('after a throttled list waits its Retry-After, through the fleet budget, then lists', async () => {
    // The reviewer's case: `--servers all`, the mock answers the list with 429 Retry-After 2 s.
    const fleet = await namedFleet([{ id: 'a', name: 'web-a' }])
    await fleet.admin.addFaults({
      kind: 'status',
      route: 'sources',
      status: 429,
      count: 1,
      retryAfterSeconds: 3,
    })
    const budget = createFleetBudget({ maxRps: 100, scheduler: fleet.scheduler })
    const t0 = fleet.scheduler.now()
    const failures: number[] = []
    const found: { ids: string[]; at: number }[] = []
    const controller = new AbortController()
    const running = startDiscovery({
      lister: fleet.client,
      filters: {},
      budget,
      scheduler: fleet.scheduler,
      signal: controller.signal,
      found: (servers, at) => found.push({ ids: servers.map((entry) => entry.id), at: at - t0 }),
      failed: (_error, retryAt) => failures.push(retryAt - t0),
    })
    await fleet.scheduler.advance(0)
    expect(failures).toEqual([3_000])
    expect(budget.status().rps).toBe(50)
    await fleet.scheduler.advance(2_999)
    expect(fleet.listRequests).toHaveLength(1)
    await fleet.scheduler.advance(1)
    await fleet.scheduler.advance(0)
    expect(fleet.listRequests).toHaveLength(2)
    expect(found).toEqual([{ ids: ['a'], at: 3_000 }])
    controller.abort()
    await running
  })
})

describe('retryDelayMs', () => {
  it('doubles from 2 s up to 30 s, honours Retry-After up to a minute, never past the refresh', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => retryDelayMs(n, undefined, 60_000))).toEqual([
      2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ])
    expect(retryDelayMs(1, 5_000, 60_000)).toBe(5_000)
    expect(retryDelayMs(4, 5_000, 60_000)).toBe(16_000)
    expect(retryDelayMs(1, 3_600_000, 60_000)).toBe(60_000)
    expect(retryDelayMs(1, Number.NaN, 60_000)).toBe(2_000)
    expect(retryDelayMs(3, undefined, 5_000)).toBe(5_000)
  })
})

describe('refreshDelayMs', () => {
  it('reads the list every minute unless that would take over a fifth of the budget', () => {
    expect(refreshDelayMs(60_000, 1, 0.2)).toBe(60_000)
    expect(refreshDelayMs(60_000, 5, 0.2)).toBe(125_000)
    expect(refreshDelayMs(60_000, 50, 5)).toBe(60_000)
    expect(refreshDelayMs(60_000, 500, 5)).toBe(500_000)
    expect(refreshDelayMs(60_000, 5, undefined)).toBe(60_000)
  })
})

describe('listFleet when SMS throttles the list', () => {
  it('halves the fleet budget and reports the failure', async () => {
    const fleet = await namedFleet([{ id: 'a', name: 'web-a' }])
    await fleet.admin.addFaults({
      kind: 'status',
      route: 'sources',
      status: 429,
      count: 1,
      retryAfterSeconds: 0,
      error_code: 'APIGW.0308',
    })
    const budget = createFleetBudget({ maxRps: 4, scheduler: fleet.scheduler })
    await expect(listFleet(fleet.client, {}, { budget })).rejects.toMatchObject({ status: 429 })
    expect(budget.status().rps).toBe(2)
  })
})
