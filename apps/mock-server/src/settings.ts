// The mock's settings, in one table: each row's value schema checks it wherever it is given
// (`createMockApp` options, a scenario, `POST /_mock/settings`), its text schema reads it from a
// flag or a variable (the CLI's table and the Worker's variables are built from the rows), and
// its default fills it in. Adding a setting is adding a row.
import { boolean, integer, oneOf, secretText, text } from '@sms-command/cli-kit/schemas'
import * as v from 'valibot'
import { MockConfigError } from './errors.ts'
import { firstIssue, jsonObject } from './issues.ts'
import { AUTH_ERROR_STYLES, type AuthErrorStyle } from './rules/gateway.ts'
import { MAX_RATE_LIMIT, type RateLimit, readRateLimit } from './rules/rate-limit.ts'
import { DEFAULT_SERVER_LIMITS } from './rules/server-state.ts'
import { MAX_DURATION_MS, MAX_TIMER_MS } from './rules/time-bounds.ts'
import { DELIVERY_MODES, IDLE_SHAPES, type IdleShape } from './types.ts'

/** One setting of the mock. */
export interface MockSetting {
  /** Checks the value as a program, a scenario or the admin API gives it. */
  readonly schema: v.GenericSchema
  /**
   * Reads the value from text (a flag, a variable; a Worker's JSON variable too): a cli-kit
   * schema, whose output `schema` then checks. Absent: no flag and no variable.
   */
  readonly text?: v.GenericSchema
  readonly flag?: `--${string}`
  /** The variable, read by `sms-mock` and (for `scope: 'app'`) by the Worker. */
  readonly env?: string
  readonly meta?: string
  readonly secret?: boolean
  readonly help?: string
  /** The value when none is given. */
  readonly default?: unknown
  /** The default `sms-mock --help` shows, as text; absent: the option is left unset. */
  readonly cliDefault?: string | boolean
  /** A scenario may set it (a flag or an option wins over the scenario). */
  readonly scenario?: boolean
  /** `POST /_mock/settings` changes it on a running mock. */
  readonly live?: boolean
  /** `app`: the mock itself (every runtime); `listener`: the server that `sms-mock` starts. */
  readonly scope: 'app' | 'listener'
}

const SECOND = 1_000
const TEN_YEARS = `${MAX_DURATION_MS} (ten years)`

/** A whole number of milliseconds from `min` to `max`, which a date or timer can hold. */
function wholeMs(min: number, max = MAX_DURATION_MS) {
  const range = max === MAX_DURATION_MS ? `${min}–${TEN_YEARS}` : `${min}–${max}`
  return v.custom<number>(
    (value) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    (issue) => `expected a whole number of milliseconds ${range}, got ${String(issue.input)}`,
  )
}

const positiveInteger = v.custom<number>(
  (value) => typeof value === 'number' && Number.isInteger(value) && value >= 1,
  'expected a positive integer',
)

/** A budget as text (`20/min`), checked by the one reader of that form, `readRateLimit`. */
const BudgetTextSchema = v.pipe(
  v.string('expected a budget such as "20/min", or null'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const read = readRateLimit(dataset.value)
    if (!read.ok) addIssue({ message: read.message })
  }),
)

/** A budget as `{limit, windowMs}`: the window in whole seconds (the gateway words it so). */
const BudgetObjectSchema = jsonObject(
  v.strictObject({
    limit: v.custom<number>(
      (value) =>
        typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= 1 &&
        value <= MAX_RATE_LIMIT,
      (issue) =>
        `expected a whole number of requests 1–${MAX_RATE_LIMIT}, got ${String(issue.input)}`,
    ),
    windowMs: v.pipe(
      wholeMs(1),
      v.check((ms) => ms % SECOND === 0, 'expected a whole number of seconds in ms'),
    ),
  }),
)

/**
 * A request budget per identity and API: `"20/min"`-style text, `{limit, windowMs}`, or `null`
 * for none. The input is kept as given (a scenario shows its text back); {@link rateLimitOf}
 * turns it into a {@link RateLimit}.
 *
 * @example
 * v.parse(RateLimitSchema, '20/min') // '20/min'
 */
export const RateLimitSchema = v.nullable(
  v.union(
    [BudgetTextSchema, BudgetObjectSchema],
    'expected a budget such as "20/min" or {"limit", "windowMs"}, or null',
  ),
)

/**
 * The budget a checked {@link RateLimitSchema} value stands for.
 *
 * @example
 * rateLimitOf('20/min') // { limit: 20, windowMs: 60000 }
 */
export function rateLimitOf(value: v.InferOutput<typeof RateLimitSchema>): RateLimit | null {
  if (value === null) return null
  if (typeof value !== 'string') return { limit: value.limit, windowMs: value.windowMs }
  const read = readRateLimit(value)
  if (!read.ok) throw new MockConfigError('rateLimit', read.message)
  return read.value
}

