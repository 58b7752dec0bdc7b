import type { MockServerSummary, NewMockEvent } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import type { ServerUpdate, ServerView } from '../model.ts'
import { applyServerUpdate, emptyServer } from '../server-view.ts'
import { createMockProjection, summarizeDetail } from './mock-projection.ts'
import type { MockEvent } from './mock-source.ts'

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
