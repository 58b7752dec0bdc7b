/**
 * One request budget for the whole fleet. SMS limits requests per IAM user and API (docs/api.md §7:
 * `APIGW.0308 … limit:20,time:1 minute`), and the agents of the same user spend the same budget,
 * so the watch must not poll each server on its own clock: every request waits its turn in one
 * FIFO queue, spaced `1 / rate` seconds apart (no bursts), and a throttling answer from any
 * server lowers the rate of all of them.
 *
 * Rate control is AIMD: a 429 or `APIGW.0308` halves the rate (at most once per "generation":
 * answers to requests sent before the last decrease don't count again), and every
 * `recoverEveryMs` without one adds back a tenth of the maximum, never above `--max-rps`.
 *
 * No limiter library: the usual ones (bottleneck, p-throttle, limiter) run on the real clock and
 * have no multiplicative decrease; this one is a few lines on core's `Scheduler`, so it is tested
 * on a virtual clock.
 *
 * @module
 */
import type { Scheduler } from '@sms-command/core'

/** Options of {@link createFleetBudget}. */
export interface FleetBudgetOptions {
  /** Requests per second at most, across the fleet. */
  maxRps: number
  scheduler: Scheduler
  /** The rate never falls below this. Default: one request a minute, or `maxRps` if lower. */
  minRps?: number
  /** How often the rate climbs back by a step without throttling. Default 30 s. */
  recoverEveryMs?: number
  /** The step, as a share of `maxRps`. Default 0.1. */
  recoverShare?: number
  /** A `Retry-After` longer than this is not believed (docs/api.md §7: it may be absurd). Default 60 s. */
  retryAfterCapMs?: number
}

/** What the header shows about the budget. */
export interface BudgetStatus {
  maxRps: number
  /** The rate in force now (lower than `maxRps` after throttling). */
  rps: number
  /** When the last throttling answer lowered the rate, if ever. */
  throttledAt: number | undefined
  /** While a throttling answer's `Retry-After` (capped) holds every request: until when. */
  heldUntil?: number | undefined
}

/** A grant: when the request was let through (pass it back to `throttled`). */
export interface BudgetGrant {
  at: number
  generation: number
}

/** The shared budget. */
export interface FleetBudget {
  /**
   * Waits for this request's turn. Rejects with `signal.reason` if aborted while waiting.
   * `first`: goes to the head of the queue (a throttled request sent again, which already
   * waited its turn; the fleet list, which names every row).
   */
  acquire(signal?: AbortSignal, options?: { first?: boolean }): Promise<BudgetGrant>
  /**
   * A request granted at `grant` was throttled (429 / `APIGW.0308`): lowers the fleet's rate, and
   * holds every request for `retryAfterMs` (capped) when the answer said so. Returns true when
   * the rate was lowered (false for a second answer of the same generation).
   */
  throttled(grant: BudgetGrant, retryAfterMs?: number): boolean
  /** The rate now, after any recovery due. */
  status(): BudgetStatus
  /**
   * The pause each of `servers` servers gets between its polls when the fleet shares the budget:
   * `servers / rate` seconds, or `intervalMs` when that is longer.
   */
  intervalFor(servers: number, intervalMs: number): number
  /** Requests waiting for their turn. */
  readonly waiting: number
}

/**
 * Creates the fleet's budget.
 *
 * @example
 * const budget = createFleetBudget({ maxRps: 0.25, scheduler: systemScheduler })
 * const grant = await budget.acquire(signal)
 * try { await client.getCommand(id) } catch (error) { if (is429(error)) budget.throttled(grant) }
 */
export function createFleetBudget(options: FleetBudgetOptions): FleetBudget {
  const { scheduler, maxRps } = options
  if (!(maxRps > 0) || !Number.isFinite(maxRps)) {
    throw new RangeError(`maxRps: expected a positive number, received ${maxRps}`)
  }
  const minRps = Math.min(maxRps, options.minRps ?? 1 / 60)
  const recoverEveryMs = options.recoverEveryMs ?? 30_000
  const step = maxRps * (options.recoverShare ?? 0.1)
  const retryAfterCapMs = options.retryAfterCapMs ?? 60_000

  let rps = maxRps
  let generation = 0
  let throttledAt: number | undefined
  let heldUntil: number | undefined
  let lastChangeAt = scheduler.now()
  // The earliest time the next request may go.
  let nextAt = scheduler.now()
  const queue: { grant: (grant: BudgetGrant) => void }[] = []
  let pumping = false

  function recover(now: number): void {
    if (rps >= maxRps) return
    const steps = Math.floor((now - lastChangeAt) / recoverEveryMs)
    if (steps <= 0) return
    rps = Math.min(maxRps, rps + steps * step)
    lastChangeAt += steps * recoverEveryMs
  }

  async function pump(): Promise<void> {
    if (pumping) return
    pumping = true
    try {
      while (queue.length > 0) {
        const now = scheduler.now()
        if (now < nextAt) {
          await scheduler.sleep(nextAt - now)
          continue
        }
        const head = queue.shift()
        if (!head) break
        recover(now)
        nextAt = Math.max(now, nextAt) + 1_000 / rps
        head.grant({ at: now, generation })
      }
    } finally {
      pumping = false
    }
  }

  return {
    acquire(signal, acquireOptions) {
      return new Promise<BudgetGrant>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason)
          return
        }
        const entry = {
          grant: (grant: BudgetGrant) => {
            signal?.removeEventListener('abort', onAbort)
            resolve(grant)
          },
        }
        const onAbort = () => {
          const index = queue.indexOf(entry)
          if (index >= 0) queue.splice(index, 1)
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        if (acquireOptions?.first) queue.unshift(entry)
        else queue.push(entry)
        void pump()
      })
    },
    throttled(grant, retryAfterMs) {
      const now = scheduler.now()
      if (retryAfterMs !== undefined && retryAfterMs > 0) {
        const until = now + Math.min(retryAfterMs, retryAfterCapMs)
        nextAt = Math.max(nextAt, until)
        heldUntil = Math.max(heldUntil ?? 0, until)
      }
      if (grant.generation !== generation) return false
      generation++
      rps = Math.max(minRps, rps / 2)
      throttledAt = now
      lastChangeAt = now
      // The next request waits a full spacing of the new rate.
      nextAt = Math.max(nextAt, now + 1_000 / rps)
      return true
    },
    status() {
      const now = scheduler.now()
      recover(now)
      return {
        maxRps,
        rps,
        throttledAt,
        ...(heldUntil !== undefined && heldUntil > now ? { heldUntil } : {}),
      }
    },
    intervalFor(servers, intervalMs) {
      recover(scheduler.now())
      return Math.max(intervalMs, Math.ceil((Math.max(1, servers) / rps) * 1_000))
    },
    get waiting() {
      return queue.length
    },
  }
}
