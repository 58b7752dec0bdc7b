import type { JournalStore } from './journal.ts'
import type { DeliveryState } from './journal-state.ts'

/** A {@link JournalStore} in memory, with a look at what it holds. */
export interface MemoryJournal extends JournalStore {
  /** The value as saved (a JSON round trip of it), `undefined` before the first save. */
  value(): unknown
  /** Saves so far. */
  readonly saves: number
}

/**
 * A journal store in memory: for tests, browsers and short-lived tools. It keeps what it is given
 * as JSON text, so a state that would not survive a real store's round trip fails here too.
 * `initial` starts it from a value another store saved (a "restart" from it).
 *
 * @example
 * const journal = memoryJournal()
 * await deliverOnce(client, serverId, { journal, run })
 * const restarted = memoryJournal(journal.value()) // a new process over the same stored value
 */
export function memoryJournal(initial?: unknown): MemoryJournal {
  let text: string | undefined = initial === undefined ? undefined : JSON.stringify(initial)
  let saves = 0
  return {
    name: 'memory',
    load: () => Promise.resolve(text === undefined ? undefined : JSON.parse(text)),
    save(state: DeliveryState) {
      text = JSON.stringify(state)
      saves++
      return Promise.resolve()
    },
    value: () => (text === undefined ? undefined : JSON.parse(text)),
    get saves() {
      return saves
    },
  }
}
