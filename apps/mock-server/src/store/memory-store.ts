import {
  addNumberedFault,
  type ClockChange,
  moveClock,
  serverEvent,
  tokenIssuedEvent,
  tokensInvalidatedEvent,
} from '../rules/control.ts'
import {
  drawFaults,
  emptySelection,
  type FaultSelection,
  type FaultSpec,
  type FaultState,
  removeFault,
  removeScopedFaults,
} from '../rules/faults.ts'
import {
  addAccount,
  authenticateSignature,
  authenticateToken,
  type IdentityState,
  type IssueOutcome,
  invalidateTokens,
  issueToken,
  type PasswordAuthInput,
  type TokenSelector,
  viewIdentityOf,
  type WireRequest,
} from '../rules/identity.ts'
import { LiveControl } from '../rules/live-control.ts'
import { ALLOWED, type RateLimitedApi, type ThrottleOutcome } from '../rules/rate-limit.ts'
import {
  accountOfNewServer,
  faultsOf,
  idsOwnedBy,
  registeredServer,
  registrationConflict,
  registryOf,
  type ServerRegistration,
  updateServerSettings,
} from '../rules/registry.ts'
import {
  createServerState,
  deliver,
  type EnqueueItem,
  type EnqueueOutcome,
  enqueue,
  nextRelease,
  ownedServer,
  type ResultInput,
  releaseDue,
  report,
  type ServerState,
  type ServerSummary,
  type ServerView,
  type SourceServer,
  sourceServerOf,
  summarizeServer,
  viewServer,
} from '../rules/server-state.ts'
import { clampClockTime, MAX_TIMER_MS } from '../rules/time-bounds.ts'
import { DEFAULT_ACCOUNT } from '../scenario.ts'
import type {
  AuthOutcome,
  MockEvent,
  NewMockEvent,
  Principal,
  RequestLogEntry,
  RequestLogInput,
  RouteName,
} from '../types.ts'
import { applyIdentity, seedState } from './seed.ts'
import type {
  DeliverResult,
  EventFilter,
  IdentityInput,
  JournalFilter,
  LiveSettings,
  MockStore,
  PlainPoll,
  ReportResult,
  StoreSettings,
} from './store.ts'

const NO_FAULTS: FaultSelection = Object.freeze({ latencyMs: 0, hits: Object.freeze([]) as never })

/**
 * Keeps all state in this process: the store of `createMockApp` on Node, Bun and Deno.
 * Commands scheduled with `releaseAfterMs` are released by a timer (and on any access once due),
 * so the event stream shows them when they arrive.
 *
 * @example
 * const store = new MemoryStore(resolveSettings({ scenario }))
 */
export class MemoryStore implements MockStore {
  readonly kind = 'memory'
  #identity!: IdentityState
  #servers!: Map<string, ServerState>
  #globalFaults!: FaultState[]
  readonly #numbering = { faultCounter: 0 }
  #offsetMs = 0
  readonly #live: LiveControl
  #releaseTimer: ReturnType<typeof setTimeout> | undefined

  constructor(readonly settings: StoreSettings) {
    this.#live = new LiveControl(settings)
    this.#seed()
  }

