import { type ClockChange, serverEvent } from '../../rules/control.ts'
import {
  emptySelection,
  type FaultSelection,
  type FaultSpec,
  type FaultState,
} from '../../rules/faults.ts'
import type {
  IssueOutcome,
  PasswordAuthInput,
  TokenSelector,
  WireRequest,
} from '../../rules/identity.ts'
import { identityKey, type RateLimitedApi, type ThrottleOutcome } from '../../rules/rate-limit.ts'
import { registeredServer, type ServerRegistration } from '../../rules/registry.ts'
import {
  createServerState,
  type EnqueueItem,
  type EnqueueOutcome,
  type ResultInput,
  type ServerSummary,
  type ServerView,
  type SourceServer,
} from '../../rules/server-state.ts'
import type {
  DeliverResult,
  EventFilter,
  IdentityInput,
  IdentityView,
  JournalFilter,
  LiveSettings,
  MockStore,
  ReportResult,
  StoreSettings,
} from '../../store/store.ts'
import type {
  AuthOutcome,
  MockEvent,
  NewMockEvent,
  Principal,
  RequestLogEntry,
  RequestLogInput,
  RouteName,
} from '../../types.ts'
import { controlStub } from './control-object.ts'
import type { WorkerEnv } from './env.ts'
import { decodeEventLine, type EventLineTally } from './event-lines.ts'
import { serverStub } from './server-object.ts'

/**
 * The store of the Cloudflare Worker: one Durable Object per server id (queue, results and
 * faults) and one control object (identities, registry, global faults, clock, journal, events),
 * so every isolate sees the same state. Commands scheduled with `releaseAfterMs` are released
 * on the next access to their server (there is no timer), so their `enqueue` event comes then.
 */
export class DurableObjectStore implements MockStore {
  readonly kind = 'durable-object'
  /** Event lines from the control object that were not valid events, dropped (all subscriptions). */
  readonly eventLines: EventLineTally = { dropped: 0 }

  constructor(
    readonly settings: StoreSettings,
    readonly env: WorkerEnv,
  ) {}

