// One Durable Object per server: its queue, results and own faults.
import { DurableObject } from 'cloudflare:workers'
import {
  drawFaultsExhausting,
  type FaultSelection,
  type FaultState,
  removeFault,
} from '../../rules/faults.ts'
import { type ServerSettingsChange, updateServerSettings } from '../../rules/registry.ts'
import {
  deliver,
  type EnqueueItem,
  enqueue,
  ownedServer,
  type ResultInput,
  releaseDue,
  report,
  type ServerLimits,
  type ServerState,
  sourceServerOf,
  summarizeServer,
  viewServer,
} from '../../rules/server-state.ts'
import type { DeliveryMode, IdleShape, RouteName } from '../../types.ts'
import type { WorkerVariables } from './variables.ts'

const SERVER_KEY = 'server'

/** One source server: its queue, scheduled commands, results and faults, persisted. */
export class SmsServerObject extends DurableObject<WorkerVariables> {
  #state: ServerState | null = null

  constructor(ctx: DurableObjectState, env: WorkerVariables) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      this.#state = (await ctx.storage.get<ServerState>(SERVER_KEY)) ?? null
    })
  }

  async #save(): Promise<void> {
    await this.ctx.storage.put(SERVER_KEY, this.#state)
  }

  async init(state: ServerState): Promise<void> {
    this.#state = state
    await this.#save()
  }

  async clear(): Promise<void> {
    this.#state = null
    await this.#save()
  }

  async update(changes: ServerSettingsChange) {
    if (!this.#state) return
    updateServerSettings(this.#state, changes)
    await this.#save()
  }

  async summary(mode: DeliveryMode) {
    return this.#state ? summarizeServer(this.#state, mode) : undefined
  }

  async source(now: number, windowMs: number) {
    return this.#state ? sourceServerOf(this.#state, now, windowMs) : undefined
  }

  async view(mode: DeliveryMode, idle: IdleShape, now: number) {
    if (!this.#state) return undefined
    const events = releaseDue(this.#state, now)
    if (events.length > 0) await this.#save()
    return { view: viewServer(this.#state, mode, idle), events }
  }

  async enqueue(items: EnqueueItem[], now: number, limits: ServerLimits) {
    if (!this.#state) return { notFound: true } as const
    const released = releaseDue(this.#state, now)
    const outcome = enqueue(this.#state, items, now, limits)
    await this.#save()
    return outcome.ok ? { ...outcome, events: [...released, ...outcome.events] } : outcome
  }

  async deliver(
    account: string,
    mode: DeliveryMode,
    now: number,
    requestId: string,
    limits: ServerLimits,
  ) {
    const server = ownedServer(this.#state, account)
    if ('status' in server) return server
    const outcome = deliver(server, mode, now, requestId, limits)
    await this.#save()
    return {
      status: 'ok',
      command: outcome.command,
      events: outcome.events,
      idle: server.idle,
    } as const
  }

  async report(
    account: string,
    input: ResultInput,
    mode: DeliveryMode,
    now: number,
    requestId: string,
    limits: ServerLimits,
  ) {
    const server = ownedServer(this.#state, account)
    if ('status' in server) return server
    const outcome = report(server, input, mode, now, requestId, limits)
    await this.#save()
    return outcome.ok
      ? ({ status: 'ok', next: outcome.next, events: outcome.events } as const)
      : ({ status: 'mismatch', current: outcome.current, events: outcome.events } as const)
  }

  async addFault(fault: FaultState): Promise<boolean> {
    if (!this.#state) return false
    this.#state.faults.push(fault)
    await this.#save()
    return true
  }

  async listFaults(): Promise<FaultState[]> {
    return this.#state?.faults ?? []
  }

  async removeFault(id: string): Promise<boolean> {
    if (!this.#state || !removeFault(this.#state.faults, id)) return false
    await this.#save()
    return true
  }

  async clearFaults(): Promise<string[]> {
    const ids = this.#state?.faults.map((f) => f.spec.id) ?? []
    if (this.#state && ids.length > 0) {
      this.#state.faults = []
      await this.#save()
    }
    return ids
  }

  async drawFaults(serverId: string, route: RouteName, selection: FaultSelection) {
    if (!this.#state || this.#state.faults.length === 0) return { selection, exhausted: [] }
    const exhausted = drawFaultsExhausting(this.#state.faults, { serverId, route }, selection)
    await this.#save()
    return { selection, exhausted }
  }
}

/** The Durable Object of server `id`. */
export function serverStub(
  env: { SMS_SERVER: DurableObjectNamespace<SmsServerObject> },
  id: string,
): DurableObjectStub<SmsServerObject> {
  return env.SMS_SERVER.get(env.SMS_SERVER.idFromName(id))
}
