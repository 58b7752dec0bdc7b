import { describe, expect, it } from 'vitest'
import type { RequestLogInput } from '../types.ts'
import { serverEvent } from './control.ts'
import { LiveControl } from './live-control.ts'

const SETTINGS = {
  journalSize: 2,
  eventBacklog: 10,
  authErrors: 'gateway',
  rateLimit: { limit: 1, windowMs: 60_000 },
} as const

function request(status: number): RequestLogInput {
  return {
    atMs: 0,
    method: 'GET',
    path: '/v3/sources',
    route: 'sources',
    status,
  } as RequestLogInput
}

async function replay(live: LiveControl): Promise<string[]> {
  const controller = new AbortController()
  const types: string[] = []
  const stream = live.subscribe({ since: 0 }, controller.signal)[Symbol.asyncIterator]()
  for (;;) {
    const next = await Promise.race([
      stream.next(),
      new Promise<undefined>((resolve) => queueMicrotask(() => resolve(undefined))),
    ])
    if (next === undefined || next.done) break
    types.push(next.value.type)
  }
  controller.abort()
  return types
}

describe('LiveControl', () => {
  it('keeps only the newest requests, numbered', () => {
    const live = new LiveControl(SETTINGS)
    for (const status of [200, 404, 503]) live.journal(request(status))
    expect(live.readJournal({}).map((e) => [e.seq, e.status])).toEqual([
      [2, 404],
      [3, 503],
    ])
  })

  it('publishes events for replay and skips an empty batch', async () => {
    const live = new LiveControl(SETTINGS)
    live.emit([], 0)
    live.emit([{ type: 'reset' }, serverEvent('srv-1', 'deleted')], 5)
    expect(await replay(live)).toEqual(['reset', 'server'])
  })

  it('throttles against the configured limit until settings change', () => {
    const live = new LiveControl(SETTINGS)
    expect(live.throttle('k', 'command', 0).ok).toBe(true)
    expect(live.throttle('k', 'command', 1).ok).toBe(false)
    expect(live.updateSettings({ rateLimit: null, authErrors: 'sms' })).toEqual({
      authErrors: 'sms',
      rateLimit: null,
    })
    expect(live.throttle('k', 'command', 2).ok).toBe(true)
  })

  it('forgets requests and events and restores the configured settings on reset', async () => {
    const live = new LiveControl(SETTINGS)
    live.journal(request(200))
    live.emit([{ type: 'reset' }], 0)
    live.updateSettings({ authErrors: 'sms', rateLimit: null })
    live.reset()
    expect(live.readJournal({})).toEqual([])
    expect(await replay(live)).toEqual([])
    expect(live.settings()).toEqual({ authErrors: 'gateway', rateLimit: SETTINGS.rateLimit })
    expect(live.throttle('k', 'command', 0).ok).toBe(true)
    expect(live.throttle('k', 'command', 1).ok).toBe(false)
  })

  it('restores saved settings, windows still open and numbering, dropping windows that ended', () => {
    const live = new LiveControl(SETTINGS)
    live.restore(
      {
        authErrors: 'sms',
        rateLimit: { limit: 1, windowMs: 1_000 },
        windows: [
          ['open command', { start: 500, used: 1 }],
          ['ended command', { start: 0, used: 1 }],
          ['ahead command', { start: 2_000, used: 1 }],
        ],
        lastSeq: 67,
      },
      1_000,
    )
    expect(live.settings()).toEqual({
      authErrors: 'sms',
      rateLimit: { limit: 1, windowMs: 1_000 },
    })
    expect(live.rateWindow('open command')).toEqual({ start: 500, used: 1 })
    expect(live.rateWindow('ended command')).toBeUndefined()
    expect(live.rateWindow('ahead command')).toBeUndefined()
    expect(live.throttle('open', 'command', 1_100).ok).toBe(false)
    expect(live.throttle('ended', 'command', 1_100).ok).toBe(true)
    live.emit([{ type: 'reset' }], 1_000)
    expect(live.lastSeq).toBe(68)
  })
})