  #seed(): void {
    const seeded = seedState(
      this.settings.scenario,
      this.settings.seed,
      this.#now(),
      this.settings.limits,
    )
    this.#identity = seeded.identity
    this.#servers = seeded.servers
    this.#globalFaults = seeded.globalFaults
    this.#numbering.faultCounter = seeded.faultCounter
    this.#scheduleRelease()
  }

  #now(): number {
    return clampClockTime(this.settings.clock() + this.#offsetMs)
  }

  #emit(events: readonly NewMockEvent[]): void {
    this.#live.emit(events, this.#now())
  }

  /** Arms one timer for the earliest scheduled command of any server. */
  #scheduleRelease(): void {
    if (this.#releaseTimer !== undefined) clearTimeout(this.#releaseTimer)
    this.#releaseTimer = undefined
    let earliest: number | undefined
    for (const server of this.#servers.values()) {
      const at = nextRelease(server)
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at
    }
    if (earliest === undefined) return
    const delay = Math.max(0, Math.min(earliest - this.#now(), MAX_TIMER_MS))
    this.#releaseTimer = setTimeout(() => {
      this.#releaseTimer = undefined
      const now = this.#now()
      for (const server of this.#servers.values()) this.#emit(releaseDue(server, now))
      this.#scheduleRelease()
    }, delay)
    // A pending release must not keep a Node process alive.
    ;(this.#releaseTimer as { unref?: () => void }).unref?.()
  }

  async now(): Promise<number> {
    return this.#now()
  }

  clockNow(): number {
    return this.#now()
  }

  clockIsReal(): boolean {
    return this.#offsetMs === 0 && this.settings.clock === Date.now
  }

  async setClock(change: ClockChange) {
    const moved = moveClock(this.#offsetMs, change, this.settings.clock())
    this.#offsetMs = moved.offsetMs
    const now = this.#now()
    this.#emit(moved.events)
    for (const server of this.#servers.values()) this.#emit(releaseDue(server, now))
    this.#scheduleRelease()
    return { now, offsetMs: this.#offsetMs }
  }

  authenticateToken(token: string): AuthOutcome {
    return authenticateToken(this.#identity, token, this.#now())
  }

  async authenticateSignature(request: WireRequest): Promise<AuthOutcome> {
    return authenticateSignature(this.#identity, request, this.#now(), this.settings.maxSkewMs)
  }

  async issueToken(input: PasswordAuthInput): Promise<IssueOutcome> {
    const outcome = issueToken(this.#identity, input, this.#now(), this.settings.tokenTtlMs)
    if (outcome.ok) this.#emit([tokenIssuedEvent(outcome)])
    return outcome
  }

  async invalidateTokens(selector: TokenSelector, action: 'expire' | 'revoke'): Promise<number> {
    const count = invalidateTokens(this.#identity, selector, action, this.#now())
    this.#emit([tokensInvalidatedEvent(action, count)])
    return count
  }

  async addIdentity(input: IdentityInput): Promise<void> {
    applyIdentity(this.#identity, input, this.#now())
  }

  async viewIdentity() {
    return viewIdentityOf(this.#identity)
  }

  async registerServer(input: ServerRegistration) {
    const existing = this.#servers.get(input.id)
    if (existing) {
      const conflict = registrationConflict(input.id, existing.account, input.domain)
      if (conflict !== undefined) return { error: conflict }
      updateServerSettings(existing, input)
      return { created: false, server: summarizeServer(existing, this.settings.delivery) }
    }
    addAccount(this.#identity, accountOfNewServer(input.domain))
    const server = registeredServer(input, this.#now())
    this.#servers.set(server.id, server)
    this.#emit([serverEvent(server.id, 'registered', server.account)])
    return { created: true, server: summarizeServer(server, this.settings.delivery) }
  }

  async listServers(): Promise<ServerSummary[]> {
    const now = this.#now()
    return [...this.#servers.values()].map((server) => {
      this.#emit(releaseDue(server, now))
      return summarizeServer(server, this.settings.delivery)
    })
  }

  async listSources(account: string): Promise<SourceServer[]> {
    const now = this.#now()
    const window = this.settings.limits.connectedWindowMs
    return idsOwnedBy(registryOf(this.#servers.values()), account).map((id) =>
      sourceServerOf(this.#servers.get(id) as ServerState, now, window),
    )
  }

  async viewServer(id: string): Promise<ServerView | undefined> {
    const server = this.#servers.get(id)
    if (!server) return undefined
    this.#emit(releaseDue(server, this.#now()))
    return viewServer(server, this.settings.delivery, this.settings.idle)
  }

  async deleteServer(id: string): Promise<boolean> {
    if (!this.#servers.delete(id)) return false
    // Its own faults went with it; those added before it was registered are kept globally.
    removeScopedFaults(this.#globalFaults, id)
    this.#emit([serverEvent(id, 'deleted')])
    return true
  }

  async enqueue(
    id: string,
    items: readonly EnqueueItem[],
  ): Promise<EnqueueOutcome | { notFound: true }> {
    const server = this.#servers.get(id)
    if (!server) return { notFound: true }
    const now = this.#now()
    this.#emit(releaseDue(server, now))
    const outcome = enqueue(server, items, now, this.settings.limits)
    if (outcome.ok) {
      this.#emit(outcome.events)
      if (outcome.commands.some((c) => c.releaseAt !== undefined)) this.#scheduleRelease()
    }
    return outcome
  }

  #serverFor(
    id: string,
    account: string,
  ): ServerState | { status: 'not-found' } | { status: 'forbidden'; account: string } {
    let server = this.#servers.get(id)
    if (!server && this.settings.autoRegister) {
      server = createServerState(id, account, this.#now())
      this.#servers.set(id, server)
      this.#emit([serverEvent(id, 'auto-registered', account)])
    }
    return ownedServer(server, account)
  }

  deliver(id: string, account: string, requestId: string): DeliverResult {
    const server = this.#serverFor(id, account)
    if ('status' in server) return server
    const outcome = deliver(
      server,
      this.settings.delivery,
      this.#now(),
      requestId,
      this.settings.limits,
    )
    this.#emit(outcome.events)
    return { status: 'ok', command: outcome.command, idle: server.idle ?? this.settings.idle }
  }

  pollPlain(serverId: string, token: string, requestId: string): PlainPoll | undefined {
    // Checked before anything changes, so that a request sent on to the full path finds the
    // store as it was: faults would be drawn, a budget counted, a server auto-registered there.
    if (this.#live.rateLimited || this.#globalFaults.length > 0) return undefined
    const server = this.#servers.get(serverId)
    if (server === undefined || server.faults.length > 0) return undefined
    const now = this.#now()
    const auth = authenticateToken(this.#identity, token, now)
    if (!auth.ok || auth.principal.account !== server.account) return undefined
    const outcome = deliver(server, this.settings.delivery, now, requestId, this.settings.limits)
    this.#live.emit(outcome.events, now)
    return {
      now,
      principal: auth.principal,
      command: outcome.command,
      idle: server.idle ?? this.settings.idle,
    }
  }

  report(id: string, account: string, input: ResultInput, requestId: string): ReportResult {
    const server = this.#serverFor(id, account)
    if ('status' in server) return server
    const outcome = report(
      server,
      input,
      this.settings.delivery,
      this.#now(),
      requestId,
      this.settings.limits,
    )
    this.#emit(outcome.events)
    if (!outcome.ok) return { status: 'mismatch', current: outcome.current }
    return { status: 'ok', next: outcome.next }
  }

  async addFault(spec: FaultSpec): Promise<FaultState | { error: string }> {
    const taken = faultsOf(this.#globalFaults, this.#servers.values()).some(
      (f) => f.spec.id === spec.id,
    )
    const added = addNumberedFault(this.#numbering, spec, taken, this.settings.seed, this.#now())
    if ('error' in added) return added
    const { fault, events } = added
    const server = spec.server === undefined ? undefined : this.#servers.get(spec.server)
    if (server) server.faults.push(fault)
    else this.#globalFaults.push(fault)
    this.#emit(events)
    return fault
  }

  async listFaults(): Promise<FaultState[]> {
    return faultsOf(this.#globalFaults, this.#servers.values())
  }

  async removeFault(id: string): Promise<boolean> {
    for (const list of [this.#globalFaults, ...[...this.#servers.values()].map((s) => s.faults)]) {
      if (removeFault(list, id)) return true
    }
    return false
  }

  async clearFaults(server?: string): Promise<number> {
    let removed = removeScopedFaults(this.#globalFaults, server).length
    for (const s of this.#servers.values()) removed += removeScopedFaults(s.faults, server).length
    return removed
  }

  drawFaults(serverId: string | undefined, route: RouteName): FaultSelection {
    const server = serverId === undefined ? undefined : this.#servers.get(serverId)
    // The common case, no fault anywhere: one shared empty answer, nothing allocated.
    if (this.#globalFaults.length === 0 && (server === undefined || server.faults.length === 0)) {
      return NO_FAULTS
    }
    const selection = emptySelection()
    if (this.#globalFaults.length > 0)
      drawFaults(this.#globalFaults, { serverId, route }, selection)
    if (server && server.faults.length > 0)
      drawFaults(server.faults, { serverId, route }, selection)
    return selection
  }

  throttle(principal: Principal, api: RateLimitedApi): ThrottleOutcome {
    // Unlimited (the common case): the shared answer, without reading the clock.
    if (!this.#live.rateLimited) return ALLOWED
    return this.#live.throttle(principal, api, this.#now())
  }

  async liveSettings(): Promise<LiveSettings> {
    return this.#live.settings()
  }

  async updateLiveSettings(changes: Partial<LiveSettings>): Promise<LiveSettings> {
    return this.#live.updateSettings(changes)
  }

  journal(entry: RequestLogInput): void {
    this.#live.journal(entry)
  }

  async readJournal(filter: JournalFilter): Promise<RequestLogEntry[]> {
    return this.#live.readJournal(filter)
  }

  async publish(events: readonly NewMockEvent[]): Promise<void> {
    this.#emit(events)
  }

  async subscribe(filter: EventFilter, signal: AbortSignal): Promise<AsyncIterable<MockEvent>> {
    return this.#live.subscribe(filter, signal)
  }

  async reset(): Promise<void> {
    this.#offsetMs = 0
    this.#live.reset()
    this.#seed()
    this.#emit([{ type: 'reset' }])
  }

  dispose(): void {
    if (this.#releaseTimer !== undefined) clearTimeout(this.#releaseTimer)
    this.#releaseTimer = undefined
  }
}

export { DEFAULT_ACCOUNT }
