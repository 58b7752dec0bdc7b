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
})
