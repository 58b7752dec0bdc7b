// The settings an operator changes on a running mock (auth error style, rate limit), held the
// same way by both stores. In memory here; on Workers, `adapters/workers/live-persistence.ts`
// saves them and the windows so that an evicted control object keeps them.
import type { Principal } from '../types.ts'
import type { AuthErrorStyle } from './gateway.ts'
import {
  ALLOWED,
  budgetKey,
  type RateLimit,
  type RateLimitedApi,
  type RateState,
  type ThrottleOutcome,
  takeRequest,
} from './rate-limit.ts'

/** Settings that can change at run time (`POST /_mock/settings`). */
export interface LiveSettings {
  authErrors: AuthErrorStyle
  rateLimit: RateLimit | null
}

/** The live settings and the rate-limit windows counted under them. */
export interface LiveState {
  authErrors: AuthErrorStyle
  rate: RateState
}

/**
 * The live state a mock starts (and resets) with: the configured settings, no request counted.
 *
 * @example
 * const live = initialLiveState({ authErrors: 'gateway', rateLimit: { limit: 20, windowMs: 60_000 } })
 */
export function initialLiveState(settings: {
  authErrors: AuthErrorStyle
  rateLimit: RateLimit | null
}): LiveState {
  return {
    authErrors: settings.authErrors,
    rate: { limit: settings.rateLimit, windows: new Map() },
  }
}

/**
 * The live settings as the admin API shows them.
 *
 * @example
 * viewLiveSettings(live) // { authErrors: 'gateway', rateLimit: null }
 */
export function viewLiveSettings(live: LiveState): LiveSettings {
  return { authErrors: live.authErrors, rateLimit: live.rate.limit }
}

/**
 * Applies the changes given (absent ones stay) and returns the new settings. A new rate limit
 * starts every identity's window afresh.
 *
 * @example
 * updateLiveSettings(live, { rateLimit: null }) // the limit is off
 */
export function updateLiveSettings(live: LiveState, changes: Partial<LiveSettings>): LiveSettings {
  if (changes.authErrors !== undefined) live.authErrors = changes.authErrors
  if (changes.rateLimit !== undefined) live.rate = { limit: changes.rateLimit, windows: new Map() }
  return viewLiveSettings(live)
}

/**
 * Counts one request of `caller` (a principal, or its identity key) to `api` against the live
 * rate limit: one budget per identity and API. An unlimited mock returns at once: nothing is
 * computed or allocated per request.
 *
 * @example
 * throttleRequest(live, principal, 'command', now) // ALLOWED or a refusal with retryAfterSeconds
 */
export function throttleRequest(
  live: LiveState,
  caller: Principal | string,
  api: RateLimitedApi,
  now: number,
): ThrottleOutcome {
  if (live.rate.limit === null) return ALLOWED
  return takeRequest(live.rate, budgetKey(caller, api), now)
}
