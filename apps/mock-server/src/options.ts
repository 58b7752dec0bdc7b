import { MockConfigError } from './errors.ts'
import type { AuthErrorStyle } from './rules/gateway.ts'
import type { RateLimit } from './rules/rate-limit.ts'
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './rules/server-state.ts'
import type { RuntimeAdapter } from './runtime.ts'
import { DEFAULT_ACCOUNT, parseScenario, type Scenario } from './scenario.ts'
import {
  checkSetting,
  MOCK_SETTINGS,
  type MockSetting,
  type MockSettingName,
  type MockSettingValue,
  rateLimitOf,
} from './settings.ts'
import type { MockStore, StoreSettings } from './store/store.ts'
import type { DeliveryMode, IdleShape } from './types.ts'

/**
 * The credentials the mock starts with when it is given none: public, documented, for demos
 * and quick tries only.
 */
export const DEMO_CREDENTIALS = {
  account: DEFAULT_ACCOUNT,
  user: 'demo',
  password: 'demo-password',
  token: 'demo-token',
  ak: 'DEMOACCESSKEY0000000',
  sk: 'demo-secret-key',
  server: 'demo-server',
} as const

export { ConnectionDroppedError, inProcessRuntime, type RuntimeAdapter } from './runtime.ts'

/** Options of `createMockApp`. Every field is optional. */
export interface MockOptions {
  /** A scenario (validated; see `parseScenario`). */
  scenario?: Scenario | unknown
  /** Static tokens added to the `demo` account. */
  tokens?: readonly string[]
  /** Users added to the `demo` account, as `{name, password}` or `"NAME:PASSWORD"`. */
  users?: readonly ({ name: string; password: string } | string)[]
  /** AK/SK pairs added to the `demo` account, as `{ak, sk}` or `"AK:SK"`. */
  accessKeys?: readonly ({ ak: string; sk: string } | string)[]
  /** Add the demo credentials and server; default: only when no credential is given at all. */
  demo?: boolean
  delivery?: DeliveryMode
  idle?: IdleShape
  /** Required by `/_mock/*` as `Authorization: Bearer <token>` when set. */
  adminToken?: string
  /** Seed of probabilistic faults; random (and shown by `GET /_mock`) when absent. */
  seed?: number
  journalSize?: number
  eventBacklog?: number
  tokenTtlMs?: number
  maxSkewMs?: number
  autoRegister?: boolean
  /** `gateway` (default): authentication failures as API Gateway answers them; `sms`: SMS.0202/0205. */
  authErrors?: AuthErrorStyle
  /** Request budget per identity and API, `"20/min"` or `{limit, windowMs}`; default none (or the scenario's). */
  rateLimit?: string | RateLimit | null
  limits?: Partial<ServerLimits>
  /** The real clock; the mock clock runs at an adjustable offset from it. */
  clock?: () => number
  /** Where state lives; a fresh in-memory store by default. */
  store?: MockStore
  runtime?: RuntimeAdapter
  /** Waits for injected latency; real time by default. */
  sleep?: (ms: number) => Promise<void>
  /** Where unexpected errors are reported (never with a secret); `console.error` by default. */
  logError?: (message: string, error: unknown) => void
  /**
   * Interval of the `: keep-alive` comments on `GET /_mock/events`, in ms, so a reader can tell a
   * quiet mock from a dead connection (core's SSE reader marks a stream stale after 2.5
   * intervals of silence). Default 15 s (`SSE_KEEP_ALIVE_MS` of `@sms-command/core/sse`).
   */
  eventKeepAliveMs?: number
}

function splitPair(value: string, field: string, what: string): [string, string] {
  const index = value.indexOf(':')
  if (index <= 0 || index === value.length - 1) {
    throw new MockConfigError(field, `expected ${what}`)
  }
  return [value.slice(0, index), value.slice(index + 1)]
}

