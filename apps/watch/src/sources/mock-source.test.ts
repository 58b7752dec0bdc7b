import { createMockApp } from '@sms-command/mock-server'
import { afterEach, describe, expect, it } from 'vitest'
import { applyServerUpdate, emptyServer } from '../fleet.ts'
import type { LogEntry, ServerUpdate, ServerView, SourceStatus } from '../model.ts'
import { createMockModel, type MockEvent, startMockSource, summarizeDetail } from './mock-source.ts'

const T = '2026-01-01T00:00:00.000Z'
const event = (fields: Partial<MockEvent> & { type: string }): MockEvent => ({
  seq: 1,
  at: T,
  ...fields,
})
const start = (seq: number, task: string) => ({
  seq,
  command_name: 'START',
  command_param: { task_id: task },
})

describe('createMockModel', () => {
  it('shows the head of the queue, counts what waits behind it, and ignores replayed events', () => {
    const model = createMockModel()
    expect(
      model.apply(event({ type: 'enqueue', serverId: 'a', command: start(1, 't1') })).updates,
    ).toEqual([
      expect.objectContaining({
        serverId: 'a',
        command: { name: 'START', taskId: 't1', bucket: undefined },
        queued: 0,
        phase: 'pending',
      }),
    ])
    const second = model.apply(
      event({ type: 'enqueue', serverId: 'a', command: { seq: 2, command_name: 'SYNC' } }),
    )
    expect(second.updates[0]).toMatchObject({ command: { name: 'START' }, queued: 1 })
    expect(second.updates[0]?.note?.text).toBe('SYNC queued behind 1 other')
    expect(
      model.apply(event({ type: 'enqueue', serverId: 'a', command: start(1, 't1') })).updates,
    ).toEqual([])
  })

  it('marks a delivered command, then clears it on its result and moves to the next', () => {
    const model = createMockModel()
    model.apply(event({ type: 'enqueue', serverId: 'a', command: start(1, 't1') }))
    model.apply(
      event({ type: 'enqueue', serverId: 'a', command: { seq: 2, command_name: 'STOP' } }),
    )
    const delivered = model.apply(
      event({
        type: 'delivery',
        serverId: 'a',
        command: start(1, 't1'),
        detail: { deliveries: 1, mode: 'ack' },
      }),
    ).updates[0]
    expect(delivered).toMatchObject({ phase: 'delivered', poll: {}, error: null })
    expect(delivered?.note?.text).toBe('START task t1 delivered to the agent')
    const again = model.apply(
      event({
        type: 'delivery',
        serverId: 'a',
        command: start(1, 't1'),
        detail: { deliveries: 2, mode: 'ack' },
      }),
    ).updates[0]
    expect(again?.note).toBeUndefined()
    const result = model.apply(
      event({
        type: 'result',
        serverId: 'a',
        command: start(1, 't1'),
        result: 'fail',
        detail: { result_detail: { exit_code: 3, duration_ms: 812, output: 'x'.repeat(10) } },
      }),
    ).updates[0]
    expect(result).toMatchObject({
      command: { name: 'STOP' },
      phase: 'pending',
      queued: 0,
      result: {
        command: { name: 'START', taskId: 't1' },
        result: 'fail',
        detail: 'exit_code=3 duration_ms=812 output=xxxxxxxxxx',
      },
    })
  })

  it('follows pop delivery: a handed-out command waits for its result outside the queue', () => {
    const model = createMockModel()
    model.apply(event({ type: 'enqueue', serverId: 'a', command: start(1, 't1') }))
    model.apply(event({ type: 'enqueue', serverId: 'a', command: start(2, 't2') }))
    const popped = model.apply(
      event({
        type: 'delivery',
        serverId: 'a',
        command: start(1, 't1'),
        detail: { deliveries: 1, mode: 'pop' },
      }),
    ).updates[0]
    expect(popped).toMatchObject({ command: { taskId: 't1' }, phase: 'delivered', queued: 1 })
    const answered = model.apply(
      event({ type: 'result', serverId: 'a', command: start(1, 't1'), result: 'success' }),
    ).updates[0]
    expect(answered).toMatchObject({ command: { taskId: 't2' }, phase: 'pending', queued: 0 })
  })

  it('turns auth failures, rejected results and faults into errors, latency faults into notes', () => {
    const model = createMockModel()
    expect(
      model.apply(
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
      model.apply(
        event({
          type: 'result-rejected',
          serverId: 'a',
          reason: 'mismatch',
          message: 'result for "STOP"',
        }),
      ).updates[0]?.error,
    ).toMatchObject({ status: 400, code: 'SMS.2009' })
    expect(
      model.apply(
        event({ type: 'fault', serverId: 'a', fault: { id: 'f1', kind: 'status', detail: '503' } }),
      ).updates[0]?.error,
    ).toMatchObject({ code: 'fault:status', message: 'injected fault status (503)' })
    const latency = model.apply(
      event({ type: 'fault', serverId: 'a', fault: { id: 'f2', kind: 'latency' } }),
    ).updates[0]
    expect(latency?.error).toBeUndefined()
    expect(latency?.note?.level).toBe('warn')
    expect(
      model.apply(event({ type: 'token', reason: 'expired', detail: { count: 3 } })).log[0]?.text,
    ).toBe('tokens expired (3)')
  })

  it('lets a failure expire after the TTL when nothing else is heard, without claiming recovery', () => {
    const model = createMockModel()
    const at = Date.parse(T)
    model.apply(event({ type: 'auth-failure', serverId: 'a', reason: 'missing' }))
    expect(model.expire(at + 10_000, 30_000)).toEqual([])
    const expired = model.expire(at + 30_000, 30_000)
    expect(expired).toEqual([{ serverId: 'a', at: at + 30_000, errorExpired: true }])
    let server: ServerView = { ...emptyServer('a'), failing: true, consecutiveErrors: 1 }
    const applied = applyServerUpdate(server, expired[0] as ServerUpdate)
    server = applied.server
    expect(server.failing).toBe(false)
    expect(applied.entries).toEqual([])
    expect(model.expire(at + 60_000, 30_000)).toEqual([])
  })

  it('rebuilds a server from a snapshot, with the age of its command', () => {
    const model = createMockModel()
    const update = model.snapshot(
      'a',
      {
        delivery: 'ack',
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
    // A replayed enqueue of a command the snapshot already holds changes nothing.
    expect(
      model.apply(
        event({ type: 'enqueue', serverId: 'a', command: { seq: 5, command_name: 'SYNC' } }),
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
