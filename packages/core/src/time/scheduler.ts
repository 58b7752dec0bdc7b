/**
 * The clock and timers core waits on. Injected so that retry, backoff and polling can be driven
 * by a virtual clock in tests (see `createVirtualScheduler` in `@sms-command/core/testing`).
 */
export interface Scheduler {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /**
   * Resolves after `ms` milliseconds; rejects with `signal.reason` as soon as `signal` aborts.
   * Must be safe for any number: see {@link sleepDuration}.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/**
 * The longest delay platform timers hold: `setTimeout` stores it in 32 bits and fires after
 * 1 ms when given more (Node warns; browsers, Deno, Bun and workerd stay silent).
 */
export const MAX_TIMER_MS = 2_147_483_647

/**
 * What a sleep of `ms` means: NaN and negative numbers are 0, `Infinity` is "until aborted",
 * fractions are kept.
 *
 * @example
 * sleepDuration(Number.NaN) // 0
 */
export function sleepDuration(ms: number): number {
  // biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 0) is NaN; this comparison reads NaN as 0.
  return ms > 0 ? ms : 0
}

/**
 * The real clock: `Date.now` and `setTimeout`, available on every runtime core supports. Sleeps
 * longer than {@link MAX_TIMER_MS} run as a chain of shorter timers, so no value overflows.
 *
 * @example
 * await systemScheduler.sleep(100)
 */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason)
        return
      }
      let remaining = sleepDuration(ms)
      let timer: ReturnType<typeof setTimeout>
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      const arm = () => {
        const step = Math.min(remaining, MAX_TIMER_MS)
        remaining -= step
        timer = setTimeout(() => {
          if (remaining > 0) return arm()
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }, step)
      }
      arm()
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}
