/**
 * The account's servers by name: `GET /v3/sources` (docs/api.md §8) read in full (paged until
 * `count`, by core's `listServers`) once a minute. With `--servers all` the list decides which
 * servers are polled; with an explicit `--servers` list it only puts names to the ids.
 *
 * @module
 */
import type { ListServersOptions, Scheduler, SourceServer } from '@sms-command/core'
import { cappedBackoff, isSmsApiError, systemScheduler } from '@sms-command/core'
import type { ErrorInfo, SmsServerInfo } from '../model.ts'
import { isThrottled } from './api-source.ts'
import { toErrorInfo } from './errors.ts'
import type { BudgetGrant, FleetBudget } from './fleet-budget.ts'

/** What discovery needs of the client: core's `listServers` (or a fake of it). */
export interface ServerLister {
  listServers(options?: ListServersOptions): AsyncIterableIterator<SourceServer>
}

/** A server from the list, as the watch keeps it. */
export interface ListedServer {
  id: string
  name?: string | undefined
  sms: SmsServerInfo
}

/** Filters of the list (`--state`, `--name`). */
export interface DiscoveryFilters {
  state?: string | undefined
  name?: string | undefined
}

/** Servers a page; one request of the budget is spent per page. */
export const DISCOVERY_PAGE = 200

/**
 * The list may take at most this share of the fleet's budget: a big account read every minute
 * at a low `--max-rps` would otherwise leave nothing for the polls, so its refresh slows down.
 */
export const DISCOVERY_BUDGET_SHARE = 0.2

/**
 * The pause before the next reading: `refreshMs`, or longer when reading `pages` pages that
 * often would take more than {@link DISCOVERY_BUDGET_SHARE} of the budget's rate.
 *
 * @example
 * refreshDelayMs(60_000, 5, 0.2) // 125_000: 5 pages at 0.2/s is 25 s of budget, a fifth of 125 s
 */
export function refreshDelayMs(refreshMs: number, pages: number, rps: number | undefined): number {
  if (rps === undefined || rps <= 0) return refreshMs
  return Math.max(refreshMs, Math.ceil((pages / rps / DISCOVERY_BUDGET_SHARE) * 1_000))
}

/**
 * Converts a source server from the list into what the watch keeps (servers without an id are
 * useless to poll, and dropped).
 *
 * @example
 * toListedServer({ id: 's1', name: 'web-01', state: 'replicate', connected: true })
 */
export function toListedServer(server: SourceServer): ListedServer | undefined {
  if (server.id === undefined || server.id === '') return undefined
  const sms: SmsServerInfo = {}
  if (server.state !== undefined) sms.state = server.state
  if (server.migration_cycle !== undefined) sms.migrationCycle = server.migration_cycle
  if (server.connected !== undefined) sms.connected = server.connected
  if (server.last_visit_time !== undefined) sms.connectedSince = server.last_visit_time
  if (server.ip !== undefined) sms.ip = server.ip
  if (server.os_type !== undefined) sms.osType = server.os_type
  return { id: server.id, name: server.name, sms }
}

/**
 * Reads the whole list once, spending one request of `budget` a page.
 *
 * @example
 * const servers = await listFleet(client, { state: 'replicate' }, { budget, signal })
 */
export async function listFleet(
  lister: ServerLister,
  filters: DiscoveryFilters,
  options: { budget?: FleetBudget | undefined; signal?: AbortSignal | undefined } = {},
): Promise<ListedServer[]> {
  const query: ListServersOptions = { limit: DISCOVERY_PAGE }
  if (filters.state !== undefined) query.state = filters.state
  if (filters.name !== undefined) query.name = filters.name
  if (options.signal) query.signal = options.signal
  const iterator = lister.listServers(query)
  const found = new Map<string, ListedServer>()
  let seen = 0
  let grant: BudgetGrant | undefined
  try {
    for (;;) {
      // The iterator fetches a page when the previous one is used up: every DISCOVERY_PAGE
      // servers, the next `next()` may be a request. The list goes ahead of the polls waiting
      // their turn: it names every row at once.
      if (seen % DISCOVERY_PAGE === 0)
        grant = await options.budget?.acquire(options.signal, { first: true })
      let step: IteratorResult<SourceServer>
      try {
        step = await iterator.next()
      } catch (error) {
        // Throttled while listing: the whole fleet slows down, as for a throttled poll.
        if (grant && isThrottled(error)) {
          options.budget?.throttled(grant, isSmsApiError(error) ? error.retryAfterMs : undefined)
        }
        throw error
      }
      if (step.done) break
      seen++
      const listed = toListedServer(step.value)
      if (listed) found.set(listed.id, listed)
    }
  } finally {
    await iterator.return?.()
  }
  return [...found.values()]
}

