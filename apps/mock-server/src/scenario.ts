import { isPlainObject, LIMITS, ServerIdSchema } from '@sms-command/core'
import * as v from 'valibot'
import { MockConfigError } from './errors.ts'
import { FaultSpecSchema } from './rules/faults.ts'
import { AUTH_ERROR_STYLES } from './rules/gateway.ts'
import { parseRateLimit } from './rules/rate-limit.ts'
import { durationMsSchema } from './rules/time-bounds.ts'
import { IDLE_SHAPES } from './types.ts'

/** Says what a JSON value is, for "expected a JSON object, got …". */
function describeJsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return 'a number'
  if (typeof value === 'boolean') return String(value)
  return typeof value
}

/**
 * Makes an object schema refuse every input that is not a JSON object. valibot's object schemas
 * let arrays through (`[]` passes as `{}`), and word null or a string in valibot's own style;
 * this refuses them all with `expected a JSON object, got an array`. Kept an object schema
 * (entries, `v.pick`, `v.variant` still work).
 *
 * @example
 * const Body = jsonObject(v.strictObject({ name: v.optional(v.string()) }))
 * v.safeParse(Body, []).issues?.[0].message // 'expected a JSON object, got an array'
 */
export function jsonObject<
  T extends
    | v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>
    | v.LooseObjectSchema<v.ObjectEntries, v.ErrorMessage<v.LooseObjectIssue> | undefined>,
>(schema: T): T {
  const run = schema['~run']
  return v._standardSchema({
    ...schema,
    '~run'(this: T, dataset, config) {
      const input = dataset.value
      if (isPlainObject(input)) {
        return run.call(this, dataset, config)
      }
      // `schema` as the issue's context: the same kind, type and expects as `this`.
      const context = schema as v.StrictObjectSchema<v.ObjectEntries, undefined>
      v._addIssue(context, 'type', dataset, config, {
        message: `expected a JSON object, got ${describeJsonKind(input)}`,
      })
      return dataset as unknown as v.OutputDataset<v.InferOutput<T>, v.InferIssue<T>>
    },
  } as T)
}

const name = (what: string) =>
  v.pipe(
    v.string(`expected ${what} as a string`),
    v.minLength(1, `expected a non-empty ${what}`),
    v.maxLength(255, `expected ${what} of at most 255 characters`),
  )

const secret = (what: string) =>
  v.pipe(
    v.string(`expected ${what} as a string`),
    v.minLength(1, `expected a non-empty ${what}`),
    v.maxLength(
      LIMITS.authToken.max,
      `expected ${what} of at most ${LIMITS.authToken.max} characters`,
    ),
  )

// Delays and lifetimes end up as dates (a release time, an expiry): bounded to ten years.
const millis = durationMsSchema(0)

/** `command_param`: a JSON object; `task_id` and `bucket`, when given, strings of ≤ 255. */
export const CommandParamInputSchema = jsonObject(
  v.looseObject({
    task_id: v.optional(
      v.pipe(
        v.string('expected a string'),
        v.maxLength(LIMITS.taskId, 'expected at most 255 characters'),
      ),
    ),
    bucket: v.optional(
      v.pipe(
        v.string('expected a string'),
        v.maxLength(LIMITS.bucket, 'expected at most 255 characters'),
      ),
    ),
  }),
)

/** A command to enqueue (admin API and scenario); unknown fields are refused. */
export const CommandInputSchema = jsonObject(
  v.strictObject({
    command_name: v.pipe(
      v.string('expected a string'),
      v.minLength(1, 'expected a non-empty command name'),
      v.maxLength(LIMITS.commandName, 'expected at most 255 characters'),
    ),
    command_param: v.optional(CommandParamInputSchema),
    /** Hold it back this long (mock clock) before it joins the queue. */
    releaseAfterMs: v.optional(millis),
  }),
)

export type CommandInput = v.InferOutput<typeof CommandInputSchema>

/** A static token's value (also `--token`'s, so the flag is refused as a scenario would be). */
export const TokenValueSchema = secret('token')

/** An access key id (also `--aksk`'s AK part). */
export const AccessKeyIdSchema = v.pipe(
  name('access key'),
  v.regex(/^[^\s,;=]+$/, 'expected no spaces, commas, ";" or "="'),
)

/** A secret key (also `--aksk`'s SK part). */
export const SecretKeySchema = secret('secret key')

