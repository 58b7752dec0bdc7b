// The control object's run-time state that Durable Object storage must keep across an eviction
// (an idle object is dropped after ~70–80 s): the live settings, the rate-limit windows and the
// last event seq. The journal and the event backlog stay memory only.
import type { LiveControl, RateWindow } from '../../rules/live-control.ts'
import { budgetKey, type RateLimitedApi, type ThrottleOutcome } from '../../rules/rate-limit.ts'
import type { LiveSettings } from '../../store/store.ts'

/** The slice of Durable Object storage this needs (an in-memory fake in tests). */
export interface LiveStorage {
  get<T>(key: string): Promise<T | undefined>
  put(key: string, value: unknown): Promise<void>
  delete(keys: string[]): Promise<number>
  list<T>(options: { prefix: string }): Promise<Map<string, T>>
}

/** Runs `callback` after `ms`; returns what cancels it. */
export type ScheduleFlush = (callback: () => void, ms: number) => () => void

const SETTINGS_KEY = 'live-settings'
const SEQ_KEY = 'event-seq'
const WINDOW_PREFIX = 'rate-window:'
/** Durable Object storage deletes at most this many keys per call. */
const DELETE_BATCH = 128

/**
 * How long counts in an open window may stay unsaved: far below the ~70 s after which an idle
 * object is evicted, so a quiet agent's counts are on disk before it goes.
 */
export const RATE_FLUSH_MS = 1_000

const scheduleWithTimer: ScheduleFlush = (callback, ms) => {
  const timer = setTimeout(callback, ms)
  return () => clearTimeout(timer)
}

/**
 * Saves a {@link LiveControl}'s settings, rate-limit windows and event numbering to storage and
 * restores them, writing little: settings when changed, the seq when events were published, a
 * window at once when it opens and its later counts after {@link RATE_FLUSH_MS} of quiet (or at
 * once when the budget refuses a request, so a client waiting out `Retry-After` finds it shut).
 *
 * @example
 * const persisted = new PersistedLive(live, ctx.storage)
 * await persisted.load(now)
 * const outcome = await persisted.throttle('user:acme:ops', 'command', now)
 */
export class PersistedLive {
  readonly #live: LiveControl
  readonly #storage: LiveStorage
  readonly #schedule: ScheduleFlush
  readonly #dirty = new Set<string>()
  #cancelFlush: (() => void) | undefined
  #savedSeq = 0

  constructor(
    live: LiveControl,
    storage: LiveStorage,
    schedule: ScheduleFlush = scheduleWithTimer,
  ) {
    this.#live = live
    this.#storage = storage
    this.#schedule = schedule
  }

  /** Restores what was saved (windows already over at mock time `now` are dropped). */
  async load(now: number): Promise<void> {
    const [settings, lastSeq, saved] = await Promise.all([
      this.#storage.get<LiveSettings>(SETTINGS_KEY),
      this.#storage.get<number>(SEQ_KEY),
      this.#storage.list<RateWindow>({ prefix: WINDOW_PREFIX }),
    ])
    const windows = [...saved].map(
      ([key, window]) => [key.slice(WINDOW_PREFIX.length), window] as [string, RateWindow],
    )
    this.#live.restore({ ...settings, windows, lastSeq }, now)
    this.#savedSeq = this.#live.lastSeq
    const over = windows.filter(([key]) => this.#live.rateWindow(key) === undefined)
    await this.#deleteKeys(over.map(([key]) => WINDOW_PREFIX + key))
  }

  /** Counts one request of `identity` to `api`, saving its window as described above. */
  async throttle(identity: string, api: RateLimitedApi, now: number): Promise<ThrottleOutcome> {
    const outcome = this.#live.throttle(identity, api, now)
    if (!this.#live.rateLimited) return outcome
    const key = budgetKey(identity, api)
    const window = this.#live.rateWindow(key)
    if (window === undefined) return outcome
    if (!outcome.ok) {
      if (this.#dirty.has(key)) await this.#saveWindow(key, window)
    } else if (window.used === 1) {
      await this.#saveWindow(key, window)
    } else {
      this.#dirty.add(key)
      this.#cancelFlush ??= this.#schedule(() => void this.flush(), RATE_FLUSH_MS)
    }
    return outcome
  }

  /** Writes the counts not saved yet. */
  async flush(): Promise<void> {
    this.#cancelFlush?.()
    this.#cancelFlush = undefined
    const keys = [...this.#dirty]
    this.#dirty.clear()
    await Promise.all(
      keys.map((key) => {
        const window = this.#live.rateWindow(key)
        return window === undefined ? undefined : this.#storage.put(WINDOW_PREFIX + key, window)
      }),
    )
  }

  /** Applies and saves settings changes; a new rate limit forgets the saved windows. */
  async updateSettings(changes: Partial<LiveSettings>): Promise<LiveSettings> {
    const settings = this.#live.updateSettings(changes)
    await this.#storage.put(SETTINGS_KEY, settings)
    if (changes.rateLimit !== undefined) await this.#forgetWindows()
    return settings
  }

  /** Saves the last seq if events were published since it was last saved. */
  async published(): Promise<void> {
    const seq = this.#live.lastSeq
    if (seq === this.#savedSeq) return
    this.#savedSeq = seq
    await this.#storage.put(SEQ_KEY, seq)
  }

  /** After a reset: the start settings again, no window; the event numbering goes on. */
  async reset(): Promise<void> {
    this.#live.reset()
    await this.#storage.delete([SETTINGS_KEY])
    await this.#forgetWindows()
  }

  async #saveWindow(key: string, window: RateWindow): Promise<void> {
    this.#dirty.delete(key)
    await this.#storage.put(WINDOW_PREFIX + key, window)
  }

  async #forgetWindows(): Promise<void> {
    this.#dirty.clear()
    this.#cancelFlush?.()
    this.#cancelFlush = undefined
    const saved = await this.#storage.list({ prefix: WINDOW_PREFIX })
    await this.#deleteKeys([...saved.keys()])
  }

  async #deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      await this.#storage.delete(keys.slice(i, i + DELETE_BATCH))
    }
  }
}
