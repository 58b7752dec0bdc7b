// Which server belongs to which account, and the server-wide settings a registration changes:
// the same rules for the in-process store (one map of servers) and the Workers store (a
// registry of ids in the control object, each server in its own object).
import { DEFAULT_ACCOUNT, type DeliveryMode, type IdleShape } from '../types.ts'
import type { FaultState } from './faults.ts'
import {
  applyFleetFields,
  createServerState,
  type FleetFields,
  type ServerState,
} from './server-state.ts'

/** What registering a server that already exists may change. */
export interface ServerSettingsChange {
  delivery?: DeliveryMode | undefined
  idle?: IdleShape | undefined
  fleet?: FleetFields | undefined
}

/**
 * Why server `id`, owned by `owner`, cannot be registered again to account `domain`, or
 * `undefined` when it can: the same account, or none given (the registration updates the
 * server's settings and keeps its account).
 *
 * @example
 * registrationConflict('srv-1', 'acme', 'other') // 'server srv-1 is already registered to account acme'
 * registrationConflict('srv-1', 'acme', undefined) // undefined
 */
export function registrationConflict(
  id: string,
  owner: string,
  domain: string | undefined,
): string | undefined {
  return domain === undefined || owner === domain
    ? undefined
    : `server ${id} is already registered to account ${owner}`
}

/**
 * The account a new server is registered to: the one given, else `demo`.
 *
 * @example
 * accountOfNewServer(undefined) // 'demo'
 */
export function accountOfNewServer(domain: string | undefined): string {
  return domain ?? DEFAULT_ACCOUNT
}

/**
 * What registering a server gives: its id, optional owning account (a new server's defaults to
 * `demo`; an existing server's stays as it is) and optional settings.
 */
export interface ServerRegistration extends ServerSettingsChange {
  id: string
  domain?: string | undefined
}

/**
 * The state of a server registered by the admin API, at mock time `now`.
 *
 * @example
 * registeredServer({ id: 'srv-1', domain: 'acme', delivery: 'ack' }, now).queue // []
 */
export function registeredServer(input: ServerRegistration, now: number): ServerState {
  return createServerState(input.id, accountOfNewServer(input.domain), now, {
    delivery: input.delivery,
    idle: input.idle,
    ...input.fleet,
  })
}

/**
 * Sets the delivery mode, idle answer and fleet fields given; absent ones stay as they were.
 *
 * @example
 * updateServerSettings(server, { delivery: 'ack', fleet: { state: 'finished' } })
 */
export function updateServerSettings(server: ServerState, change: ServerSettingsChange): void {
  if (change.delivery) server.delivery = change.delivery
  if (change.idle) server.idle = change.idle
  if (change.fleet) applyFleetFields(server, change.fleet)
}

/**
 * Server id → owning account, for servers held elsewhere.
 *
 * @example
 * registryOf(seeded.servers.values()) // Map { 'srv-1' => 'acme' }
 */
export function registryOf(servers: Iterable<ServerState>): Map<string, string> {
  const registry = new Map<string, string>()
  for (const server of servers) registry.set(server.id, server.account)
  return registry
}

/**
 * The ids of the servers `account` owns, in registration order: what `GET /v3/sources` lists.
 *
 * @example
 * idsOwnedBy(registry, 'acme') // ['srv-1', 'srv-3']
 */
export function idsOwnedBy(registry: ReadonlyMap<string, string>, account: string): string[] {
  const ids: string[] = []
  for (const [id, owner] of registry) if (owner === account) ids.push(id)
  return ids
}

/**
 * Every fault of a mock: global ones first, then each server's, in order.
 *
 * @example
 * faultsOf(globalFaults, servers.values()).some((f) => f.spec.id === 'f3')
 */
export function faultsOf(
  globalFaults: readonly FaultState[],
  servers: Iterable<ServerState>,
): FaultState[] {
  const all = [...globalFaults]
  for (const server of servers) all.push(...server.faults)
  return all
}
