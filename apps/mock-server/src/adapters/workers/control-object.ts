// The control Durable Object: identities, the server registry, global faults, the clock, the
// live settings, the request log and the event stream of the Workers store.
import { DurableObject } from 'cloudflare:workers'
import { resolveSettings } from '../../options.ts'
import {
  addNumberedFault,
  type ClockChange,
  moveClock,
  serverEvent,
  tokenIssuedEvent,
  tokensInvalidatedEvent,
} from '../../rules/control.ts'
import {
  drawFaultsExhausting,
  type FaultSelection,
  type FaultSpec,
  type FaultState,
  removeFault,
  removeScopedFaults,
} from '../../rules/faults.ts'
import {
  addAccount,
  authenticateSignature,
  authenticateToken,
  type IdentityState,
  identityFromJSON,
  identityToJSON,
  invalidateTokens,
  issueToken,
  type PasswordAuthInput,
  type TokenSelector,
  viewIdentityOf,
  type WireRequest,
} from '../../rules/identity.ts'
import { LiveControl } from '../../rules/live-control.ts'
import type { RateLimitedApi } from '../../rules/rate-limit.ts'
import {
  accountOfNewServer,
  faultsOf,
  idsOwnedBy,
  registrationConflict,
  registryOf,
} from '../../rules/registry.ts'
import { clampClockTime } from '../../rules/time-bounds.ts'
import { applyIdentity, seedState } from '../../store/seed.ts'
import type {
  EventFilter,
  IdentityInput,
  JournalFilter,
  LiveSettings,
  StoreSettings,
} from '../../store/store.ts'
import type { NewMockEvent, RequestLogEntry, RequestLogInput, RouteName } from '../../types.ts'
import { PersistedLive } from './live-persistence.ts'
import type { SmsServerObject } from './server-object.ts'
import { serverStub } from './server-object.ts'
import { type WorkerVariables, workerOptions } from './variables.ts'

const CONTROL_KEY = 'control'

/** The one object that holds accounts, tokens, AK/SK, global faults, the clock, journal and events. */
export const CONTROL_NAME = 'control'

/** What the control object reaches: the variables and the server objects. */
export interface ControlEnv extends WorkerVariables {
  SMS_SERVER: DurableObjectNamespace<SmsServerObject>
}

interface ControlSnapshot {
  identity: ReturnType<typeof identityToJSON>
  registry: [string, string][]
  globalFaults: FaultState[]
  faultIds: string[]
  faultCounter: number
  offsetMs: number
}

/**
 * The control Durable Object (a single instance): identities, the server registry, global
 * faults, the mock clock, the live settings and rate-limit windows, the journal and the live
 * event stream. Everything but the journal and event backlog is persisted (the event seq too, so
 * numbering goes on), so an evicted object comes back as it was.
 */
export class SmsControlObject extends DurableObject<ControlEnv> {
  readonly #settings: StoreSettings
  #identity!: IdentityState
  #registry = new Map<string, string>()
  #globalFaults: FaultState[] = []
  #faultIds = new Set<string>()
  readonly #numbering = { faultCounter: 0 }
  #offsetMs = 0
  // The journal and event backlog are memory only; settings, windows and seq are saved by #saved.
  readonly #live: LiveControl
  readonly #saved: PersistedLive

  constructor(ctx: DurableObjectState, env: ControlEnv) {
    super(ctx, env)
    this.#settings = resolveSettings(workerOptions(env))
    this.#live = new LiveControl(this.#settings)
    this.#saved = new PersistedLive(this.#live, ctx.storage)
    void ctx.blockConcurrencyWhile(async () => {
      const saved = await ctx.storage.get<ControlSnapshot>(CONTROL_KEY)
      if (saved) this.#load(saved)
      else await this.#seed()
      await this.#saved.load(this.#now())
    })
  }

  #now(): number {
    return clampClockTime(Date.now() + this.#offsetMs)
  }