/**
 * A setting's value: the option's (checked by its row of `MOCK_SETTINGS`), else the scenario's
 * (checked with the scenario), else the row's default.
 */
function settingOf<K extends MockSettingName>(
  name: K,
  options: MockOptions,
  scenario: Scenario,
): MockSettingValue<K> | undefined {
  const given = (options as Record<string, unknown>)[name]
  if (given !== undefined) return checkSetting(name, given)
  const setting: MockSetting = MOCK_SETTINGS[name]
  const fromScenario = setting.scenario ? (scenario as Record<string, unknown>)[name] : undefined
  if (fromScenario !== undefined) return fromScenario as MockSettingValue<K>
  return setting.default as MockSettingValue<K> | undefined
}

/** Builds the store settings of a set of options: scenario validated, credentials merged. */
export function resolveSettings(options: MockOptions): StoreSettings {
  const scenario: Scenario = options.scenario === undefined ? {} : parseScenario(options.scenario)
  const tokens = [...(options.tokens ?? [])]
  const users = (options.users ?? []).map((user, index) => {
    if (typeof user !== 'string') return user
    const [name, password] = splitPair(user, `users[${index}]`, 'NAME:PASSWORD')
    return { name, password }
  })
  const accessKeys = (options.accessKeys ?? []).map((key, index) => {
    if (typeof key !== 'string') return key
    const [ak, sk] = splitPair(key, `accessKeys[${index}]`, 'AK:SK')
    return { ak, sk }
  })
  const anyCredential =
    tokens.length + users.length + accessKeys.length > 0 ||
    (scenario.tokens?.length ?? 0) +
      (scenario.users?.length ?? 0) +
      (scenario.accessKeys?.length ?? 0) >
      0
  const demo = options.demo ?? !anyCredential
  if (demo) {
    tokens.push(DEMO_CREDENTIALS.token)
    users.push({ name: DEMO_CREDENTIALS.user, password: DEMO_CREDENTIALS.password })
    accessKeys.push({ ak: DEMO_CREDENTIALS.ak, sk: DEMO_CREDENTIALS.sk })
  }
  const servers = [...(scenario.servers ?? [])]
  if (demo && !servers.some((s) => s.id === DEMO_CREDENTIALS.server)) {
    servers.push({ id: DEMO_CREDENTIALS.server })
  }
  const merged: Scenario = parseScenario({
    ...scenario,
    tokens: [...(scenario.tokens ?? []), ...tokens],
    users: [...(scenario.users ?? []), ...users],
    accessKeys: [...(scenario.accessKeys ?? []), ...accessKeys],
    servers,
  })
  const setting = <K extends MockSettingName>(name: K) => settingOf(name, options, scenario)
  // Checked for createAdminApp, which reads it from the options.
  setting('eventKeepAliveMs')
  const given = setting('limits') ?? {}
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS }
  for (const [field, value] of Object.entries(given)) {
    if (value !== undefined) limits[field as keyof ServerLimits] = value
  }
  return {
    authErrors: setting('authErrors') ?? 'gateway',
    rateLimit: rateLimitOf(setting('rateLimit') ?? null),
    delivery: setting('delivery') ?? 'ack',
    idle: setting('idle') ?? 'empty-name',
    tokenTtlMs: setting('tokenTtlMs') ?? MOCK_SETTINGS.tokenTtlMs.default,
    maxSkewMs: setting('maxSkewMs') ?? MOCK_SETTINGS.maxSkewMs.default,
    seed: setting('seed') ?? Math.floor(Math.random() * 0xffff_ffff),
    journalSize: setting('journalSize') ?? MOCK_SETTINGS.journalSize.default,
    eventBacklog: setting('eventBacklog') ?? MOCK_SETTINGS.eventBacklog.default,
    limits,
    autoRegister: setting('autoRegister') ?? false,
    scenario: merged,
    clock: options.clock ?? Date.now,
  }
}
