import { type Scheduler, sleepDuration } from '../time/scheduler.ts'

interface Sleeper {
  due: number
  resolve: () => void
}

/** A {@link Scheduler} whose time moves only when a test says so. */
export interface VirtualScheduler extends Scheduler {
  /**
   * The durations of every sleep not cancelled by its signal, in order: the delays a retry or
   * poll loop chose (request deadlines, cancelled when the answer arrives, are left out).
   */
  readonly sleeps: readonly number[]
  /** Sleeps not yet due. */
  readonly pending: number
  /** Moves time forward by `ms`, waking every sleeper that falls due, in order. */
  advance(ms: number): Promise<void>
  /** Waits until someone sleeps, then jumps to when that sleep ends. Returns the time jumped. */
  runNext(): Promise<number>
}

// Lets pending promise chains (fetch, body reads, generator steps) settle. A macrotask turn,
// because some runtimes settle Response bodies outside the microtask queue.
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/**
 * A virtual clock for testing retry, backoff and polling without sleeping.
 *
 * @example
 * const scheduler = createVirtualScheduler()
 * const poller = pollCommands(client, 'srv-1', { scheduler, firstPollJitterMs: 0 })
 * const first = poller.next()
 * await scheduler.runNext()
 */
export function createVirtualScheduler(startAt: number = Date.UTC(2026, 0, 1)): VirtualScheduler {
  let now = startAt
  const sleepers: Sleeper[] = []
  const sleeps: { ms: number; cancelled: boolean }[] = []

  async function advanceTo(target: number): Promise<void> {
    await settle()
    for (;;) {
      sleepers.sort((a, b) => a.due - b.due)
      const next = sleepers[0]
      if (!next || next.due > target) break
      sleepers.shift()
      now = Math.max(now, next.due)
      next.resolve()
      await settle()
    }
    now = Math.max(now, target)
  }

  return {
    now: () => now,
    sleep(ms, signal) {
      const record = { ms, cancelled: false }
      sleeps.push(record)
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason)
          return
        }
        const sleeper: Sleeper = {
          due: now + sleepDuration(ms),
          resolve: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        const onAbort = () => {
          record.cancelled = true
          const index = sleepers.indexOf(sleeper)
          if (index >= 0) sleepers.splice(index, 1)
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        sleepers.push(sleeper)
      })
    },
    get sleeps() {
      return sleeps.filter((record) => !record.cancelled).map((record) => record.ms)
    },
    get pending() {
      return sleepers.length
    },
    advance: (ms) => advanceTo(now + ms),
    async runNext() {
      await settle()
      for (let turn = 0; sleepers.length === 0; turn++) {
        if (turn > 1000) throw new Error('runNext: nothing is sleeping')
        await settle()
      }
      sleepers.sort((a, b) => a.due - b.due)
      const due = sleepers[0]?.due ?? now
      const jumped = due - now
      await advanceTo(due)
      return jumped
    },
  }
}
