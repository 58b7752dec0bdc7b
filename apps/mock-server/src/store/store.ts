import type { ClockChange } from '../rules/control.ts'
import type { EventFilter } from '../rules/event-hub.ts'
import type { FaultSelection, FaultSpec, FaultState } from '../rules/faults.ts'
import type { AuthErrorStyle } from '../rules/gateway.ts'
import type {
  IdentityView,
  IssueOutcome,
  PasswordAuthInput,
  TokenSelector,
  WireRequest,
} from '../rules/identity.ts'
import type { LiveSettings } from '../rules/live-settings.ts'
import type { RateLimit, RateLimitedApi, ThrottleOutcome } from '../rules/rate-limit.ts'
import type { JournalFilter } from '../rules/request-log.ts'
import type {
  EnqueueItem,
  EnqueueOutcome,
  FleetFields,
  ResultInput,
  ServerLimits,
  ServerSummary,
  ServerView,
  SourceServer,
} from '../rules/server-state.ts'
import type { Scenario } from '../scenario.ts'
import type {
  AuthOutcome,
  DeliveryMode,
  IdleShape,
  MockEvent,
  NewMockEvent,
  Principal,
  QueuedCommand,
  RequestLogEntry,
  RequestLogInput,
  RouteName,
} from '../types.ts'

/** Settings every store is built with. */
export interface StoreSettings {
  delivery: DeliveryMode
  idle: IdleShape
  /** Lifetime of IAM-issued tokens (docs/api.md §4: 24 h). */
  tokenTtlMs: number
  /** Largest accepted X-Sdk-Date distance (docs/api.md §5: 15 min). */
  maxSkewMs: number
  /** Base seed of probabilistic faults. */
  seed: number
  journalSize: number
  /** Events kept for replay (`GET /_mock/events?since=`). */
  eventBacklog: number
  limits: ServerLimits
  /** Create unknown servers on first use, in the caller's account, instead of answering 404. */
  autoRegister: boolean
  /** The start state; `POST /_mock/reset` returns to it. */
  scenario: Scenario
  /** The real clock, in ms; the mock clock runs at an offset from it. */
  clock: () => number
  /** How authentication failures are answered (gateway forms by default). */
  authErrors: AuthErrorStyle
  /** Request budget per identity at start (and after a reset); `null`: unlimited. */
  rateLimit: RateLimit | null
}

/** Outcome of a GET on a server. */
export type DeliverResult =
  | { status: 'not-found' }
  | { status: 'forbidden'; account: string }
  | { status: 'ok'; command: QueuedCommand | null; idle: IdleShape }

/** A poll answered in one step by {@link MockStore.pollPlain}: what was delivered, and when. */
export interface PlainPoll {
  /** Mock time of the poll (for the `Date` header). */
  now: number
  principal: Principal
  command: QueuedCommand | null
  idle: IdleShape
}

/** Outcome of a POST of a result. */
export type ReportResult =
  | { status: 'not-found' }
  | { status: 'forbidden'; account: string }
  | { status: 'mismatch'; current: string | null }
  | { status: 'ok'; next: QueuedCommand | null }

export type { EventFilter, IdentityView, JournalFilter, LiveSettings }

/** Credentials and servers added at run time (`POST /_mock/identity`); same shape as a scenario's. */
export type IdentityInput = Pick<Scenario, 'accounts' | 'users' | 'tokens' | 'accessKeys'>

/**
 * Where the mock keeps its state. Routes talk only to this interface, so a store for another
 * platform (Redis, SQL…) can be added without touching them. Two exist: {@link MemoryStore}
 * (one process) and the Durable Object store (Cloudflare Workers).
 *
 * Every method is atomic with respect to the others on the same server.
 */
export interface MockStore {
  readonly kind: string
  readonly settings: StoreSettings

  /** The mock clock, ms since the epoch. */
  now(): Promise<number>
  /** The mock clock without waiting, for stores that hold it in this process. */
  clockNow?(): number
  /**
   * Whether the mock clock is the real one (the default clock, never moved), so that a
   * runtime's own `Date` header says the same; stores that can't tell without waiting omit it.
   */
  clockIsReal?(): boolean
  /** Moves the mock clock: by `advanceMs` (≥ 0), or to `to`; returns the new time and offset. */
  setClock(change: ClockChange): Promise<{ now: number; offsetMs: number }>