/** An IAM user name (also `--user`'s NAME part). */
export const UserNameSchema = name('user name')

/** A password (also `--user`'s PASSWORD part). */
export const PasswordSchema = secret('password')

const AccountSchema = jsonObject(
  v.strictObject({
    name: name('account name'),
    id: v.optional(name('account id')),
    projects: v.optional(
      v.array(
        jsonObject(v.strictObject({ name: name('project name'), id: name('project id') })),
        'expected a list of projects',
      ),
    ),
  }),
)

const UserSchema = jsonObject(
  v.strictObject({
    name: UserNameSchema,
    password: PasswordSchema,
    account: v.optional(name('account name')),
    enabled: v.optional(v.boolean('expected true or false')),
  }),
)

const TokenSchema = v.union(
  [
    TokenValueSchema,
    jsonObject(
      v.strictObject({
        token: secret('token'),
        account: v.optional(name('account name')),
        /** Expires this long after start (mock clock); absent: never. */
        expiresInMs: v.optional(millis),
      }),
    ),
  ],
  'expected a token string or { "token", "account"?, "expiresInMs"? }',
)

const AccessKeySchema = jsonObject(
  v.strictObject({
    ak: AccessKeyIdSchema,
    sk: SecretKeySchema,
    account: v.optional(name('account name')),
    /** The IAM user it belongs to (a user of the same account): it then shares that user's rate limit. */
    user: v.optional(UserNameSchema),
    securityToken: v.optional(secret('security token')),
  }),
)

export const DELIVERY_MODES = ['ack', 'pop'] as const

const ServerSchema = jsonObject(
  v.strictObject({
    id: ServerIdSchema,
    /** Owning account's name (the IAM domain name); default `demo`. */
    domain: v.optional(name('account name')),
    delivery: v.optional(v.picklist(DELIVERY_MODES, 'expected "ack" or "pop"')),
    idle: v.optional(v.picklist(IDLE_SHAPES, `expected one of ${IDLE_SHAPES.join(', ')}`)),
    commands: v.optional(v.array(CommandInputSchema, 'expected a list of commands')),
    /** Fleet-list fields (docs/api.md §8): shown by `GET /v3/sources`; any string is kept. */
    name: v.optional(name('server name')),
    state: v.optional(name('state')),
    migration_cycle: v.optional(name('migration cycle')),
  }),
)

/** `"20/min"`-style request budget per identity and API, or `null` for none. */
export const RateLimitSchema = v.nullable(
  v.pipe(
    v.string('expected a budget such as "20/min", or null'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return
      try {
        parseRateLimit(dataset.value)
      } catch (error) {
        // the parser's words (which unit, which bound) without its `rateLimit: ` prefix
        const detail = error instanceof MockConfigError ? error.message : String(error)
        addIssue({ message: detail.replace(/^rateLimit: /, '').replace(/, got .*$/s, '') })
      }
    }),
  ),
)

export type ServerInput = v.InferOutput<typeof ServerSchema>

/**
 * A scenario file: credentials, servers, commands and faults to start with. Every list is
 * optional; `account` and `domain` fields default to the `demo` account, which always exists.
 */
export const ScenarioSchema = jsonObject(
  v.strictObject({
    $schema: v.optional(v.string("expected a string (the schema's URL)")),
    description: v.optional(v.string('expected a string')),
    seed: v.optional(
      v.pipe(
        v.number('expected a number'),
        v.integer('expected an integer'),
        v.minValue(0, 'expected at least 0'),
        v.maxValue(0xffff_ffff, 'expected at most 4294967295'),
      ),
    ),
    delivery: v.optional(v.picklist(DELIVERY_MODES, 'expected "ack" or "pop"')),
    idle: v.optional(v.picklist(IDLE_SHAPES, `expected one of ${IDLE_SHAPES.join(', ')}`)),
    /** `gateway` (default): API Gateway's 401 APIGW.0301 forms; `sms`: SMS.0202/SMS.0205. */
    authErrors: v.optional(v.picklist(AUTH_ERROR_STYLES, 'expected "gateway" or "sms"')),
    rateLimit: v.optional(RateLimitSchema),
    accounts: v.optional(v.array(AccountSchema, 'expected a list of accounts')),
    users: v.optional(v.array(UserSchema, 'expected a list of users')),
    tokens: v.optional(v.array(TokenSchema, 'expected a list of tokens')),
    accessKeys: v.optional(v.array(AccessKeySchema, 'expected a list of access keys')),
    servers: v.optional(v.array(ServerSchema, 'expected a list of servers')),
    faults: v.optional(v.array(FaultSpecSchema, 'expected a list of faults')),
  }),
)

