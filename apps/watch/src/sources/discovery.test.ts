import { createSmsClient, type SourceServer, staticToken } from '@sms-command/core'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { createMockApp } from '@sms-command/mock-server'
import { describe, expect, it } from 'vitest'
import type { ErrorInfo } from '../model.ts'
import {
  DISCOVERY_PAGE,
  type ListedServer,
  listFleet,
  refreshDelayMs,
  startDiscovery,
} from './discovery.ts'
import { createFleetBudget } from './fleet-budget.ts'

/** The mock SMS in process with named servers; counts `GET /v3/sources` requests. */
async function namedFleet(
  servers: { id: string; name?: string; state?: string; migration_cycle?: string }[],
) {
  const app = createMockApp({ tokens: ['list-token'], demo: false, logError: () => {} })
  for (const server of servers) {
    const response = await app.request('/_mock/servers', {
      method: 'POST',
      body: JSON.stringify(server),
    })
    expect(response.ok).toBe(true)
  }
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
  return { app, client, listRequests, scheduler }
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

  it('reports a failed reading and tries again a minute later', async () => {
    const scheduler = createVirtualScheduler()
    let calls = 0
    const lister = {
      // biome-ignore lint/correctness/useYield: a listing that fails before its first page
      async *listServers(): AsyncGenerator<SourceServer> {
        calls++
        throw new Error('gateway down')
      },
    }
    const failures: ErrorInfo[] = []
    const controller = new AbortController()
    const running = startDiscovery({
      lister,
      filters: {},
      scheduler,
      signal: controller.signal,
      found: () => {},
      failed: (error) => failures.push(error),
    })
    await scheduler.advance(60_000)
    expect(calls).toBe(2)
    expect(failures[0]?.message).toBe('gateway down')
    controller.abort()
    await running
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
    await fleet.app.request('/_mock/faults', {
      method: 'POST',
      body: JSON.stringify({
        kind: 'status',
        route: 'sources',
        status: 429,
        count: 1,
        retryAfterSeconds: 0,
        error_code: 'APIGW.0308',
      }),
    })
    const budget = createFleetBudget({ maxRps: 4, scheduler: fleet.scheduler })
    await expect(listFleet(fleet.client, {}, { budget })).rejects.toMatchObject({ status: 429 })
    expect(budget.status().rps).toBe(2)
  })
})
