/**
 * A fixed-capacity buffer that overwrites its oldest item: the request log and the event backlog
 * use it so that memory stays flat however long the mock runs.
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

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive integer')
    }
    this.#items = new Array(capacity)
  }

  get size(): number {
    return this.#size
  }

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

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = []
    for (let i = 0; i < this.#size; i++) {
      out.push(this.#items[(this.#start + i) % this.capacity] as T)
    }
    return out
  }

  clear(): void {
    this.#items.fill(undefined)
    this.#start = 0
    this.#size = 0
  }
}