  // The hot-path methods may answer without a promise (MemoryStore does), so that a request
  // served from memory completes synchronously.
  authenticateToken(token: string): AuthOutcome | Promise<AuthOutcome>
  authenticateSignature(request: WireRequest): Promise<AuthOutcome>
  issueToken(input: PasswordAuthInput): Promise<IssueOutcome>
  invalidateTokens(selector: TokenSelector, action: 'expire' | 'revoke'): Promise<number>
  addIdentity(input: IdentityInput): Promise<void>
  viewIdentity(): Promise<IdentityView>

  /**
   * Registers a server, or updates the settings given of an existing one; `domain` (the owning
   * account) defaults to `demo` for a new server and leaves an existing one's as it is.
   */
  registerServer(input: {
    id: string
    domain?: string | undefined
    delivery?: DeliveryMode | undefined
    idle?: IdleShape | undefined
    fleet?: FleetFields | undefined
  }): Promise<{ created: boolean; server: ServerSummary } | { error: string }>
  listServers(): Promise<ServerSummary[]>
  /** The servers of `account` as the fleet list (`GET /v3/sources`) shows them, at mock time. */
  listSources(account: string): Promise<SourceServer[]>
  viewServer(id: string): Promise<ServerView | undefined>
  /**
   * Removes a registered server and every fault scoped to it, wherever kept (its own, and those
   * added before it was registered); `false`, changing nothing, when it is not registered.
   */
  deleteServer(id: string): Promise<boolean>
  enqueue(id: string, items: readonly EnqueueItem[]): Promise<EnqueueOutcome | { notFound: true }>
  deliver(id: string, account: string, requestId: string): DeliverResult | Promise<DeliverResult>
  /**
   * The common poll in one synchronous step: a valid token of the server's account, no fault
   * armed, no rate limit. Delivers as `deliver` does; returns `undefined`, having changed
   * nothing, for any other request, which then takes the full path. Only a store that holds
   * its state in this process has it: polls are most of a mock's traffic, and the full path's
   * steps (written once for local and remote stores) cost a third of a poll on Bun.
   */
  pollPlain?(serverId: string, token: string, requestId: string): PlainPoll | undefined
  report(
    id: string,
    account: string,
    input: ResultInput,
    requestId: string,
  ): ReportResult | Promise<ReportResult>

  addFault(spec: FaultSpec): Promise<FaultState | { error: string }>
  listFaults(): Promise<FaultState[]>
  removeFault(id: string): Promise<boolean>
  clearFaults(server?: string): Promise<number>
  /** Fires the faults matching a request (global first, then the server's), consuming them. */
  drawFaults(
    serverId: string | undefined,
    route: RouteName,
  ): FaultSelection | Promise<FaultSelection>

  /**
   * Counts a request of an authenticated identity to `api` against the rate limit (on the mock
   * clock): one budget per identity and API, as API Gateway counts (docs/api.md §7). A store that
   * holds it in this process answers without a promise.
   */
  throttle(principal: Principal, api: RateLimitedApi): ThrottleOutcome | Promise<ThrottleOutcome>
  /** Settings the admin API can change while the mock runs (a reset restores the start ones). */
  liveSettings(): Promise<LiveSettings>
  /** Changes some live settings; a new rate limit starts counting afresh. */
  updateLiveSettings(changes: Partial<LiveSettings>): Promise<LiveSettings>

  /** Records a request; must not throw. A store that writes remotely returns a promise. */
  journal(entry: RequestLogInput): void | Promise<void>
  readJournal(filter: JournalFilter): Promise<RequestLogEntry[]>
  publish(events: readonly NewMockEvent[]): Promise<void>
  /** Live events until `signal` aborts; resolves once the subscription is live. */
  subscribe(filter: EventFilter, signal: AbortSignal): Promise<AsyncIterable<MockEvent>>

  /** Returns to the start state (scenario re-applied, journal and events cleared, clock reset). */
  reset(): Promise<void>
  /** Stops timers. */
  dispose(): void
}
