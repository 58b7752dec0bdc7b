import { createFault, deriveSeed, type FaultState } from '../rules/faults.ts'
import { addAccount, createIdentityState, type IdentityState, setToken } from '../rules/identity.ts'
import {
  createServerState,
  enqueue,
  type ServerLimits,
  type ServerState,
} from '../rules/server-state.ts'
import { DEFAULT_ACCOUNT, type Scenario } from '../scenario.ts'
import type { IdentityInput } from './store.ts'

/** Adds accounts, users, tokens and access keys; `account` defaults to `demo`. */
export function applyIdentity(identity: IdentityState, input: IdentityInput, now: number): void {
  // Declared accounts first, so that a scenario may give `demo` its own id.
  for (const account of input.accounts ?? []) {
    const record = addAccount(identity, account.name, account.id)
    if (account.projects) record.projects = account.projects.map((p) => ({ ...p }))
  }
  addAccount(identity, DEFAULT_ACCOUNT)
  const accountOf = (name: string | undefined) => {
    const account = name ?? DEFAULT_ACCOUNT
    // Run-time additions may name an account not declared before: create it.
    addAccount(identity, account)
    return account
  }
  for (const user of input.users ?? []) {
    const account = accountOf(user.account)
    identity.users.set(`${account}/${user.name}`, {
      id: `${identity.accounts.get(account)?.id.slice(0, 16) ?? ''}${user.name}`.slice(0, 64),
      name: user.name,
      password: user.password,
      account,
      enabled: user.enabled ?? true,
    })
  }
  for (const token of input.tokens ?? []) {
    const spec = typeof token === 'string' ? { token } : token
    setToken(identity, spec.token, {
      kind: 'static',
      account: accountOf('account' in spec ? spec.account : undefined),
      issuedAt: now,
      expiresAt:
        'expiresInMs' in spec && spec.expiresInMs !== undefined ? now + spec.expiresInMs : null,
      revoked: false,
    })
  }
  for (const key of input.accessKeys ?? []) {
    identity.accessKeys.set(key.ak, {
      ak: key.ak,
      sk: key.sk,
      account: accountOf(key.account),
      ...(key.user !== undefined ? { user: key.user } : {}),
      ...(key.securityToken !== undefined ? { securityToken: key.securityToken } : {}),
      failures: 0,
      lockedUntil: null,
    })
  }
}

/** The start state a scenario describes. */
export interface SeededState {
  identity: IdentityState
  servers: Map<string, ServerState>
  globalFaults: FaultState[]
  faultCounter: number
}

/** Builds the start state of a scenario at mock time `now`. */
export function seedState(
  scenario: Scenario,
  baseSeed: number,
  now: number,
  limits: ServerLimits,
): SeededState {
  const identity = createIdentityState()
  applyIdentity(identity, scenario, now)
  const servers = new Map<string, ServerState>()
  for (const input of scenario.servers ?? []) {
    const server = createServerState(input.id, input.domain ?? DEFAULT_ACCOUNT, now, {
      delivery: input.delivery,
      idle: input.idle,
      name: input.name,
      state: input.state,
      migration_cycle: input.migration_cycle,
    })
    if (input.commands) {
      enqueue(
        server,
        input.commands.map((c) => ({
          command_name: c.command_name,
          command_param: c.command_param ?? {},
          releaseAfterMs: c.releaseAfterMs,
        })),
        now,
        { ...limits, queue: Math.max(limits.queue, input.commands.length) },
      )
    }
    servers.set(server.id, server)
  }
  const globalFaults: FaultState[] = []
  let faultCounter = 0
  for (const spec of scenario.faults ?? []) {
    faultCounter++
    const fault = createFault(spec, `f${faultCounter}`, deriveSeed(baseSeed, faultCounter), now)
    const server = spec.server === undefined ? undefined : servers.get(spec.server)
    if (server) server.faults.push(fault)
    else globalFaults.push(fault)
  }
  return { identity, servers, globalFaults, faultCounter }
}
