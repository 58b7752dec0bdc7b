/**
 * A fixed-capacity buffer that overwrites its oldest item, so memory stays flat however long a
 * process runs: the backlog of an {@link EventLog}, and the mock's request log.
 *
 * @example
 * const ring = new RingBuffer<number>(2)
 * ring.push(1); ring.push(2); ring.push(3)
 * ring.toArray() // [2, 3]
 */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[]
  #start = 0
  #size = 0

  /**
   * @param capacity the most items held: a positive integer.
   * @throws {RangeError} for any other capacity.
   */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive integer')
    }
    this.#items = new Array(capacity)
  }

  /** How many items are held (at most {@link capacity}). */
  get size(): number {
    return this.#size
  }

  /** Adds `item` as the newest, dropping the oldest when full. */
  push(item: T): void {
    const index = (this.#start + this.#size) % this.capacity
    this.#items[index] = item
    if (this.#size < this.capacity) this.#size++
    else this.#start = (this.#start + 1) % this.capacity
  }

  /**
   * The item `index` places after the oldest (0: the oldest), or `undefined` past the newest.
   *
   * @example
   * ring.at(ring.size - 1) // the newest
   */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#size) return undefined
    return this.#items[(this.#start + index) % this.capacity]
  }

  /** The items held, oldest first. */
  toArray(): T[] {
    const out: T[] = []
    for (let i = 0; i < this.#size; i++) {
      out.push(this.#items[(this.#start + i) % this.capacity] as T)
    }
    return out
  }

  /** Forgets every item. */
  clear(): void {
    this.#items.fill(undefined)
    this.#start = 0
    this.#size = 0
  }
}
