import { RingBuffer } from '@sms-command/core/events'
import type { RequestLogEntry, RequestLogInput, RouteName } from '../types.ts'

/** Filter of `GET /_mock/journal`. */
export interface JournalFilter {
  /** Any of these server ids. */
  server?: readonly string[] | undefined
  /** Any of these exact statuses (`404`) or classes (`4xx`). */
  status?: readonly string[] | undefined
  /** Any of these routes. */
  route?: readonly RouteName[] | undefined
  limit?: number | undefined
}

/** The request log (served as the journal): a ring buffer of the last N requests, numbered. */
export class RequestLog {
  #seq = 0
  readonly #ring: RingBuffer<RequestLogInput & { seq: number }>

  constructor(size: number) {
    this.#ring = new RingBuffer(size)
  }

  append(entry: RequestLogInput): void {
    // Kept as given (time in ms): formatting dates for every request would cost more than the rest.
    ;(entry as RequestLogInput & { seq: number }).seq = ++this.#seq
    this.#ring.push(entry as RequestLogInput & { seq: number })
  }

  /**
   * Newest last; `limit` keeps the newest N. Each filter given keeps the entries matching any of
   * its values, and an entry must pass every filter given (an empty list is no filter).
   */
  read(filter: JournalFilter): RequestLogEntry[] {
    const servers = filter.server?.length ? filter.server : undefined
    const routes = filter.route?.length ? filter.route : undefined
    const statuses = filter.status?.length ? filter.status : undefined
    const entries = this.#ring.toArray().filter((entry) => {
      if (servers && (entry.serverId === undefined || !servers.includes(entry.serverId))) {
        return false
      }
      if (routes && !routes.includes(entry.route)) return false
      if (statuses) {
        const text = String(entry.status)
        return statuses.some((wanted) =>
          /^[1-5]xx$/i.test(wanted) ? text[0] === wanted[0] : text === wanted,
        )
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
