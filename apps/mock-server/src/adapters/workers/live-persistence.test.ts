import { describe, expect, it } from 'vitest'
import { LiveControl } from '../../rules/live-control.ts'
import {
  type LiveStorage,
  PersistedLive,
  RATE_FLUSH_MS,
  type ScheduleFlush,
} from './live-persistence.ts'

const START = {
  journalSize: 10,
  eventBacklog: 10,
  authErrors: 'gateway',
  rateLimit: null,
} as const
const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 29, 12)

/** Durable Object storage in memory, values copied as structured clone would. */
class MemoryStorage implements LiveStorage {
  readonly data = new Map<string, unknown>()
  writes = 0
  async get<T>(key: string) {
    return structuredClone(this.data.get(key)) as T | undefined
  }
  async put(key: string, value: unknown) {
    this.writes++
    this.data.set(key, structuredClone(value))
  }
  async delete(keys: string[]) {
    if (keys.length > 128) throw new RangeError('at most 128 keys')
    return keys.filter((key) => this.data.delete(key)).length
  }
  async list<T>({ prefix }: { prefix: string }) {
    const found = new Map<string, T>()
    for (const [key, value] of this.data) {
      if (key.startsWith(prefix)) found.set(key, structuredClone(value) as T)
    }
    return found
  }
}

/** A flush timer the test fires by hand. */
function manualTimer() {
  let pending: (() => void) | undefined
  const schedule: ScheduleFlush = (callback, ms) => {
    expect(ms).toBe(RATE_FLUSH_MS)
    pending = callback
    return () => {
      pending = undefined
    }
  }
  return {
    schedule,
    fire: () => {
      const callback = pending
      pending = undefined
      callback?.()
    },
    get armed() {
      return pending !== undefined
    },
  }
}

/** A control object's live state built afresh over `storage`, as after an eviction. */
async function revive(storage: MemoryStorage, now: number, schedule?: ScheduleFlush) {
  const live = new LiveControl(START)
  const saved = new PersistedLive(live, storage, schedule)
  await saved.load(now)
  return { live, saved }
}

describe('PersistedLive', () => {
  it('keeps live settings, an open window and the event seq across an eviction', async () => {
    const storage = new MemoryStorage()
    const before = await revive(storage, T0)
    await before.saved.updateSettings({
      authErrors: 'sms',
      rateLimit: { limit: 1, windowMs: HOUR },
    })
    expect(await before.saved.throttle('user:acme:ops', 'command', T0)).toEqual({ ok: true })
    expect((await before.saved.throttle('user:acme:ops', 'command', T0 + 1)).ok).toBe(false)
    for (let i = 0; i < 67; i++) before.live.emit([{ type: 'reset' }], T0)
    await before.saved.published()

    const after = await revive(storage, T0 + 87_000)
    expect(after.live.settings()).toEqual({
      authErrors: 'sms',
      rateLimit: { limit: 1, windowMs: HOUR },
    })
    const refused = await after.saved.throttle('user:acme:ops', 'command', T0 + 87_000)
    expect(refused).toMatchObject({ ok: false, retryAfterSeconds: 3600 - 87 })
    after.live.emit([{ type: 'reset' }], T0 + 87_000)
    expect(after.live.lastSeq).toBe(68)
  })

  it('saves counts inside a window after the flush delay, and at once on a refusal', async () => {
    const storage = new MemoryStorage()
    const timer = manualTimer()
    const before = await revive(storage, T0, timer.schedule)
    await before.saved.updateSettings({ rateLimit: { limit: 3, windowMs: HOUR } })
    await before.saved.throttle('a', 'command', T0)
    const writesAfterOpen = storage.writes
    await before.saved.throttle('a', 'command', T0 + 1)
    expect(storage.writes).toBe(writesAfterOpen)
    expect(timer.armed).toBe(true)
    timer.fire()
    await Promise.resolve()
    expect((await revive(storage, T0 + 2)).live.rateWindow('a command')).toEqual({
      start: T0,
      used: 2,
    })

    await before.saved.throttle('a', 'command', T0 + 3)
    expect((await before.saved.throttle('a', 'command', T0 + 4)).ok).toBe(false)
    const after = await revive(storage, T0 + 5)
    expect((await after.saved.throttle('a', 'command', T0 + 5)).ok).toBe(false)
  })

  it('drops windows that ended while evicted and forgets windows when the limit changes', async () => {
    const storage = new MemoryStorage()
    const before = await revive(storage, T0)
    await before.saved.updateSettings({ rateLimit: { limit: 1, windowMs: 60_000 } })
    await before.saved.throttle('a', 'command', T0)
    await before.saved.throttle('b', 'sources', T0 + 30_000)

    const later = await revive(storage, T0 + 61_000)
    expect(later.live.rateWindow('a command')).toBeUndefined()
    expect([...storage.data.keys()].filter((key) => key.startsWith('rate-window:'))).toEqual([
      'rate-window:b sources',
    ])
    expect((await later.saved.throttle('b', 'sources', T0 + 61_000)).ok).toBe(false)

    await later.saved.updateSettings({ rateLimit: { limit: 1, windowMs: HOUR } })
    const relimited = await revive(storage, T0 + 62_000)
    expect((await relimited.saved.throttle('b', 'sources', T0 + 62_000)).ok).toBe(true)
  })

  it('goes back to the start settings after a reset but keeps numbering events', async () => {
    const storage = new MemoryStorage()
    const before = await revive(storage, T0)
    await before.saved.updateSettings({
      authErrors: 'sms',
      rateLimit: { limit: 1, windowMs: HOUR },
    })
    await before.saved.throttle('a', 'command', T0)
    before.live.emit([{ type: 'reset' }, { type: 'reset' }], T0)
    await before.saved.published()
    await before.saved.reset()

    const after = await revive(storage, T0 + 1)
    expect(after.live.settings()).toEqual({ authErrors: 'gateway', rateLimit: null })
    expect(after.live.lastSeq).toBe(2)
    expect([...storage.data.keys()]).toEqual(['event-seq'])
  })

  it('deletes more saved windows than one storage call takes', async () => {
    const storage = new MemoryStorage()
    const before = await revive(storage, T0)
    await before.saved.updateSettings({ rateLimit: { limit: 5, windowMs: HOUR } })
    for (let i = 0; i < 300; i++) await before.saved.throttle(`id${i}`, 'command', T0)
    await before.saved.updateSettings({ rateLimit: null })
    expect([...storage.data.keys()]).toEqual(['live-settings'])
  })

  it('writes nothing per request without a rate limit', async () => {
    const storage = new MemoryStorage()
    const { saved } = await revive(storage, T0)
    for (let i = 0; i < 10; i++) await saved.throttle('a', 'command', T0 + i)
    await saved.published()
    expect(storage.writes).toBe(0)
  })
})
