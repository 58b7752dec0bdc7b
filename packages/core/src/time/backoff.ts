/** How long to wait between attempts. */
export interface BackoffOptions {
  /** Delay cap of the first retry, in ms. */
  baseDelayMs: number
  /** No delay exceeds this, in ms. */
  maxDelayMs: number
}

/**
 * Capped exponential backoff without jitter: `min(maxDelayMs, baseDelayMs × 2^(failures − 1))`,
 * the ceiling {@link fullJitterBackoff} draws under. For one client retrying alone (a list
 * refresh, a snapshot), where there is no fleet to spread.
 *
 * @example
 * cappedBackoff(3, { baseDelayMs: 2_000, maxDelayMs: 30_000 }) // 8_000
 * cappedBackoff(9, { baseDelayMs: 2_000, maxDelayMs: 30_000 }) // 30_000
 */
export function cappedBackoff(failures: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 52)
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent)
}

/**
 * Capped exponential backoff with full jitter: a uniform delay in
 * `[0, min(maxDelayMs, baseDelayMs × 2^(failures − 1)))`. Full jitter spreads a fleet's retries
 * so agents that failed together don't retry together.
 *
 * @example
 * fullJitterBackoff(3, { baseDelayMs: 500, maxDelayMs: 30_000 }, Math.random) // 0…2000 ms
 */
export function fullJitterBackoff(
  failures: number,
  options: BackoffOptions,
  random: () => number,
): number {
  return Math.floor(random() * cappedBackoff(failures, options))
}
