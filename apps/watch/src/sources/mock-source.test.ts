import { createVirtualScheduler } from '@sms-command/core/testing'
import { createMockApp } from '@sms-command/mock-server'
import { afterEach, describe, expect, it } from 'vitest'
import { inProcessAdmin } from '../../test/mock-admin.ts'
import type { LogEntry, ServerUpdate, ServerView, SourceStatus } from '../model.ts'
import { applyServerUpdate, emptyServer } from '../server-view.ts'
import { startMockSource } from './mock-source.ts'

describe('startMockSource against the mock server (in process)', () => {
  const controllers: AbortController[] = []
  afterEach(() => {
    for (const controller of controllers.splice(0)) controller.abort()
  })

  async function until(check: () => boolean, what: string) {
    for (let i = 0; i < 200; i++) {
      if (check()) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  it('loads a snapshot, then follows enqueues, deliveries, results and auth failures live', async () => {
    const app = createMockApp({ tokens: ['agent-token'], adminToken: 'admin-secret', demo: false })
    const admin = inProcessAdmin(app, 'admin-secret')
    await admin.registerServer({ id: 'web-1' })
    await admin.registerServer({ id: 'db-1' })
    await admin.enqueue('web-1', { command_name: 'START', command_param: { task_id: 'early' } })

    const controller = new AbortController()
    controllers.push(controller)
    const servers = new Map<string, ServerView>()
    const declared: string[] = []
    const statuses: SourceStatus[] = []
    const log: LogEntry[] = []
    const emit = (update: ServerUpdate) => {
      servers.set(
        update.serverId,
        applyServerUpdate(servers.get(update.serverId) ?? emptyServer(update.serverId), update)
          .server,
      )
    }
    const done = startMockSource({
      url: new URL('http://mock.test'),
      adminToken: 'admin-secret',
      emit,
      servers: (ids) => declared.push(...ids),
      status: (status) => statuses.push(status),
      log: (entry) => log.push(entry),
      signal: controller.signal,
      fetch: ((input: URL | Request, init?: RequestInit) =>
        app.request(input, init)) as typeof fetch,
    })
    await until(() => servers.get('web-1')?.command?.taskId === 'early', 'the snapshot')
    expect(declared.sort()).toEqual(['db-1', 'web-1'])
    expect(statuses.some((status) => status.status === 'ok')).toBe(true)

    await admin.enqueue('db-1', { command_name: 'STOP', command_param: { task_id: 'live' } })
    await until(() => servers.get('db-1')?.command?.name === 'STOP', 'the live enqueue')

    const agent = { 'X-Auth-Token': 'agent-token', 'Content-Type': 'application/json' }
    await app.request('/v3/sources/db-1/command', { headers: agent })
    await until(() => servers.get('db-1')?.phase === 'delivered', 'the delivery')
    await app.request('/v3/sources/db-1/command_result', {
      method: 'POST',
      headers: agent,
      body: JSON.stringify({
        command_name: 'STOP',
        result: 'success',
        result_detail: { exit_code: 0 },
      }),
    })
    await until(() => servers.get('db-1')?.lastResult?.result === 'success', 'the result')
    expect(servers.get('db-1')).toMatchObject({ command: null, phase: 'idle', results: 1 })

    await app.request('/v3/sources/web-1/command', { headers: { 'X-Auth-Token': 'wrong' } })
    await until(() => servers.get('web-1')?.failing === true, 'the auth failure')
    expect(servers.get('web-1')?.lastError).toMatchObject({ status: 401 })

    controller.abort()
    await done
    expect(JSON.stringify([...servers.values(), statuses, log])).not.toContain('admin-secret')
  })

  it('retries a failed snapshot soon (capped backoff), not only when the stream reconnects', async () => {
    const app = createMockApp({ tokens: ['t'], demo: false })
    const admin = inProcessAdmin(app)
    await admin.registerServer({ id: 'web-1' })
    await admin.enqueue('web-1', { command_name: 'START', command_param: { task_id: 'queued' } })
    let listFailures = 1
    const listRequests: number[] = []
    const scheduler = createVirtualScheduler()
    const fetchThrough = (async (input: URL | Request, init?: RequestInit) => {
      if (new URL(input instanceof Request ? input.url : input).pathname === '/_mock/servers') {
        listRequests.push(scheduler.now())
        if (listFailures-- > 0) return new Response('busy', { status: 503 })
      }
      return app.request(input, init)
    }) as typeof fetch
    const controller = new AbortController()
    controllers.push(controller)
    const servers = new Map<string, ServerView>()
    const statuses: SourceStatus[] = []
    const done = startMockSource({
      url: new URL('http://mock.test'),
      emit: (update) =>
        servers.set(
          update.serverId,
          applyServerUpdate(servers.get(update.serverId) ?? emptyServer(update.serverId), update)
            .server,
        ),
      servers: () => {},
      status: (status) => statuses.push(status),
      signal: controller.signal,
      fetch: fetchThrough,
      scheduler,
    })
    await until(
      () => statuses.some((status) => status.message?.startsWith('snapshot failed, retry at')),
      'the failed snapshot, with its retry time',
    )
    expect(statuses.at(-1)?.message).toContain('HTTP 503')
    // The retry time is also a field (NDJSON's retry_at), and the message has no stray bracket.
    const failed = statuses.at(-1)
    expect((failed?.retryAt ?? 0) - (failed?.at ?? 0)).toBe(2_000)
    expect(failed?.message).toMatch(/^snapshot failed, retry at \d\d:\d\d:\d\d: GET /)
    expect(servers.size).toBe(0)
    await scheduler.advance(2_000)
    await until(() => servers.get('web-1')?.command?.taskId === 'queued', 'the retried snapshot')
    expect(listRequests).toHaveLength(2)
    expect((listRequests[1] ?? 0) - (listRequests[0] ?? 0)).toBe(2_000)
    await until(() => statuses.at(-1)?.status === 'ok', 'the source live again')
    controller.abort()
    await done
  })

  it('reports a wrong admin token as a source error naming the status', async () => {
    const app = createMockApp({ tokens: ['t'], adminToken: 'right', demo: false })
    const controller = new AbortController()
    controllers.push(controller)
    const statuses: SourceStatus[] = []
    const done = startMockSource({
      url: new URL('http://mock.test'),
      adminToken: 'wrong',
      emit: () => {},
      servers: () => {},
      status: (status) => {
        statuses.push(status)
        if (status.status === 'error') controller.abort()
      },
      signal: controller.signal,
      fetch: ((input: URL | Request, init?: RequestInit) =>
        app.request(input, init)) as typeof fetch,
    })
    await done
    expect(statuses.at(-1)?.message).toMatch(
      /^HTTP 401: MOCK\.\d+ Authorization: expected "Bearer <admin token>"/,
    )
    expect(statuses.at(-1)?.message).not.toContain('wrong')
  })
})