/** The first retry after a failed reading; each further failure doubles it. */
export const DISCOVERY_RETRY_BASE_MS = 2_000

/** Retries never wait longer than this (nor longer than the normal refresh). */
export const DISCOVERY_RETRY_MAX_MS = 30_000

/** A `Retry-After` longer than this is not believed (docs/api.md §7: it may be absurd). */
export const DISCOVERY_RETRY_AFTER_CAP_MS = 60_000

/**
 * The pause before reading the list again after `failures` failed readings in a row: a capped
 * doubling backoff, at least the server's `Retry-After` (clamped), and never longer than the
 * normal pause `refreshMs` — a failed list must not leave the watch empty for a whole period.
 *
 * @example
 * retryDelayMs(1, undefined, 60_000) // 2_000
 * retryDelayMs(1, 5_000, 60_000) // 5_000: the 429's Retry-After
 * retryDelayMs(9, undefined, 60_000) // 30_000: capped
 */
export function retryDelayMs(
  failures: number,
  retryAfterMs: number | undefined,
  refreshMs: number,
): number {
  const backoff = cappedBackoff(failures, {
    baseDelayMs: DISCOVERY_RETRY_BASE_MS,
    maxDelayMs: DISCOVERY_RETRY_MAX_MS,
  })
  const told =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0
      ? Math.min(retryAfterMs, DISCOVERY_RETRY_AFTER_CAP_MS)
      : 0
  return Math.min(Math.max(backoff, told), Math.max(refreshMs, told))
}

/** Options of {@link startDiscovery}. */
export interface DiscoveryOptions {
  lister: ServerLister
  filters: DiscoveryFilters
  /** Default one minute; longer when the list would take over a fifth of the budget. */
  refreshMs?: number
  /** Wait this long before the first reading (default 0). */
  firstDelayMs?: number
  budget?: FleetBudget | undefined
  scheduler?: Scheduler
  signal: AbortSignal
  /** Every successful reading of the list, whole. */
  found: (servers: ListedServer[], at: number) => void
  /**
   * A reading that failed (the previous list stays in force); `retryAt` is when it is read
   * again (soon, with backoff, not after a full refresh period).
   */
  failed: (error: ErrorInfo, retryAt: number) => void
}

/**
 * Reads the list now and every `refreshMs` until `signal` aborts; after a failed reading, again
 * soon (`retryDelayMs`). Never throws.
 *
 * @example
 * await startDiscovery({ lister: client, filters: {}, signal, found: (servers) => …, failed: (e) => … })
 */
export async function startDiscovery(options: DiscoveryOptions): Promise<void> {
  const scheduler = options.scheduler ?? systemScheduler
  const refreshMs = options.refreshMs ?? 60_000
  const { signal } = options
  if (options.firstDelayMs) {
    try {
      await scheduler.sleep(options.firstDelayMs, signal)
    } catch {
      return
    }
  }
  let pages = 1
  let failures = 0
  while (!signal.aborted) {
    let delayMs: number
    try {
      const servers = await listFleet(options.lister, options.filters, {
        budget: options.budget,
        signal,
      })
      if (signal.aborted) return
      failures = 0
      pages = Math.max(1, Math.ceil(servers.length / DISCOVERY_PAGE))
      options.found(servers, scheduler.now())
      delayMs = refreshDelayMs(refreshMs, pages, options.budget?.status().rps)
    } catch (error) {
      if (signal.aborted) return
      failures++
      const retryAfterMs = isSmsApiError(error) ? error.retryAfterMs : undefined
      // The retry still goes through the budget (listFleet acquires it), which also holds every
      // request for a throttling answer's Retry-After.
      delayMs = retryDelayMs(failures, retryAfterMs, refreshMs)
      const now = scheduler.now()
      options.failed(toErrorInfo(error, now), now + delayMs)
    }
    try {
      await scheduler.sleep(delayMs, signal)
    } catch {
      return
    }
  }
}
