import { describe, expect, it } from 'vitest'
import { LIMITS_WATCH, type ServerUpdate, type ServerView } from './model.ts'
import {
  appendBounded,
  applyServerUpdate,
  emptyServer,
  formatAge,
  recordActivity,
  sameCommand,
  serverState,
} from './server-view.ts'

const T0 = Date.UTC(2026, 0, 1)

function fold(...updates: Omit<ServerUpdate, 'serverId'>[]): {
  server: ServerView
  texts: string[]
} {
  let server = emptyServer('srv')
  const texts: string[] = []
  for (const update of updates) {
    const applied = applyServerUpdate(server, { serverId: 'srv', ...update })
    server = applied.server
    texts.push(...applied.entries.map((entry) => entry.text))
  }
  return { server, texts }
}

describe('applyServerUpdate', () => {
  it('marks a new command pending and keeps its age while the same delivery repeats', () => {
    const { server, texts } = fold(
      { at: T0, poll: { latencyMs: 12 }, command: { name: 'START', taskId: 't1' } },
      { at: T0 + 10_000, poll: { latencyMs: 15 }, command: { name: 'START', taskId: 't1' } },
    )
    expect(server.phase).toBe('pending')
    expect(server.commandSince).toBe(T0)
    expect(server.polls).toBe(2)
    expect(server.latencyMs).toBe(15)
    expect(server.lastPollAt).toBe(T0 + 10_000)
    expect(texts).toEqual(['START task t1 pending'])
  })

  it('treats the same name with another task id as a new command', () => {
    const { server, texts } = fold(
      { at: T0, command: { name: 'START', taskId: 't1' } },
      { at: T0 + 5_000, command: { name: 'START', taskId: 't2' } },
    )
    expect(server.commandSince).toBe(T0 + 5_000)
    expect(texts).toEqual([
      'START task t1 pending',
      'START task t1 cleared after 5s',
      'START task t2 pending',
    ])
  })

  it('goes idle and logs how long the command was held when it clears', () => {
    const { server, texts } = fold(
      { at: T0, command: { name: 'STOP' } },
      { at: T0 + 65_000, command: null },
    )
    expect(server.phase).toBe('idle')
    expect(server.command).toBeNull()
    expect(server.commandSince).toBeNull()
    expect(texts.at(-1)).toBe('STOP cleared after 1m')
  })

  it('keeps an agent phase (running) while the same command is seen again without a phase', () => {
    const { server } = fold(
      { at: T0, command: { name: 'SYNC' } },
      { at: T0 + 1, phase: 'running' },
      { at: T0 + 2, command: { name: 'SYNC' } },
    )
    expect(server.phase).toBe('running')
  })

  it('sets failing on an error, logs a repeated identical error once, and logs recovery', () => {
    const error = { status: 503, code: 'SMS.9999', message: 'GET failed with HTTP 503', at: T0 }
    const { server, texts } = fold(
      { at: T0, error },
      { at: T0 + 1, error },
      { at: T0 + 2, error: null, command: null },
    )
    expect(server.failing).toBe(false)
    expect(server.errors).toBe(2)
    expect(server.consecutiveErrors).toBe(0)
    expect(server.lastError?.code).toBe('SMS.9999')
    expect(texts).toEqual(['GET failed with HTTP 503', 'recovered after 2 errors'])
  })

  it('shows error as the state while failing, whatever the phase', () => {
    const { server } = fold(
      { at: T0, command: { name: 'START' } },
      { at: T0 + 1, error: { message: 'x', at: T0 } },
    )
    expect(server.phase).toBe('pending')
    expect(serverState(server)).toBe('error')
  })

  it('records results', () => {
    const { server, texts } = fold({
      at: T0,
      result: { command: { name: 'START', taskId: 't' }, result: 'fail', detail: 'exit 3' },
    })
    expect(server.results).toBe(1)
    expect(server.lastResult).toEqual({
      command: { name: 'START', taskId: 't' },
      result: 'fail',
      detail: 'exit 3',
      at: T0,
    })
    expect(texts).toEqual(['START task t reported fail (exit 3)'])
  })
})

describe('recordActivity', () => {
  it('counts events in their time slot and shifts old slots out', () => {
    let activity = recordActivity({ slot: 0, counts: [], errors: [] }, T0, false)
    activity = recordActivity(activity, T0 + 100, true)
    expect(activity.counts.at(-1)).toBe(2)
    expect(activity.errors.at(-1)).toBe(1)
    activity = recordActivity(activity, T0 + LIMITS_WATCH.sparkSlotMs * 3, false)
    expect(activity.counts.slice(-4)).toEqual([2, 0, 0, 1])
    expect(activity.counts).toHaveLength(LIMITS_WATCH.sparkSlots)
  })

  it('ignores events older than the window and forgets everything after a long gap', () => {
    const start = recordActivity({ slot: 0, counts: [], errors: [] }, T0, false)
    expect(recordActivity(start, T0 - LIMITS_WATCH.sparkSlotMs * 100, false)).toBe(start)
    const later = recordActivity(start, T0 + LIMITS_WATCH.sparkSlotMs * 1000, false)
    expect(later.counts.reduce((a, b) => a + b)).toBe(1)
  })
})

describe('helpers', () => {
  it('compares commands by name and task id', () => {
    expect(sameCommand({ name: 'START' }, { name: 'START', taskId: '' })).toBe(true)
    expect(sameCommand({ name: 'START', taskId: 'a' }, { name: 'START', taskId: 'b' })).toBe(false)
    expect(sameCommand(null, null)).toBe(true)
    expect(sameCommand(null, { name: 'STOP' })).toBe(false)
  })

  it('keeps only the newest items', () => {
    expect(appendBounded([1, 2, 3], [4, 5], 3)).toEqual([3, 4, 5])
    expect(appendBounded([1], [2], 3)).toEqual([1, 2])
  })

  it('formats durations in their largest unit', () => {
    expect(formatAge(850)).toBe('850ms')
    expect(formatAge(12_400)).toBe('12s')
    expect(formatAge(125_000)).toBe('2m')
    expect(formatAge(3 * 3_600_000)).toBe('3h')
    expect(formatAge(72 * 3_600_000)).toBe('3d')
    expect(formatAge(-5)).toBe('0s')
  })
})

describe('results from two sources', () => {
  it('counts one result once when the mock and the agent both report it', () => {
    const result = { command: { name: 'SYNC', taskId: 't1' }, result: 'success' as const }
    const { server, texts } = fold(
      { at: T0, result },
      { at: T0 + 300, result },
      { at: T0 + 20_000, result },
    )
    expect(server.results).toBe(2)
    expect(texts.filter((text) => text.includes('reported success'))).toHaveLength(2)
  })
})

describe('bounded text', () => {
  it('cuts long notes and error messages so a server history stays small', () => {
    const huge = 'x'.repeat(50_000)
    const { server } = fold({
      at: T0,
      note: { level: 'info', text: huge },
      error: { message: huge, at: T0 },
    })
    for (const entry of server.history)
      expect(entry.text.length).toBeLessThanOrEqual(LIMITS_WATCH.textLength)
    expect(server.lastError?.message.length).toBe(LIMITS_WATCH.textLength)
  })
})
