// What both stores keep the same way: the request log, the event stream and the live settings.
// The in-process store holds one in memory; on Workers the control object holds the one instance
// and persists the live settings, rate-limit windows and last event seq through `restore` and
// the accessors below (the journal and event backlog stay memory only).
import type {
  MockEvent,
  NewMockEvent,
  Principal,
  RequestLogEntry,
  RequestLogInput,
} from '../types.ts'
import { type EventFilter, EventHub } from './event-hub.ts'
import type { AuthErrorStyle } from './gateway.ts'
import {
  initialLiveState,
  type LiveSettings,
  type LiveState,
  throttleRequest,
  updateLiveSettings,
  viewLiveSettings,
} from './live-settings.ts'
import type { RateLimit, RateLimitedApi, ThrottleOutcome } from './rate-limit.ts'

/** A rate-limit window: when it opened (mock time) and the requests counted in it. */
export interface RateWindow {
  start: number
  used: number
}

/** What a restarted store gives back to {@link LiveControl.restore}. */
export interface SavedLive {
  authErrors?: AuthErrorStyle | undefined
  rateLimit?: RateLimit | null | undefined
  windows?: Iterable<[string, RateWindow]> | undefined
  lastSeq?: number | undefined
}

import { type JournalFilter, RequestLog } from './request-log.ts'

/** The settings a {@link LiveControl} starts (and resets) with. */
export interface LiveControlSettings {
  journalSize: number
  eventBacklog: number
  authErrors: AuthErrorStyle
  rateLimit: RateLimit | null
}

/**
 * The request log, event stream and live settings of one mock.
 *
 * @example
 * const live = new LiveControl(settings)
 * live.emit([{ type: 'reset' }], now)
 */
export class LiveControl {
  readonly #settings: LiveControlSettings
  readonly #log: RequestLog
  readonly #events: EventHub
  #live: LiveState

  constructor(settings: LiveControlSettings) {
    this.#settings = settings
    this.#log = new RequestLog(settings.journalSize)
    this.#events = new EventHub(settings.eventBacklog)
    this.#live = initialLiveState(settings)
  }

  /** Publishes `events` at mock time `now` (nothing when there are none). */
  emit(events: readonly NewMockEvent[], now: number): void {
    if (events.length > 0) this.#events.publish(events, now)
  }

  /** Live events matching `filter` (after the backlog from `since`) until `signal` aborts. */
  subscribe(filter: EventFilter, signal: AbortSignal): AsyncIterable<MockEvent> {
    return this.#events.subscribe(filter, signal)
  }

  /** Logs one request. */
  journal(entry: RequestLogInput): void {
    this.#log.append(entry)
  }

  /** Logged requests matching `filter`, newest last. */
  readJournal(filter: JournalFilter): RequestLogEntry[] {
    return this.#log.read(filter)
  }

  /** Whether a rate limit is set: without one, a request needs no clock read or identity. */
  get rateLimited(): boolean {
    return this.#live.rate.limit !== null
  }

  /** Counts one request of `caller` to `api` against the live rate limit. */
  throttle(caller: Principal | string, api: RateLimitedApi, now: number): ThrottleOutcome {
    return throttleRequest(this.#live, caller, api, now)
  }

  /** The live settings as the admin API shows them. */
  settings(): LiveSettings {
    return viewLiveSettings(this.#live)
  }

  /** Applies the changes given and returns the new settings. */
  updateSettings(changes: Partial<LiveSettings>): LiveSettings {
    return updateLiveSettings(this.#live, changes)
  }

  /** The last event seq given out. */
  get lastSeq(): number {
    return this.#events.lastSeq
  }

  /** The window of budget `key` (see `budgetKey`), if one is open. */
  rateWindow(key: string): RateWindow | undefined {
    return this.#live.rate.windows.get(key)
  }

  /**
   * Takes back state a restarted store saved: settings, the rate-limit windows still open at
   * mock time `now` (under the restored limit) and the event numbering.
   *
   * @example
   * live.restore({ authErrors: 'sms', rateLimit, windows: [['user:acme:ops command', w]], lastSeq: 67 }, now)
   */
  restore(saved: SavedLive, now: number): void {
    if (saved.authErrors !== undefined) this.#live.authErrors = saved.authErrors
    if (saved.rateLimit !== undefined) {
      this.#live.rate = { limit: saved.rateLimit, windows: new Map() }
    }
    const limit = this.#live.rate.limit
    if (limit !== null) {
      for (const [key, window] of saved.windows ?? []) {
        if (now >= window.start && now < window.start + limit.windowMs) {
          this.#live.rate.windows.set(key, { start: window.start, used: window.used })
        }
      }
    }
    if (saved.lastSeq !== undefined) this.#events.continueAfter(saved.lastSeq)
  }

  /** Forgets logged requests and events, and goes back to the configured settings. */
  reset(): void {
    this.#log.clear()
    this.#events.clear()
    this.#live = initialLiveState(this.#settings)
  }
}
