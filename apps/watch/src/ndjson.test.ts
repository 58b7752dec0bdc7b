import { describe, expect, it } from 'vitest'
import { T0 } from '../test/fixtures.ts'
import { startNdjson } from './ndjson.ts'
import { initialState } from './reducer.ts'
import { createStore } from './store.ts'

describe('startNdjson', () => {
  it('prints a line when a server changes and stays quiet while nothing does', () => {
    const store = createStore(initialState({ now: T0, serverIds: ['a'] }))
    const lines: Record<string, unknown>[] = []
    const stop = startNdjson(store, (line) => lines.push(JSON.parse(line)))
    const poll = (at: number, command: { name: string; taskId?: string } | null) =>
      store.dispatch({
        type: 'updates',
        updates: [{ serverId: 'a', at, poll: { latencyMs: 5 }, command, error: null }],
      })
    poll(T0 + 1_000, null)
    poll(T0 + 2_000, null)
    poll(T0 + 3_000, { name: 'START', taskId: 't1' })
    poll(T0 + 4_000, { name: 'START', taskId: 't1' })
    store.dispatch({
      type: 'updates',
      updates: [
        {
          serverId: 'a',
          at: T0 + 5_000,
          error: { status: 503, code: 'SMS.2007', message: 'boom', at: T0 + 5_000 },
        },
      ],
    })
    stop()
    poll(T0 + 6_000, null)
    expect(lines).toEqual([
      expect.objectContaining({
        time: '2026-01-01T00:00:01.000Z',
        type: 'server',
        server_id: 'a',
        state: 'idle',
        command: null,
      }),
      expect.objectContaining({
        time: '2026-01-01T00:00:03.000Z',
        state: 'pending',
        command: 'START',
        task_id: 't1',
        since: '2026-01-01T00:00:03.000Z',
      }),
      expect.objectContaining({
        state: 'error',
        command: 'START',
        error: { status: 503, code: 'SMS.2007', message: 'boom' },
      }),
    ])
  })

  it('prints source status changes once each', () => {
    const store = createStore(initialState({ now: T0 }))
    const lines: Record<string, unknown>[] = []
    startNdjson(store, (line) => lines.push(JSON.parse(line)))
    const status = { kind: 'mock', target: 'http://m', at: T0 } as const
    store.dispatch({ type: 'source', status: { ...status, status: 'connecting' } })
    store.dispatch({ type: 'source', status: { ...status, status: 'ok' } })
    store.dispatch({ type: 'source', status: { ...status, status: 'ok', at: T0 + 5 } })
    expect(lines.map((line) => line.status)).toEqual(['connecting', 'ok'])
  })

  it('keeps bidi and invisible characters in names and messages, written as \\u escapes', () => {
    const store = createStore(initialState({ now: T0, serverIds: ['a'] }))
    const raw: string[] = []
    const stop = startNdjson(store, (line) => raw.push(line))
    store.dispatch({
      type: 'updates',
      updates: [
        {
          serverId: 'a',
          at: T0 + 1_000,
          listed: { name: 'web-\u202e10\u200b', sms: { state: 'replicate', connected: true } },
          poll: {},
          error: { status: 500, message: 'bad \u2067x\u2069 \u0085', at: T0 + 1_000 },
        },
      ],
    })
    stop()
    expect(raw).toHaveLength(1)
    const line = raw[0] ?? ''
    expect(line).not.toMatch(/[\u202e\u200b\u2067\u2069\u0085]/)
    expect(line).toContain('web-\\u202e10\\u200b')
    const record = JSON.parse(line)
    expect(record.name).toBe('web-\u202e10\u200b')
    expect(record.sms_state).toBe('replicate')
    expect(record.connected).toBe(true)
    expect(record.error.message).toBe('bad \u2067x\u2069 \u0085')
  })

  it('names the throttled server and prints the budget halved, held and restored', () => {
    const store = createStore(initialState({ now: T0, serverIds: ['a', 'b'] }))
    const lines: Record<string, unknown>[] = []
    startNdjson(store, (line) => lines.push(JSON.parse(line)))
    const budget = { maxRps: 1, rps: 1, servers: 2 }
    store.dispatch({ type: 'budget', at: T0, budget })
    const error = { status: 429, code: 'APIGW.0308', message: 'throttled', at: T0 + 1_000 }
    store.dispatch({
      type: 'budget',
      at: T0 + 1_000,
      budget: { ...budget, rps: 0.5, throttledAt: T0 + 1_000, heldUntil: T0 + 31_000 },
      throttled: { serverId: 'b', error },
    })
    // The hold ends, then the rate recovers by a tenth.
    store.dispatch({
      type: 'budget',
      at: T0 + 31_000,
      budget: { ...budget, rps: 0.5, throttledAt: T0 + 1_000 },
    })
    store.dispatch({
      type: 'budget',
      at: T0 + 61_000,
      budget: { ...budget, rps: 0.6, throttledAt: T0 + 1_000 },
    })
    // Reported again unchanged: no line.
    store.dispatch({
      type: 'budget',
      at: T0 + 62_000,
      budget: { ...budget, rps: 0.6, throttledAt: T0 + 1_000 },
    })
    expect(lines).toEqual([
      {
        time: '2026-01-01T00:00:00.000Z',
        type: 'budget',
        max_rps: 1,
        rps: 1,
        servers: 2,
        interval_ms: 10_000,
        throttled_at: null,
        held_until: null,
      },
      {
        time: '2026-01-01T00:00:01.000Z',
        type: 'throttled',
        server_id: 'b',
        error: { status: 429, code: 'APIGW.0308', message: 'throttled' },
        rps: 0.5,
        max_rps: 1,
        held_until: '2026-01-01T00:00:31.000Z',
      },
      expect.objectContaining({
        type: 'budget',
        rps: 0.5,
        throttled_at: '2026-01-01T00:00:01.000Z',
        held_until: '2026-01-01T00:00:31.000Z',
      }),
      expect.objectContaining({
        time: '2026-01-01T00:00:31.000Z',
        type: 'budget',
        rps: 0.5,
        held_until: null,
      }),
      expect.objectContaining({ time: '2026-01-01T00:01:01.000Z', type: 'budget', rps: 0.6 }),
    ])
  })

  it('prints when a failed source retries and since when a stream went stale', () => {
    const store = createStore(initialState({ now: T0 }))
    const lines: Record<string, unknown>[] = []
    startNdjson(store, (line) => lines.push(JSON.parse(line)))
    const fleet = { kind: 'fleet', target: 'https://sms.test/', status: 'error' } as const
    store.dispatch({
      type: 'source',
      status: { ...fleet, message: 'listing failed', at: T0, retryAt: T0 + 2_000 },
    })
    store.dispatch({
      type: 'source',
      status: { ...fleet, message: 'listing failed', at: T0 + 2_000, retryAt: T0 + 6_000 },
    })
    const mock = { kind: 'mock', target: 'http://m/' } as const
    store.dispatch({
      type: 'source',
      status: { ...mock, status: 'stale', message: 'silent', at: T0 + 3_000, since: T0 },
    })
    store.dispatch({ type: 'source', status: { ...mock, status: 'connecting', at: T0 + 4_000 } })
    store.dispatch({ type: 'source', status: { ...mock, status: 'ok', at: T0 + 5_000 } })
    expect(lines).toEqual([
      expect.objectContaining({
        type: 'source',
        kind: 'fleet',
        status: 'error',
        since: null,
        retry_at: '2026-01-01T00:00:02.000Z',
      }),
      expect.objectContaining({ kind: 'fleet', retry_at: '2026-01-01T00:00:06.000Z' }),
      expect.objectContaining({
        kind: 'mock',
        status: 'stale',
        since: '2026-01-01T00:00:00.000Z',
        retry_at: null,
      }),
      expect.objectContaining({ kind: 'mock', status: 'connecting' }),
      expect.objectContaining({ time: '2026-01-01T00:00:05.000Z', kind: 'mock', status: 'ok' }),
    ])
  })

  it('prints event-log lines about the fleet and notes about a server as events', () => {
    const store = createStore(initialState({ now: T0, serverIds: ['a'] }))
    const lines: Record<string, unknown>[] = []
    startNdjson(store, (line) => lines.push(JSON.parse(line)))
    store.dispatch({
      type: 'log',
      entry: { at: T0 + 1_000, level: 'warn', text: 'mock: 2 events dropped' },
    })
    const note = { level: 'warn', text: 'auth failure: expired token' } as const
    store.dispatch({ type: 'updates', updates: [{ serverId: 'a', at: T0 + 2_000, note }] })
    store.dispatch({ type: 'updates', updates: [{ serverId: 'a', at: T0 + 3_000, note }] })
    expect(lines.filter((line) => line.type !== 'server')).toEqual([
      {
        time: '2026-01-01T00:00:01.000Z',
        type: 'log',
        server_id: null,
        level: 'warn',
        text: 'mock: 2 events dropped',
      },
      {
        time: '2026-01-01T00:00:02.000Z',
        type: 'note',
        server_id: 'a',
        level: 'warn',
        text: 'auth failure: expired token',
      },
      expect.objectContaining({ time: '2026-01-01T00:00:03.000Z', type: 'note', server_id: 'a' }),
    ])
  })

  it('prints the servers added and removed when the polled fleet changes', () => {
    const store = createStore(initialState({ now: T0, serverIds: ['a', 'b'] }))
    const lines: Record<string, unknown>[] = []
    startNdjson(store, (line) => lines.push(JSON.parse(line)))
    store.dispatch({ type: 'servers', ids: ['b', 'c'], at: T0 + 1_000, replace: true })
    store.dispatch({ type: 'servers', ids: ['b', 'c'], at: T0 + 2_000, replace: true })
    expect(lines).toEqual([
      {
        time: '2026-01-01T00:00:01.000Z',
        type: 'servers',
        count: 2,
        added: ['c'],
        removed: ['a'],
      },
    ])
  })
})