/** The text form of a budget (flag, variable), read into a {@link RateLimit}. */
const BudgetFlagSchema = v.pipe(
  text({ meta: 'BUDGET' }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const read = readRateLimit(dataset.value)
    if (read.ok) return read.value
    addIssue({ message: read.message })
    return NEVER
  }),
)

/**
 * Every setting of the mock, in `--help` order. Credentials and the scenario file are not
 * settings: they are lists the CLI and the options take apart (cli.ts, options.ts).
 */
export const MOCK_SETTINGS = {
  host: {
    scope: 'listener',
    schema: v.pipe(v.string('expected a host'), v.minLength(1, 'expected a host')),
    text: text({ meta: 'HOST' }),
    flag: '--host',
    env: 'HOST',
    cliDefault: '127.0.0.1',
    default: '127.0.0.1',
    help: 'address to listen on (other than loopback needs --admin-token)',
  },
  port: {
    scope: 'listener',
    schema: v.custom<number>(
      (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0,
      'expected a port 0–65535',
    ),
    text: integer({ min: 0, max: 65_535, meta: 'PORT' }),
    flag: '--port',
    env: 'PORT',
    cliDefault: '8080',
    default: 8080,
    help: 'port, 0 for a free one',
  },
  adminToken: {
    scope: 'app',
    schema: v.pipe(
      v.string('expected a non-empty string'),
      v.minLength(1, 'expected a non-empty string'),
    ),
    text: secretText({ meta: 'TOKEN' }),
    flag: '--admin-token',
    env: 'SMS_MOCK_ADMIN_TOKEN',
    secret: true,
    help: 'require "Authorization: Bearer TOKEN" on /_mock/*',
  },
  seed: {
    scope: 'app',
    schema: v.pipe(
      v.number('expected a number'),
      v.integer('expected an integer'),
      v.minValue(0, 'expected at least 0'),
      v.maxValue(0xffff_ffff, 'expected at most 4294967295'),
    ),
    text: integer({ min: 0, max: 0xffff_ffff }),
    flag: '--seed',
    env: 'SMS_MOCK_SEED',
    scenario: true,
    help: 'seed of probabilistic faults (default: random, shown by GET /_mock)',
  },
  delivery: {
    scope: 'app',
    schema: v.picklist(DELIVERY_MODES, 'expected "ack" or "pop"'),
    text: oneOf(DELIVERY_MODES),
    flag: '--delivery',
    env: 'SMS_MOCK_DELIVERY',
    scenario: true,
    default: 'ack',
    help: 'ack: a command stays current until its result (default); pop: GET hands it out once',
  },
  idle: {
    scope: 'app',
    schema: v.picklist(IDLE_SHAPES, `expected one of ${IDLE_SHAPES.join(', ')}`),
    text: oneOf(IDLE_SHAPES as readonly [IdleShape, ...IdleShape[]]),
    flag: '--idle',
    env: 'SMS_MOCK_IDLE',
    meta: 'SHAPE',
    scenario: true,
    default: 'empty-name',
    help: `answer when idle: ${IDLE_SHAPES.join(', ')}`,
  },
  autoRegister: {
    scope: 'app',
    schema: v.boolean('expected true or false'),
    text: boolean(),
    flag: '--auto-register',
    env: 'SMS_MOCK_AUTO_REGISTER',
    cliDefault: false,
    default: false,
    help: 'create unknown servers on first use instead of answering 404',
  },
  journalSize: {
    scope: 'app',
    schema: positiveInteger,
    text: integer({ min: 1, max: 10_000_000 }),
    flag: '--journal-size',
    default: 1_000,
    help: 'requests kept in the journal (default 1000)',
  },
  rateLimit: {
    scope: 'app',
    schema: RateLimitSchema,
    text: BudgetFlagSchema,
    flag: '--rate-limit',
    env: 'SMS_MOCK_RATE_LIMIT',
    meta: 'BUDGET',
    scenario: true,
    live: true,
    default: null,
    help: 'requests per identity and API, e.g. 20/min (past it: 429 APIGW.0308 + Retry-After)',
  },
  authErrors: {
    scope: 'app',
    schema: v.picklist(AUTH_ERROR_STYLES, 'expected "gateway" or "sms"'),
    text: oneOf(AUTH_ERROR_STYLES as readonly [AuthErrorStyle, ...AuthErrorStyle[]]),
    flag: '--auth-errors',
    env: 'SMS_MOCK_AUTH_ERRORS',
    meta: 'STYLE',
    scenario: true,
    live: true,
    default: 'gateway',
    help: 'gateway (default): 401 APIGW.0301 as API Gateway answers; sms: SMS.0202/SMS.0205',
  },
  eventBacklog: {
    scope: 'app',
    schema: positiveInteger,
    default: 500,
  },
  // Durations become dates (expiries, windows): whole ms up to ten years (rules/time-bounds.ts).
  tokenTtlMs: {
    scope: 'app',
    schema: wholeMs(1),
    default: 24 * 60 * 60_000,
  },
  maxSkewMs: {
    scope: 'app',
    schema: wholeMs(0),
    default: 15 * 60_000,
  },
  /** Per-server bounds; the ones given replace the defaults. */
  limits: {
    scope: 'app',
    schema: jsonObject(
      v.strictObject({
        queue: v.optional(positiveInteger),
        results: v.optional(positiveInteger),
        awaiting: v.optional(positiveInteger),
        connectedWindowMs: v.optional(wholeMs(1)),
      }),
    ),
    default: DEFAULT_SERVER_LIMITS,
  },
  /** Interval of the `: keep-alive` comments on `GET /_mock/events` (a timer: at most 2^31−1). */
  eventKeepAliveMs: {
    scope: 'app',
    schema: wholeMs(1, MAX_TIMER_MS),
  },
} as const satisfies Readonly<Record<string, MockSetting>>

/** The name of a setting. */
export type MockSettingName = keyof typeof MOCK_SETTINGS

/** A setting's checked value. */
export type MockSettingValue<K extends MockSettingName> = v.InferOutput<
  (typeof MOCK_SETTINGS)[K]['schema']
>

/**
 * Checks a setting's value, given by a program or read from a file.
 *
 * @throws {MockConfigError} naming `field` (the setting by default) and the part that is wrong
 * (`rateLimit.windowMs: expected a whole number of seconds in ms`).
 * @example
 * checkSetting('journalSize', 0) // throws MockConfigError: journalSize: expected a positive integer
 */
export function checkSetting<K extends MockSettingName>(
  name: K,
  value: unknown,
  field: string = name,
): MockSettingValue<K> {
  const parsed = v.safeParse(MOCK_SETTINGS[name].schema, value)
  if (parsed.success) return parsed.output as MockSettingValue<K>
  const issue = firstIssue(parsed.issues)
  throw new MockConfigError(issue.field === '$' ? field : `${field}.${issue.field}`, issue.message)
}

/**
 * The settings a scenario may hold, as entries of its object schema.
 *
 * @example
 * v.strictObject({ ...scenarioSettingEntries(), servers: … })
 */
export function scenarioSettingEntries() {
  return pickEntries((setting) => 'scenario' in setting && setting.scenario === true) as {
    [K in ScenarioSettingName]: v.OptionalSchema<(typeof MOCK_SETTINGS)[K]['schema'], undefined>
  }
}

/** The settings a scenario may hold. */
export type ScenarioSettingName = {
  [K in MockSettingName]: (typeof MOCK_SETTINGS)[K] extends { scenario: true } ? K : never
}[MockSettingName]

/** The settings that change on a running mock. */
export type LiveSettingName = {
  [K in MockSettingName]: (typeof MOCK_SETTINGS)[K] extends { live: true } ? K : never
}[MockSettingName]

/**
 * The body of `POST /_mock/settings`: any of the live settings, unknown fields refused.
 *
 * @example
 * v.parse(LiveSettingsSchema, { rateLimit: '20/min' })
 */
export const LiveSettingsSchema = jsonObject(
  v.strictObject(
    pickEntries((setting) => 'live' in setting && setting.live === true) as {
      [K in LiveSettingName]: v.OptionalSchema<(typeof MOCK_SETTINGS)[K]['schema'], undefined>
    },
  ),
)

function pickEntries(keep: (setting: MockSetting) => boolean): v.ObjectEntries {
  const entries: v.ObjectEntries = {}
  for (const [name, setting] of Object.entries(MOCK_SETTINGS) as [string, MockSetting][]) {
    if (keep(setting)) entries[name] = v.optional(setting.schema)
  }
  return entries
}

/**
 * Reads the settings of one scope from variables (text, or a Worker's JSON values), by each
 * row's `env`, as the text schema returns them (a budget as a {@link RateLimit}); unset and empty
 * variables are left out. The values then go through `createMockApp`'s checks like any option.
 *
 * @throws {MockConfigError} naming the variable.
 * @example
 * settingsFromEnv({ SMS_MOCK_SEED: '7' }, 'app') // { seed: 7 }
 */
export function settingsFromEnv(
  env: Readonly<Record<string, unknown>>,
  scope: MockSetting['scope'],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, setting] of Object.entries(MOCK_SETTINGS) as [string, MockSetting][]) {
    if (setting.scope !== scope || setting.env === undefined || setting.text === undefined) continue
    const raw = env[setting.env]
    if (raw === undefined || raw === '') continue
    const parsed = v.safeParse(setting.text, raw)
    if (!parsed.success) {
      throw new MockConfigError(setting.env, firstIssue(parsed.issues).message)
    }
    out[name] = parsed.output
  }
  return out
}
