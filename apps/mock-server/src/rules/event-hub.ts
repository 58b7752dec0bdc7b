import { EventLog } from '@sms-command/core/events'
import type { MockEvent, NewMockEvent } from '../types.ts'

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
 * The mock's event stream over core's {@link EventLog} (the one backlog policy of both streams
 * served as SSE: a subscriber is a cursor into the backlog, from `since` or from now, never a
 * queue of its own, so one that falls more than `backlog` events behind loses the oldest and sees
 * the gap in `seq`, exactly as a client resuming from an old `since` does). What is the mock's own
 * is here: events stored with their time in ms and written out (ISO date) once, for the first
 * reader, and the filter by server and type.
 */
export class EventHub {
  readonly #log: EventLog<StoredEvent>

  constructor(backlog: number) {
    this.#log = new EventLog(backlog)
  }

  get lastSeq(): number {
    return this.#log.lastId
  }

  /**
   * Continues numbering after `seq` (a restarted store's last persisted seq), so ids never go
   * backwards; the events up to it are not replayed, which a resuming client sees as a gap.
   */
  continueAfter(seq: number): void {
    this.#log.continueAfter(seq)
  }

  publish(events: readonly NewMockEvent[], now: number): void {
    for (const event of events) {
      // Stored with its time in ms; the ISO date is made only for someone who reads it.
      const stored = event as StoredEvent
      stored.seq = this.#log.nextId
      stored.atMs ??= now
      this.#log.append(stored)
    }
  }

  /** Events matching `filter`: the backlog after `since` (without it, none), then live ones. */
  subscribe(filter: EventFilter, signal: AbortSignal): AsyncIterable<MockEvent> {
    return this.#log.follow(filter.since, signal, (stored) => {
      const event = toWire(stored)
      return matches(event, filter) ? event : undefined
    })
  }

  clear(): void {
    this.#log.clear()
  }

  get subscribers(): number {
    return this.#log.followers
  }
}
