import type { MockServerSummary, NewMockEvent } from '@sms-command/core/events'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { createMockApp } from '@sms-command/mock-server'
import { afterEach, describe, expect, it } from 'vitest'
import { applyServerUpdate, emptyServer } from '../server-view.ts'
import type { LogEntry, ServerUpdate, ServerView, SourceStatus } from '../model.ts'
import {
  createMockProjection,
  type MockEvent,
  startMockSource,
  summarizeDetail,
} from './mock-source.ts'

const T = '2026-01-01T00:00:00.000Z'
const event = (fields: NewMockEvent): MockEvent => ({ seq: 1, at: T, ...fields }) as MockEvent
const start = (seq: number, task: string) => ({
  seq,
  command_name: 'START',
  command_param: { task_id: task },
})
const sync = (seq: number) => ({ seq, command_name: 'SYNC', command_param: {} })
/** The queue the mock says a server has after an event. */
const state = (
  current: ReturnType<typeof start> | null,
  deliveries: number,
  queued: number,
  awaiting = 0,
): MockServerSummary => ({
  current: current ? { ...current, deliveries, enqueuedAt: T } : null,
  queued,
  awaiting,
  scheduled: 0,
})

describe('createMockProjection', () => {
  it('shows the current command of the summary and what waits behind it, with a note when queued', () => {
    const projection = createMockProjection()
    expect(
      projection.apply(
        event({
          type: 'enqueue',
          serverId: 'a',
          command: start(1, 't1'),
          detail: { queueLength: 1 },
          state: state(start(1, 't1'), 0, 0),
        }),
      ).updates,
    ).toEqual([
      expect.objectContaining({
        serverId: 'a',
        command: { name: 'START', taskId: 't1', bucket: undefined },
        commandSince: Date.parse(T),
        queued: 0,
        phase: 'pending',
      }),
    ])
    const second = projection.apply(
      event({
        type: 'enqueue',
        serverId: 'a',
        command: sync(2),
        detail: { queueLength: 2 },
        state: state(start(1, 't1'), 0, 1),
      }),
    )
    expect(second.updates[0]).toMatchObject({ command: { name: 'START' }, queued: 1 })
    expect(second.updates[0]?.note?.text).toBe('SYNC queued behind 1 other')
  })

  it('marks a delivered command, then shows what the result leaves current', () => {
    const projection = createMockProjection()
    const delivered = projection.apply(
      event({
        type: 'delivery',
        serverId: 'a',
        command: start(1, 't1'),
        detail: { deliveries: 1, mode: 'ack' },
        state: state(start(1, 't1'), 1, 1),
      }),
    ).updates[0]
    expect(delivered).toMatchObject({ phase: 'delivered', poll: {}, error: null, queued: 1 })
    expect(delivered?.note?.text).toBe('START task t1 delivered to the agent')
    const again = projection.apply(
      event({
        type: 'delivery',
        serverId: 'a',
        command: start(1, 't1'),
        detail: { deliveries: 2, mode: 'ack' },
        state: state(start(1, 't1'), 2, 1),
      }),
    ).updates[0]
    expect(again?.note).toBeUndefined()
    // Only changes of phase are sent, so an agent's `running` is not overwritten.
    expect(again?.phase).toBeUndefined()
    const result = projection.apply(
      event({
        type: 'result',
        serverId: 'a',
        command: start(1, 't1'),
        result: 'fail',
        detail: { result_detail: { exit_code: 3, duration_ms: 812, output: 'x'.repeat(10) } },
        state: { ...state(null, 0, 0), current: { ...sync(2), deliveries: 0, enqueuedAt: T } },
      }),
    ).updates[0]
    expect(result).toMatchObject({
      command: { name: 'SYNC' },
      phase: 'pending',
      queued: 0,
      result: {
        command: { name: 'START', taskId: 't1' },
        result: 'fail',
        detail: 'exit_code=3 duration_ms=812 output=xxxxxxxxxx',
      },
    })
    const idle = projection.apply(
      event({
        type: 'result',
        serverId: 'a',
        command: sync(2),
        result: 'success',
        detail: { result_detail: {} },
        state: state(null, 0, 0),
      }),
    ).updates[0]
    expect(idle).toMatchObject({ command: null, phase: 'idle', queued: 0 })
  })

  it('turns auth failures, rejected results and faults into errors, latency faults into notes', () => {
    const projection = createMockProjection()
    expect(
      projection.apply(
        event({
          type: 'auth-failure',
          serverId: 'a',
          reason: 'expired-token',
          message: 'The token has expired.',
        }),
      ).updates[0]?.error,
    ).toMatchObject({
      status: 401,
      code: 'expired-token',
      message: 'auth failure (expired-token): The token has expired.',
    })
    expect(
      projection.apply(
        event({
          type: 'result-rejected',
          serverId: 'a',
          reason: 'mismatch',
          message: 'result for "STOP"',
        }),
      ).updates[0]?.error,
    ).toMatchObject({ status: 400, code: 'SMS.2009' })
    expect(
      projection.apply(
        event({ type: 'fault', serverId: 'a', fault: { id: 'f1', kind: 'status', detail: '503' } }),
      ).updates[0]?.error,
    ).toMatchObject({ code: 'fault:status', message: 'injected fault status (503)' })
    const latency = projection.apply(
      event({ type: 'fault', serverId: 'a', fault: { id: 'f2', kind: 'latency' } }),
    ).updates[0]
    expect(latency?.error).toBeUndefined()
    expect(latency?.note?.level).toBe('warn')
    expect(
      projection.apply(event({ type: 'token', reason: 'expired', detail: { count: 3 } })).log[0]
        ?.text,
    ).toBe('tokens expired (3)')
  })

  it('lets a failure expire after the TTL when nothing else is heard, without claiming recovery', () => {
    const projection = createMockProjection()
    const at = Date.parse(T)
    projection.apply(
      event({ type: 'auth-failure', serverId: 'a', reason: 'missing', message: 'no token' }),
    )
    expect(projection.expire(at + 10_000, 30_000)).toEqual([])
    const expired = projection.expire(at + 30_000, 30_000)
    expect(expired).toEqual([{ serverId: 'a', at: at + 30_000, errorExpired: true }])
    let server: ServerView = { ...emptyServer('a'), failing: true, consecutiveErrors: 1 }
    const applied = applyServerUpdate(server, expired[0] as ServerUpdate)
    server = applied.server
    expect(server.failing).toBe(false)
    expect(applied.entries).toEqual([])
    expect(projection.expire(at + 60_000, 30_000)).toEqual([])
  })

  it('rebuilds a server from a snapshot, with the age of its command', () => {
    const projection = createMockProjection()
    const update = projection.snapshot(
      'a',
      {
        queue: [
          {
            seq: 4,
            command_name: 'START',
            command_param: { task_id: 't' },
            deliveries: 2,
            enqueuedAt: T,
          },
          { seq: 5, command_name: 'SYNC', command_param: {} },
        ],
      },
      Date.parse(T) + 5_000,
    )
    expect(update).toMatchObject({
      command: { name: 'START' },
      commandSince: Date.parse(T),
      phase: 'delivered',
      queued: 1,
    })
    // An enqueue that arrived while the snapshot loaded, of a command it already holds, changes nothing.
    expect(
      projection.apply(
        event({
          type: 'enqueue',
          serverId: 'a',
          command: sync(5),
          detail: { queueLength: 2 },
          state: state(start(4, 't'), 0, 1),
        }),
      ).updates,
    ).toEqual([])
  })

  it('summarizes result details by their scalar fields', () => {
    expect(summarizeDetail({ exit_code: 0, nested: { a: 1 }, msg: 'a\nb' })).toBe(
      'exit_code=0 msg=a b',
    )
    expect(summarizeDetail({ task_id: 't', handler: '/h', duration_ms: 5, reason: 'exit' })).toBe(
      'reason=exit duration_ms=5 task_id=t handler=/h',
    )
    expect(summarizeDetail(null)).toBeUndefined()
    expect(summarizeDetail({})).toBeUndefined()
  })
})

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
    const admin = { Authorization: 'Bearer admin-secret', 'Content-Type': 'application/json' }
    await app.request('/_mock/servers', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: 'web-1' }),
    })
    await app.request('/_mock/servers', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: 'db-1' }),
    })
    await app.request('/_mock/servers/web-1/commands', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ command_name: 'START', command_param: { task_id: 'early' } }),
    })

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
      fetch: ((input: URL, init?: RequestInit) => app.request(input, init)) as typeof fetch,
    })
    await until(() => servers.get('web-1')?.command?.taskId === 'early', 'the snapshot')
    expect(declared.sort()).toEqual(['db-1', 'web-1'])
    expect(statuses.some((status) => status.status === 'ok')).toBe(true)

    await app.request('/_mock/servers/db-1/commands', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ command_name: 'STOP', command_param: { task_id: 'live' } }),
    })
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
    await app.request('/_mock/servers', { method: 'POST', body: JSON.stringify({ id: 'web-1' }) })
    await app.request('/_mock/servers/web-1/commands', {
      method: 'POST',
      body: JSON.stringify({ command_name: 'START', command_param: { task_id: 'queued' } }),
    })
    let listFailures = 1
    const listRequests: number[] = []
    const scheduler = createVirtualScheduler()
    const fetchThrough = (async (input: URL, init?: RequestInit) => {
      if (new URL(input).pathname === '/_mock/servers') {
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
      fetch: ((input: URL, init?: RequestInit) => app.request(input, init)) as typeof fetch,
    })
    await done
    expect(statuses.at(-1)?.message).toMatch(
      /^HTTP 401: MOCK\.\d+ Authorization: expected "Bearer <admin token>"/,
    )
    expect(statuses.at(-1)?.message).not.toContain('wrong')
  })
})
