import type { MockEvent, NewMockEvent } from '../types.ts'
import { RingBuffer } from './ring-buffer.ts'

/** Filter of the event stream. */
export interface EventFilter {
  servers?: readonly string[] | undefined
  types?: readonly string[] | undefined
  /** Replay backlog events with a greater seq first. */
  since?: number | undefined
}

type Listener = (event: MockEvent) => void
type StoredEvent = NewMockEvent & { seq: number; atMs: number }

function toWire({ atMs, seq, ...rest }: StoredEvent): MockEvent {
  return { seq, at: new Date(atMs).toISOString(), ...rest }
}

/** Most events a slow subscriber may have waiting before the oldest are dropped. */
const MAX_PENDING = 1_000

function matches(event: MockEvent, filter: EventFilter): boolean {
  if (filter.servers && filter.servers.length > 0) {
    if (event.serverId === undefined || !filter.servers.includes(event.serverId)) return false
  }
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false
  return true
}

/**
 * Numbers events, keeps a bounded backlog for replay and fans them out to live subscribers.
 * A subscriber that falls more than 1,000 events behind loses the oldest (and is told so by a
 * gap in `seq`), so one stuck client can't grow memory without bound.
 */
export class EventHub {
  #seq = 0
  readonly #backlog: RingBuffer<StoredEvent>
  readonly #listeners = new Set<Listener>()

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
      if (this.#listeners.size === 0) continue
      const wire = toWire(stored)
      for (const listener of this.#listeners) listener(wire)
    }
  }

  subscribe(filter: EventFilter, signal: AbortSignal): AsyncIterable<MockEvent> {
    const pending: MockEvent[] = []
    if (filter.since !== undefined) {
      const since = filter.since
      for (const stored of this.#backlog.toArray()) {
        const event = toWire(stored)
        if (event.seq > since && matches(event, filter)) pending.push(event)
      }
    }
    let wake: (() => void) | undefined
    const listener: Listener = (event) => {
      if (!matches(event, filter)) return
      pending.push(event)
      if (pending.length > MAX_PENDING) pending.shift()
      wake?.()
    }
    this.#listeners.add(listener)
    const stop = () => {
      this.#listeners.delete(listener)
      wake?.()
    }
    signal.addEventListener('abort', stop, { once: true })
    return {
      async *[Symbol.asyncIterator]() {
        try {
          while (!signal.aborted) {
            const next = pending.shift()
            if (next) {
              yield next
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
    return this.#listeners.size
  }
}
