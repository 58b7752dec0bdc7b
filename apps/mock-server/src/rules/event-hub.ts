import type { MockEvent, NewMockEvent } from '../types.ts'
import { RingBuffer } from './ring-buffer.ts'

/** Filter of the event stream. */
export interface EventFilter {
  servers?: readonly string[] | undefined
  types?: readonly string[] | undefined
  /** Replay backlog events with a greater seq first. */
  since?: number | undefined
}

type StoredEvent = NewMockEvent & { seq: number; atMs: number; wire?: MockEvent }

function toWire(stored: StoredEvent): MockEvent {
  if (stored.wire) return stored.wire
  const { atMs, seq, wire: _, ...rest } = stored
  // Made once per event, for the first reader; kept for the next ones.
  stored.wire = { seq, at: new Date(atMs).toISOString(), ...rest }
  return stored.wire
}

function matches(event: MockEvent, filter: EventFilter): boolean {
  if (filter.servers && filter.servers.length > 0) {
    if (event.serverId === undefined || !filter.servers.includes(event.serverId)) return false
  }
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false
  return true
}

/**
 * Numbers events, keeps the newest `backlog` of them and serves them to subscribers. One backlog
 * policy for replay and live reading alike: a subscriber is a cursor into that backlog (from
 * `since`, or from now), never a queue of its own, so a subscriber that falls more than
 * `backlog` events behind loses the oldest (and sees the gap in `seq`) exactly as a client
 * resuming from an old `since` does, and a stuck client costs no memory at all.
 */
export class EventHub {
  #seq = 0
  readonly #backlog: RingBuffer<StoredEvent>
  readonly #wakers = new Set<() => void>()

  constructor(backlog: number) {
    this.#backlog = new RingBuffer(backlog)
  }

  get lastSeq(): number {
    return this.#seq
  }

  /**
   * Continues numbering after `seq` (a restarted store's last persisted seq), so ids never go
   * backwards; the events up to it are not replayed, which a resuming client sees as a gap.
   */
  continueAfter(seq: number): void {
    if (seq > this.#seq) this.#seq = seq
  }

  publish(events: readonly NewMockEvent[], now: number): void {
    for (const event of events) {
      // Stored with its time in ms; the ISO date is made only for someone who reads it.
      const stored = event as StoredEvent
      stored.seq = ++this.#seq
      stored.atMs ??= now
      this.#backlog.push(stored)
    }
    if (events.length === 0) return
    for (const wake of this.#wakers) wake()
  }

  /** The stored event after `cursor` (skipping what the backlog no longer holds), if any. */
  #next(cursor: number): StoredEvent | undefined {
    const oldest = this.#seq - this.#backlog.size + 1
    return this.#backlog.at(Math.max(cursor + 1, oldest) - oldest)
  }

  subscribe(filter: EventFilter, signal: AbortSignal): AsyncIterable<MockEvent> {
    // Without `since`, only what is published from now on.
    let cursor = filter.since ?? this.#seq
    let wake: (() => void) | undefined
    const waker = () => wake?.()
    this.#wakers.add(waker)
    const stop = () => {
      this.#wakers.delete(waker)
      wake?.()
    }
    signal.addEventListener('abort', stop, { once: true })
    const hub = this
    return {
      async *[Symbol.asyncIterator]() {
        try {
          while (!signal.aborted) {
            const stored = hub.#next(cursor)
            if (stored) {
              cursor = stored.seq
              const event = toWire(stored)
              if (matches(event, filter)) yield event
              continue
            }
            await new Promise<void>((resolve) => {
              wake = resolve
            })
            wake = undefined
          }
        } finally {
          stop()
          signal.removeEventListener('abort', stop)
        }
      },
    }
  }

  clear(): void {
    this.#backlog.clear()
  }

  get subscribers(): number {
    return this.#wakers.size
  }
}
