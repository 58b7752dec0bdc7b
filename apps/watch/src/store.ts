import type { ServerUpdate } from './model.ts'
import { reduce, type WatchAction, type WatchState } from './reducer.ts'

/** Called after every dispatch with the new state, the old one and the action. */
export type StoreListener = (state: WatchState, previous: WatchState, action: WatchAction) => void

/** Holds the state and runs the reducer; the TUI and the NDJSON printer both subscribe. */
export interface WatchStore {
  getState(): WatchState
  dispatch(action: WatchAction): void
  subscribe(listener: StoreListener): () => void
}

/**
 * A minimal store around {@link reduce}.
 *
 * @example
 * const store = createStore(initialState({ now: Date.now() }))
 * store.subscribe((state) => draw(state))
 * store.dispatch({ type: 'key', name: 'j' })
 */
export function createStore(initial: WatchState): WatchStore {
  let state = initial
  const listeners = new Set<StoreListener>()
  return {
    getState: () => state,
    dispatch(action) {
      const previous = state
      state = reduce(state, action)
      if (state === previous) return
      for (const listener of listeners) listener(state, previous, action)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** Collects source updates and hands them to the store in batches. */
export interface UpdateBatcher {
  push(update: ServerUpdate): void
  /** Dispatches what is waiting now. */
  flush(): void
  /** Flushes and stops the timer. */
  close(): void
}

/**
 * Batches updates so a fleet of thousands costs one reducer pass per `flushMs`, not one per poll.
 *
 * @example
 * const batcher = createUpdateBatcher((updates) => store.dispatch({ type: 'updates', updates }), 50)
 * batcher.push({ serverId: 'a', at: Date.now(), command: null })
 */
export function createUpdateBatcher(
  deliver: (updates: ServerUpdate[]) => void,
  flushMs: number,
): UpdateBatcher {
  let pending: ServerUpdate[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (pending.length === 0) return
    const batch = pending
    pending = []
    deliver(batch)
  }
  return {
    push(update) {
      pending.push(update)
      if (closed) {
        flush()
        return
      }
      timer ??= setTimeout(flush, flushMs)
    },
    flush,
    close() {
      closed = true
      flush()
    },
  }
}
