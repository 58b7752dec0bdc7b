import { RingBuffer } from './ring-buffer.ts'

/**
 * A replayable event log: numbers what is appended (1, 2, 3…), keeps the newest `capacity` items
 * and lets readers follow it from an id. The one backlog policy of both event streams served as
 * SSE, the agent's `/events` and the mock's `/_mock/events`: a reader is a cursor into the
 * backlog, never a queue of its own, so replay (from a `Last-Event-ID`) and live reading are the
 * same code, a reader that falls more than `capacity` items behind loses the oldest (and sees the
 * gap in the ids) exactly as a client resuming from an old id does, and a stuck reader costs no
 * memory. Web APIs only.
 *
 * Readers resume in a later microtask, never inside {@link append}: an item may still be given
 * its id (from {@link nextId}) right before it is appended.
 *
 * @example
 * const log = new EventLog<string>(256)
 * log.append('started') // 1
 * for await (const line of log.follow(0, signal)) send(line) // 'started', then what comes next
 */
export class EventLog<T> {
  #lastId = 0
  readonly #backlog: RingBuffer<T>
  readonly #wakers = new Set<() => void>()

  /**
   * @param capacity the most items kept for replay: a positive integer.
   * @throws {RangeError} for any other capacity.
   */
  constructor(capacity: number) {
    this.#backlog = new RingBuffer(capacity)
  }

  /** The id of the newest item appended, 0 before the first. */
  get lastId(): number {
    return this.#lastId
  }

  /** The id the next {@link append} gives. */
  get nextId(): number {
    return this.#lastId + 1
  }

  /** Readers following the log now (a producer may skip work nobody would read). */
  get followers(): number {
    return this.#wakers.size
  }

  /**
   * Continues numbering after `id` (a restarted producer's last persisted id), so ids never go
   * backwards; what came up to it is not replayed, which a resuming reader sees as a gap.
   *
   * @example
   * log.continueAfter(67); log.append(item) // 68
   */
  continueAfter(id: number): void {
    if (id > this.#lastId) this.#lastId = id
  }

  /** Appends `item` as the newest and wakes the readers; returns its id. */
  append(item: T): number {
    this.#backlog.push(item)
    this.#lastId++
    for (const wake of this.#wakers) wake()
    return this.#lastId
  }

  /** The items kept, oldest first. */
  entries(): T[] {
    return this.#backlog.toArray()
  }

  /** Forgets the items kept; the numbering goes on. */
  clear(): void {
    this.#backlog.clear()
  }

  /**
   * The items after id `after`, then every item appended, until `signal` aborts. `after` below
   * the oldest kept (0, say) starts at the oldest; `undefined`, or an id past the newest (a
   * previous numbering: the producer restarted), starts at what is appended from now on. The
   * reader counts among {@link followers} from this call on.
   *
   * `select` filters and shapes in the same step (an item it maps to `undefined` is skipped), so
   * a reader's view costs no second async iterator.
   *
   * @throws {RangeError} when `after` is NaN.
   * @example
   * for await (const item of log.follow(parseEventId(lastEventId) ?? 0, signal)) send(item)
   * log.follow(since, signal, (event) => (event.serverId === 'a' ? toWire(event) : undefined))
   */
  follow(after: number | undefined, signal: AbortSignal): AsyncIterable<T>
  follow<U>(
    after: number | undefined,
    signal: AbortSignal,
    select: (item: T) => U | undefined,
  ): AsyncIterable<U>
  follow<U>(
    after: number | undefined,
    signal: AbortSignal,
    select?: (item: T) => U | undefined,
  ): AsyncIterable<T | U> {
    if (after !== undefined && Number.isNaN(after)) throw new RangeError('after must be an id')
    let cursor = after === undefined || after > this.#lastId ? this.#lastId : Math.floor(after)
    let wake: (() => void) | undefined
    const waker = () => wake?.()
    this.#wakers.add(waker)
    const stop = () => {
      this.#wakers.delete(waker)
      wake?.()
    }
    signal.addEventListener('abort', stop, { once: true })
    if (signal.aborted) stop()
    const log = this
    return {
      async *[Symbol.asyncIterator]() {
        try {
          while (!signal.aborted) {
            const oldest = log.#lastId - log.#backlog.size + 1
            const next = Math.max(cursor + 1, oldest)
            if (next <= log.#lastId) {
              cursor = next
              const item = log.#backlog.at(next - oldest) as T
              if (select === undefined) yield item
              else {
                const selected = select(item)
                if (selected !== undefined) yield selected
              }
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
}