  get #control() {
    return controlStub(this.env)
  }

  #server(id: string) {
    return serverStub(this.env, id)
  }

  async #publish(events: readonly NewMockEvent[]): Promise<void> {
    if (events.length > 0) await this.#control.publish(events)
  }

  now(): Promise<number> {
    return this.#control.now()
  }

  setClock(change: ClockChange) {
    return this.#control.setClock(change)
  }

  authenticateToken(token: string): Promise<AuthOutcome> {
    return this.#control.authenticateToken(token)
  }

  authenticateSignature(request: WireRequest): Promise<AuthOutcome> {
    return this.#control.authenticateSignature(request)
  }

  issueToken(input: PasswordAuthInput): Promise<IssueOutcome> {
    return this.#control.issueToken(input) as Promise<IssueOutcome>
  }

  invalidateTokens(selector: TokenSelector, action: 'expire' | 'revoke'): Promise<number> {
    return this.#control.invalidateTokens(selector, action)
  }

  addIdentity(input: IdentityInput): Promise<void> {
    return this.#control.addIdentity(input)
  }

  viewIdentity(): Promise<IdentityView> {
    return this.#control.viewIdentity()
  }

  async registerServer(
    input: ServerRegistration,
  ): Promise<{ created: boolean; server: ServerSummary } | { error: string }> {
    const outcome = await this.#control.registerServer(input.id, input.domain)
    if ('error' in outcome) return { error: outcome.error }
    const server = this.#server(input.id)
    if (outcome.created) {
      await server.init(registeredServer(input, outcome.now))
    } else {
      await server.update({ delivery: input.delivery, idle: input.idle, fleet: input.fleet })
    }
    const summary = await server.summary(this.settings.delivery)
    if (!summary) return { error: `server ${input.id} could not be initialised` }
    return { created: outcome.created, server: summary }
  }

  async listServers(): Promise<ServerSummary[]> {
    const ids = await this.#control.serverIds()
    const summaries = await Promise.all(
      ids.map((id) => this.#server(id).summary(this.settings.delivery)),
    )
    return summaries.filter((s): s is ServerSummary => s !== undefined)
  }

  async listSources(account: string): Promise<SourceServer[]> {
    const [ids, now] = await Promise.all([this.#control.serverIdsOf(account), this.now()])
    const window = this.settings.limits.connectedWindowMs
    const sources = await Promise.all(ids.map((id) => this.#server(id).source(now, window)))
    return sources.filter((s): s is SourceServer => s !== undefined)
  }

  throttle(principal: Principal, api: RateLimitedApi): Promise<ThrottleOutcome> {
    return this.#control.throttle(identityKey(principal), api)
  }

  liveSettings(): Promise<LiveSettings> {
    return this.#control.liveSettings()
  }

  updateLiveSettings(changes: Partial<LiveSettings>): Promise<LiveSettings> {
    return this.#control.updateLiveSettings(changes)
  }

  async viewServer(id: string): Promise<ServerView | undefined> {
    const now = await this.now()
    const viewed = await this.#server(id).view(this.settings.delivery, this.settings.idle, now)
    if (!viewed) return undefined
    await this.#publish(viewed.events)
    return viewed.view as ServerView
  }

  async deleteServer(id: string): Promise<boolean> {
    if (!(await this.#control.unregister(id))) return false
    const removed = await this.#server(id).clearFaults()
    await this.#control.forgetFaults(removed)
    await this.#server(id).clear()
    return true
  }

  async enqueue(
    id: string,
    items: readonly EnqueueItem[],
  ): Promise<EnqueueOutcome | { notFound: true }> {
    const now = await this.now()
    const outcome = await this.#server(id).enqueue([...items], now, this.settings.limits)
    if ('notFound' in outcome) return { notFound: true }
    if (outcome.ok) await this.#publish(outcome.events)
    return outcome as EnqueueOutcome
  }

  async #autoRegister(id: string, account: string): Promise<boolean> {
    if (!this.settings.autoRegister) return false
    const outcome = await this.#control.registerServer(id, account)
    if ('error' in outcome) return true
    if (outcome.created) {
      await this.#server(id).init(createServerState(id, account, outcome.now))
      await this.#publish([serverEvent(id, 'auto-registered', account)])
    }
    return true
  }

  async deliver(id: string, account: string, requestId: string): Promise<DeliverResult> {
    const now = await this.now()
    const server = this.#server(id)
    let outcome = await server.deliver(
      account,
      this.settings.delivery,
      now,
      requestId,
      this.settings.limits,
    )
    if (outcome.status === 'not-found' && (await this.#autoRegister(id, account))) {
      outcome = await server.deliver(
        account,
        this.settings.delivery,
        now,
        requestId,
        this.settings.limits,
      )
    }
    if (outcome.status !== 'ok') return outcome
    await this.#publish(outcome.events)
    return { status: 'ok', command: outcome.command, idle: outcome.idle ?? this.settings.idle }
  }

  async report(
    id: string,
    account: string,
    input: ResultInput,
    requestId: string,
  ): Promise<ReportResult> {
    const now = await this.now()
    const server = this.#server(id)
    const run = () =>
      server.report(account, input, this.settings.delivery, now, requestId, this.settings.limits)
    let outcome = await run()
    if (outcome.status === 'not-found' && (await this.#autoRegister(id, account)))
      outcome = await run()
    if (outcome.status === 'not-found' || outcome.status === 'forbidden') return outcome
    await this.#publish(outcome.events)
    return outcome.status === 'ok'
      ? { status: 'ok', next: outcome.next }
      : { status: 'mismatch', current: outcome.current }
  }

  async addFault(spec: FaultSpec): Promise<FaultState | { error: string }> {
    const outcome = await this.#control.addFault(spec)
    if ('error' in outcome) return { error: outcome.error }
    if (outcome.onServer && spec.server !== undefined) {
      await this.#server(spec.server).addFault(outcome.fault)
    }
    return outcome.fault
  }

  async listFaults(): Promise<FaultState[]> {
    const ids = await this.#control.serverIds()
    const lists = await Promise.all(ids.map((id) => this.#server(id).listFaults()))
    return [...(await this.#control.listGlobalFaults()), ...lists.flat()]
  }

  async removeFault(id: string): Promise<boolean> {
    if (await this.#control.removeFault(id)) return true
    for (const serverId of await this.#control.serverIds()) {
      if (await this.#server(serverId).removeFault(id)) return true
    }
    return false
  }

  async clearFaults(server?: string): Promise<number> {
    let removed = await this.#control.clearGlobalFaults(server)
    const ids = server === undefined ? await this.#control.serverIds() : [server]
    for (const id of ids) {
      const cleared = await this.#server(id).clearFaults()
      await this.#control.forgetFaults(cleared)
      removed += cleared.length
    }
    return removed
  }

  async drawFaults(serverId: string | undefined, route: RouteName): Promise<FaultSelection> {
    let selection = await this.#control.drawGlobal(serverId, route, emptySelection())
    if (serverId !== undefined) {
      const drawn = await this.#server(serverId).drawFaults(serverId, route, selection)
      selection = drawn.selection
      if (drawn.exhausted.length > 0) await this.#control.forgetFaults(drawn.exhausted)
    }
    return selection
  }

  journal(entry: RequestLogInput): Promise<void> {
    return this.#control.journal(entry).catch(() => {})
  }

  readJournal(filter: JournalFilter): Promise<RequestLogEntry[]> {
    return this.#control.readJournal(filter)
  }

  publish(events: readonly NewMockEvent[]): Promise<void> {
    return this.#publish(events)
  }

  async subscribe(filter: EventFilter, signal: AbortSignal): Promise<AsyncIterable<MockEvent>> {
    const query = new URLSearchParams()
    for (const server of filter.servers ?? []) query.append('server', server)
    for (const type of filter.types ?? []) query.append('type', type)
    if (filter.since !== undefined) query.set('since', String(filter.since))
    const response = await this.#control.fetch(`https://control/events?${query}`)
    if (!response.body) throw new Error('the control object returned no event stream')
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true })
    let buffer = ''
    const lines: string[] = []
    const nextLine = async (): Promise<string | undefined> => {
      for (;;) {
        const line = lines.shift()
        if (line !== undefined) return line
        const { done, value } = await reader.read()
        if (done) return undefined
        buffer += value
        const parts = buffer.split('\n')
        buffer = parts.pop() ?? ''
        lines.push(...parts.filter((p) => p !== ''))
      }
    }
    // The first line says the subscription is live.
    await nextLine()
    const tally = this.eventLines
    return {
      async *[Symbol.asyncIterator]() {
        try {
          while (!signal.aborted) {
            const line = await nextLine()
            if (line === undefined) return
            const event = decodeEventLine(line, tally)
            if (event !== undefined) yield event
          }
        } finally {
          await reader.cancel().catch(() => {})
        }
      },
    }
  }

  reset(): Promise<void> {
    return this.#control.reset()
  }

  dispose(): void {}
}