export type Scenario = v.InferOutput<typeof ScenarioSchema>

export const DEFAULT_ACCOUNT = 'demo'

function pathOf(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => item.key)
  let out = ''
  for (const key of keys)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`
  return out === '' ? '$' : out
}

/** Names the first problem of a valibot result as `field: message`. */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): {
  field: string
  message: string
} {
  let issue = issues[0]
  if (!issue) return { field: '$', message: 'invalid' }
  // A union (a token string or object, …) whose input had the shape of one option: name the
  // field inside that option that failed, not just the union.
  const inner = issue.type === 'union' ? issue.issues?.find((i) => i.path?.length) : undefined
  if (issue.type === 'union' && inner) {
    issue = { ...inner, path: [...(issue.path ?? []), ...(inner.path ?? [])] as typeof inner.path }
  }
  const missing = issue.kind === 'schema' && issue.received === 'undefined'
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    return { field: pathOf(issue), message: 'unknown field' }
  }
  return { field: pathOf(issue), message: missing ? 'is required' : issue.message }
}

/**
 * Validates a scenario (parsed JSON) and checks that every account it names is declared.
 *
 * @throws {MockConfigError} naming the field, e.g. `servers[1].commands[0].command_name: expected a string`.
 * @example
 * const scenario = parseScenario(JSON.parse(await readFile('scenario.json', 'utf8')))
 */
export function parseScenario(input: unknown): Scenario {
  // valibot's object schemas let arrays through.
  if (Array.isArray(input))
    throw new MockConfigError('scenario', 'expected an object, got an array')
  const parsed = v.safeParse(ScenarioSchema, input)
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.issues)
    throw new MockConfigError(`scenario.${field}`.replace('scenario.$', 'scenario'), message)
  }
  const scenario = parsed.output
  const accounts = new Set([DEFAULT_ACCOUNT, ...(scenario.accounts ?? []).map((a) => a.name)])
  const check = (list: { account?: string | undefined }[] | undefined, field: string) => {
    list?.forEach((item, index) => {
      if (item.account !== undefined && !accounts.has(item.account)) {
        throw new MockConfigError(
          `scenario.${field}[${index}].account`,
          `unknown account ${JSON.stringify(item.account)}; declare it in "accounts"`,
        )
      }
    })
  }
  check(scenario.users, 'users')
  check(
    scenario.tokens?.map((t) => (typeof t === 'string' ? {} : t)),
    'tokens',
  )
  check(scenario.accessKeys, 'accessKeys')
  const users = new Set(scenario.users?.map((u) => `${u.account ?? DEFAULT_ACCOUNT}/${u.name}`))
  scenario.accessKeys?.forEach((key, index) => {
    const account = key.account ?? DEFAULT_ACCOUNT
    if (key.user !== undefined && !users.has(`${account}/${key.user}`)) {
      throw new MockConfigError(
        `scenario.accessKeys[${index}].user`,
        `unknown user ${JSON.stringify(key.user)} of account ${JSON.stringify(account)}; declare it in "users"`,
      )
    }
  })
  scenario.servers?.forEach((server, index) => {
    if (server.domain !== undefined && !accounts.has(server.domain)) {
      throw new MockConfigError(
        `scenario.servers[${index}].domain`,
        `unknown account ${JSON.stringify(server.domain)}; declare it in "accounts"`,
      )
    }
  })
  const ids = new Set<string>()
  scenario.servers?.forEach((server, index) => {
    if (ids.has(server.id)) {
      throw new MockConfigError(
        `scenario.servers[${index}].id`,
        `server ${JSON.stringify(server.id)} is listed twice`,
      )
    }
    ids.add(server.id)
  })
  return scenario
}

/**
 * Parses scenario JSON text.
 *
 * @throws {MockConfigError} when the text is not JSON or the scenario is invalid.
 * @example
 * parseScenarioText('{"servers":[{"id":"srv-1","commands":[{"command_name":"START"}]}]}')
 */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new MockConfigError(source, `is not valid JSON (${(cause as Error).message})`, { cause })
  }
  return parseScenario(json)
}
