import type { JournalFilter } from '../store/store.ts'
import type { JournalEntry, JournalInput } from '../types.ts'
import { RingBuffer } from './ring-buffer.ts'

/** The request log (served as the journal): a ring buffer of the last N requests, numbered. */
export class RequestLog {
  #seq = 0
  readonly #ring: RingBuffer<JournalInput & { seq: number }>

  constructor(size: number) {
    this.#ring = new RingBuffer(size)
  }

  append(entry: JournalInput): void {
    // Kept as given (time in ms): formatting dates for every request would cost more than the rest.
    ;(entry as JournalInput & { seq: number }).seq = ++this.#seq
    this.#ring.push(entry as JournalInput & { seq: number })
  }

  /** Newest last; `limit` keeps the newest N. */
  read(filter: JournalFilter): JournalEntry[] {
    const statusFilter = filter.status
    const entries = this.#ring.toArray().filter((entry) => {
      if (filter.server !== undefined && entry.serverId !== filter.server) return false
      if (filter.route !== undefined && entry.route !== filter.route) return false
      if (statusFilter !== undefined) {
        const text = String(entry.status)
        if (/^[1-5]xx$/i.test(statusFilter)) return text[0] === statusFilter[0]
        return text === statusFilter
      }
      return true
    })
    const kept = filter.limit !== undefined ? entries.slice(-filter.limit) : entries
    return kept.map(({ atMs, seq, ...rest }) => ({
      seq,
      at: new Date(atMs).toISOString(),
      ...rest,
    }))
  }

  clear(): void {
    this.#ring.clear()
  }

  get size(): number {
    return this.#ring.size
  }
}
