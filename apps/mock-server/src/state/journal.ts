import type { JournalFilter } from '../store/store.ts'
import type { JournalEntry } from '../types.ts'
import { RingBuffer } from './ring-buffer.ts'

/** The request journal: a ring buffer of the last N requests, numbered. */
export class Journal {
  #seq = 0
  readonly #ring: RingBuffer<JournalEntry>

  constructor(size: number) {
    this.#ring = new RingBuffer(size)
  }

  append(entry: Omit<JournalEntry, 'seq'>): void {
    this.#ring.push({ seq: ++this.#seq, ...entry })
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
    return filter.limit !== undefined ? entries.slice(-filter.limit) : entries
  }

  clear(): void {
    this.#ring.clear()
  }

  get size(): number {
    return this.#ring.size
  }
}