  #load(saved: ControlSnapshot): void {
    this.#identity = identityFromJSON(saved.identity)
    this.#registry = new Map(saved.registry)
    this.#globalFaults = saved.globalFaults
    this.#faultIds = new Set(saved.faultIds)
    this.#numbering.faultCounter = saved.faultCounter
    this.#offsetMs = saved.offsetMs
  }

  async #seed(): Promise<void> {
    const seeded = seedState(
      this.#settings.scenario,
      this.#settings.seed,
      this.#now(),
      this.#settings.limits,
    )
    this.#identity = seeded.identity
    this.#globalFaults = seeded.globalFaults
    this.#numbering.faultCounter = seeded.faultCounter
    this.#registry = registryOf(seeded.servers.values())
    this.#faultIds = new Set(
      faultsOf(seeded.globalFaults, seeded.servers.values()).map((f) => f.spec.id),
    )
    await Promise.all(
      [...seeded.servers.values()].map((server) => serverStub(this.env, server.id).init(server)),
    )
    await this.#persist()
  }

  async #persist(): Promise<void> {
    const snapshot: ControlSnapshot = {
      identity: identityToJSON(this.#identity),
      registry: [...this.#registry],
      globalFaults: this.#globalFaults,
      faultIds: [...this.#faultIds],
      faultCounter: this.#numbering.faultCounter,
      offsetMs: this.#offsetMs,
    }
    await this.ctx.storage.put(CONTROL_KEY, snapshot)
  }

  #emit(events: readonly NewMockEvent[]): void {
    if (events.length === 0) return
    this.#live.emit(events, this.#now())
    // Not awaited: the output gate holds replies until the write is durable, and the callers
    // that persist more await their own write.
    void this.#saved.published()
  }

  async now(): Promise<number> {
    return this.#now()
  }

  async setClock(change: ClockChange) {
    const moved = moveClock(this.#offsetMs, change, Date.now())
    this.#offsetMs = moved.offsetMs
    this.#emit(moved.events)
    await this.#persist()
    return { now: this.#now(), offsetMs: this.#offsetMs }
  }

  async authenticateToken(token: string) {
    return authenticateToken(this.#identity, token, this.#now())
  }

  async authenticateSignature(request: WireRequest) {
    const outcome = await authenticateSignature(
      this.#identity,
      request,
      this.#now(),
      this.#settings.maxSkewMs,
    )
    // Failure counts and locks changed.
    await this.#persist()
    return outcome
  }

  async issueToken(input: PasswordAuthInput) {
    const outcome = issueToken(this.#identity, input, this.#now(), this.#settings.tokenTtlMs)
    if (outcome.ok) {
      this.#emit([tokenIssuedEvent(outcome)])
      await this.#persist()
    }
    return outcome
  }

  async invalidateTokens(selector: TokenSelector, action: 'expire' | 'revoke') {
    const count = invalidateTokens(this.#identity, selector, action, this.#now())
    this.#emit([tokensInvalidatedEvent(action, count)])
    await this.#persist()
    return count
  }

  async addIdentity(input: IdentityInput) {
    applyIdentity(this.#identity, input, this.#now())
    await this.#persist()
  }

  async viewIdentity() {
    return viewIdentityOf(this.#identity)
  }

  async registerServer(id: string, given: string | undefined) {
    const existing = this.#registry.get(id)
    if (existing !== undefined) {
      const conflict = registrationConflict(id, existing, given)
      if (conflict !== undefined) return { error: conflict } as const
      return { created: false, now: this.#now() } as const
    }
    const domain = accountOfNewServer(given)
    addAccount(this.#identity, domain)
    this.#registry.set(id, domain)
    this.#emit([serverEvent(id, 'registered', domain)])
    await this.#persist()
    return { created: true, now: this.#now() } as const
  }

  async serverIds(): Promise<string[]> {
    return [...this.#registry.keys()]
  }

  async serverIdsOf(account: string): Promise<string[]> {
    return idsOwnedBy(this.#registry, account)
  }

  async throttle(identity: string, api: RateLimitedApi) {
    return this.#saved.throttle(identity, api, this.#now())
  }

  async liveSettings(): Promise<LiveSettings> {
    return this.#live.settings()
  }

  async updateLiveSettings(changes: Partial<LiveSettings>): Promise<LiveSettings> {
    return this.#saved.updateSettings(changes)
  }

  /**
   * Removes server `id` from the registry with the faults scoped to it that are kept here (those
   * added before it was registered); the caller clears the server object's own.
   */
  async unregister(id: string): Promise<boolean> {
    if (!this.#registry.delete(id)) return false
    for (const fault of removeScopedFaults(this.#globalFaults, id)) {
      this.#faultIds.delete(fault.spec.id)
    }
    this.#emit([serverEvent(id, 'deleted')])
    await this.#persist()
    return true
  }

  async addFault(spec: FaultSpec) {
    const taken = spec.id !== undefined && this.#faultIds.has(spec.id)
    const added = addNumberedFault(this.#numbering, spec, taken, this.#settings.seed, this.#now())
    if ('error' in added) return { error: added.error } as const
    const { fault, events } = added
    this.#faultIds.add(fault.spec.id)
    const onServer = spec.server !== undefined && this.#registry.has(spec.server)
    if (!onServer) this.#globalFaults.push(fault)
    this.#emit(events)
    await this.#persist()
    return { fault, onServer } as const
  }

  async listGlobalFaults(): Promise<FaultState[]> {
    return this.#globalFaults
  }

  /** Removes a global fault, or forgets the ids of a server's faults the caller removed. */
  async forgetFaults(ids: string[]): Promise<void> {
    for (const id of ids) this.#faultIds.delete(id)
    await this.#persist()
  }

  async removeFault(id: string): Promise<boolean> {
    this.#faultIds.delete(id)
    const removed = removeFault(this.#globalFaults, id)
    await this.#persist()
    return removed
  }

  async clearGlobalFaults(server?: string): Promise<number> {
    const removed = removeScopedFaults(this.#globalFaults, server)
    for (const fault of removed) this.#faultIds.delete(fault.spec.id)
    await this.#persist()
    return removed.length
  }

  async drawGlobal(serverId: string | undefined, route: RouteName, selection: FaultSelection) {
    if (this.#globalFaults.length === 0) return selection
    const exhausted = drawFaultsExhausting(this.#globalFaults, { serverId, route }, selection)
    for (const id of exhausted) this.#faultIds.delete(id)
    await this.#persist()
    return selection
  }

  async journal(entry: RequestLogInput): Promise<void> {
    this.#live.journal(entry)
  }

  async readJournal(filter: JournalFilter): Promise<RequestLogEntry[]> {
    return this.#live.readJournal(filter)
  }

  async publish(events: readonly NewMockEvent[]): Promise<void> {
    this.#emit(events)
  }

  async reset(): Promise<void> {
    await Promise.all([...this.#registry.keys()].map((id) => serverStub(this.env, id).clear()))
    this.#offsetMs = 0
    await this.#saved.reset()
    await this.#seed()
    this.#emit([{ type: 'reset' }])
  }

  /** `GET /events?server=&type=&since=`: live events as NDJSON, after a `{"ready":true}` line. */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const since = url.searchParams.get('since')
    const filter: EventFilter = {
      servers: url.searchParams.getAll('server'),
      types: url.searchParams.getAll('type'),
      ...(since !== null ? { since: Number(since) } : {}),
    }
    const controller = new AbortController()
    const events = this.#live.subscribe(filter, controller.signal)
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
    const writer = writable.getWriter()
    const encoder = new TextEncoder()
    void (async () => {
      try {
        await writer.write(encoder.encode('{"ready":true}\n'))
        for await (const event of events)
          await writer.write(encoder.encode(`${JSON.stringify(event)}\n`))
      } catch {
        controller.abort()
      } finally {
        await writer.close().catch(() => {})
      }
    })()
    return new Response(readable, { headers: { 'content-type': 'application/x-ndjson' } })
  }
}

/** The control Durable Object. */
export function controlStub(env: {
  SMS_CONTROL: DurableObjectNamespace<SmsControlObject>
}): DurableObjectStub<SmsControlObject> {
  return env.SMS_CONTROL.get(env.SMS_CONTROL.idFromName(CONTROL_NAME))
}
