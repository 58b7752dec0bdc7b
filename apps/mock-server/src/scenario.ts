import {
  BucketSchema,
  CommandNameSchema,
  LIMITS,
  ServerIdSchema,
  TaskIdSchema,
} from '@sms-command/core'
import * as v from 'valibot'
import { MockConfigError } from './errors.ts'
import { firstIssue, jsonObject } from './issues.ts'
import { FaultSpecSchema } from './rules/faults.ts'
import { durationMsSchema } from './rules/time-bounds.ts'
import { RateLimitSchema, scenarioSettingEntries } from './settings.ts'
import { DEFAULT_ACCOUNT, DELIVERY_MODES, IDLE_SHAPES } from './types.ts'

export { DELIVERY_MODES, firstIssue, jsonObject }

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

/**
 * `command_param`: a JSON object; `task_id` and `bucket`, when given, strings of ≤ 255 (core's
 * field schemas). Unlike core's wire schema, `null` is refused: the mock serves a command as it
 * was queued, and a queued `null` would reach every consumer of its events and views, whose
 * schema (core's mock events) says a field is a string when present.
 */
export const CommandParamInputSchema = jsonObject(
  v.looseObject({ task_id: v.optional(TaskIdSchema), bucket: v.optional(BucketSchema) }),
)

/**
 * A command to enqueue (admin API and scenario): core's command plus `releaseAfterMs`. Strict,
 * unlike core's: it is written by a person or a scenario file, where an unknown field is a typo
 * (`releaseAfterMS`) that would otherwise be dropped without a word.
 */
export const CommandInputSchema = jsonObject(
  v.strictObject({
    command_name: CommandNameSchema,
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

export { RateLimitSchema }

export type ServerInput = v.InferOutput<typeof ServerSchema>

/**
 * A scenario file: credentials, servers, commands and faults to start with. Every list is
 * optional; `account` and `domain` fields default to the `demo` account, which always exists.
 */
export const ScenarioSchema = jsonObject(
  v.strictObject({
    $schema: v.optional(v.string("expected a string (the schema's URL)")),
    description: v.optional(v.string('expected a string')),
    // seed, delivery, idle, authErrors, rateLimit: the rows of MOCK_SETTINGS a scenario may set.
    ...scenarioSettingEntries(),
    accounts: v.optional(v.array(AccountSchema, 'expected a list of accounts')),
    users: v.optional(v.array(UserSchema, 'expected a list of users')),
    tokens: v.optional(v.array(TokenSchema, 'expected a list of tokens')),
    accessKeys: v.optional(v.array(AccessKeySchema, 'expected a list of access keys')),
    servers: v.optional(v.array(ServerSchema, 'expected a list of servers')),
    faults: v.optional(v.array(FaultSpecSchema, 'expected a list of faults')),
  }),
)

export type Scenario = v.InferOutput<typeof ScenarioSchema>

export { DEFAULT_ACCOUNT }

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
