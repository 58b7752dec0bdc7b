import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  type AuthConfig,
  AuthTokenSchema,
  authSecrets,
  describeValue,
  isSmsInputError,
  parseDuration,
  resolveAuthConfig,
  ServerIdSchema,
} from '@sms-command/core'
import * as v from 'valibot'
import { MAX_OUTPUT_TAIL, REPORT_BODY_LIMIT } from '../report-body.ts'
import { OPTION_BY_KEY, OPTIONS, type OptionSpec, SECRET_FLAGS } from './options.ts'

/** Where a setting's value came from. */
export interface SettingSource {
  kind: 'flag' | 'env' | 'file' | 'default'
  /** `--interval`, `SMS_INTERVAL`, `/etc/sms-agent.json` or `default`. */
  name: string
}

/** A setting could not be used. Exit code 2: nothing has been sent yet. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError' as const
  /** The flag (or, for secrets, the variable) of the offending setting. */
  readonly setting: string

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.setting = setting
  }
}

/** Credentials, resolved (core's `AuthConfig`). Secret fields are kept out of `toJSON` by {@link redactConfig}. */
export type { AuthConfig }

/** Executables per command; `default` serves every known command without its own. */
export interface HandlerPaths {
  default?: string
  START?: string
  STOP?: string
  DELETE?: string
  SYNC?: string
}

/** The agent's settings once merged, validated and resolved. Durations are in ms. */
export interface AgentConfig {
  endpoint: string
  serverId: string
  auth: AuthConfig
  requestTimeoutMs: number
  intervalMs: number
  firstPollJitterMs: number
  backoffBaseMs: number
  backoffMaxMs: number
  slowRetryMs: number
  stateDir: string | undefined
  handlers: HandlerPaths
  handlerTimeoutMs: number
  killGraceMs: number
  shutdownGraceMs: number
  /** Take over a state directory written on another machine (`--adopt-state`). */
  adoptState: boolean
  outputTailBytes: number
  interrupted: 'fail' | 'rerun'
  /** Deterministic refusals of one result before it is settled `rejected`. */
  reportRefusalLimit: number
  once: boolean
  dryRun: boolean
  statusPort: number | undefined
  statusHost: string
  logFormat: 'json' | 'text'
  logLevel: 'debug' | 'info' | 'warn' | 'error'
  /** Where each setting came from, for `--print-config` and error messages. */
  sources: Readonly<Record<string, SettingSource>>
}

/** What the command line asked for besides settings. */
export type CliAction = 'run' | 'help' | 'version' | 'print-config'

/** Inputs of {@link loadConfig}; injected so tests need no real process. */
export interface ConfigInputs {
  args: readonly string[]
  env: (name: string) => string | undefined
  cwd: string
  /** Reads a file as UTF-8; defaults to `node:fs/promises`. */
  readTextFile?: (path: string) => Promise<string>
  /** Throws unless `path` is an executable regular file; defaults to `node:fs/promises`. */
  checkExecutable?: (path: string) => Promise<void>
}

/** The outcome of {@link loadConfig}. */
export type LoadedConfig =
  | { action: 'help' }
  | { action: 'version' }
  | { action: 'run' | 'print-config'; config: AgentConfig; secrets: readonly string[] }

interface RawValue {
  value: unknown
  source: SettingSource
  /** Relative paths are resolved against this directory. */
  baseDir: string
}

/**
 * Reads the agent's settings from flags, environment variables and a JSON config file, in that
 * precedence, validates every value with valibot and resolves credentials (reading secret files).
 * Any bad value throws a {@link ConfigError} naming the setting and where it came from; no
 * message ever contains a secret's value.
 *
 * @throws {ConfigError}
 * @example
 * const loaded = await loadConfig({ args: process.argv.slice(2), env: (n) => process.env[n], cwd })
 * if (loaded.action === 'run') startAgent(loaded.config)
 */
export async function loadConfig(inputs: ConfigInputs): Promise<LoadedConfig> {
  const readText = inputs.readTextFile ?? ((path: string) => readFile(path, 'utf8'))
  const checkExecutable = inputs.checkExecutable ?? defaultCheckExecutable
  const parsed = parseArgs(inputs.args)
  if (parsed.action === 'help') return { action: 'help' }
  if (parsed.action === 'version') return { action: 'version' }

  const raw = new Map<string, RawValue>()
  // Lowest precedence first; later sources overwrite.
  const configPath =
    parsed.configPath ??
    (inputs.env('SMS_CONFIG') ? { path: inputs.env('SMS_CONFIG') as string, source: 'env' } : null)
  if (configPath) {
    const path = resolve(inputs.cwd, configPath.path)
    for (const [key, value] of Object.entries(await readConfigFile(path, readText))) {
      raw.set(key, { value, source: { kind: 'file', name: path }, baseDir: dirname(path) })
    }
  }
  for (const option of OPTIONS as readonly OptionSpec[]) {
    if (!option.env) continue
    const value = inputs.env(option.env)
    if (value === undefined || value === '') continue
    raw.set(option.key, { value, source: { kind: 'env', name: option.env }, baseDir: inputs.cwd })
  }
  for (const [key, value] of parsed.flags) {
    const flag = OPTION_BY_KEY.get(key)?.flag ?? key
    raw.set(key, { value, source: { kind: 'flag', name: flag }, baseDir: inputs.cwd })
  }

  const values: Record<string, unknown> = {}
  const sources: Record<string, SettingSource> = {}
  for (const option of OPTIONS as readonly OptionSpec[]) {
    // Every key is present, so a missing required one gets the schema's own message.
    values[option.key] = undefined
    const given = raw.get(option.key)
    if (given) {
      values[option.key] = parseValue(option, given)
      sources[option.key] = given.source
    } else if (option.default !== undefined) {
      values[option.key] = parseValue(option, {
        value: option.default,
        source: { kind: 'default', name: 'default' },
        baseDir: inputs.cwd,
      })
      sources[option.key] = { kind: 'default', name: 'default' }
    }
  }

  const label = (key: string) => settingLabel(key, sources[key])
  const result = v.safeParse(SettingsSchema, values, { abortEarly: true })
  if (!result.success) {
    const issue = result.issues[0]
    const key = String(issue.path?.[0]?.key ?? '')
    const spec = OPTION_BY_KEY.get(key)
    const received =
      spec?.kind === 'secret' || issue.input === undefined
        ? describeValue(issue.input)
        : JSON.stringify(issue.input)
    throw new ConfigError(
      spec ? settingName(spec) : key,
      `Invalid ${label(key)}: ${issue.message}, received ${received}`,
    )
  }
  const settings = result.output

  if (settings.dryRun !== true && settings.stateDir === undefined) {
    throw new ConfigError(
      '--state-dir',
      'Missing --state-dir (or SMS_STATE_DIR): the agent journals every command there so none runs twice',
    )
  }
  if (settings.backoffMax < settings.backoffBase) {
    throw new ConfigError(
      '--backoff-max',
      `Invalid ${label('backoffMax')}: must not be shorter than --backoff-base`,
    )
  }
  const secrets: string[] = []
  const auth = await resolveAuth(settings, label, readText, secrets)
  const handlers: HandlerPaths = {}
  for (const [key, name] of [
    ['handler', 'default'],
    ['onStart', 'START'],
    ['onStop', 'STOP'],
    ['onDelete', 'DELETE'],
    ['onSync', 'SYNC'],
  ] as const) {
    const path = settings[key]
    if (path === undefined) continue
    try {
      await checkExecutable(path)
    } catch (cause) {
      // Deno without read access: its permission check names the grant that is missing.
      if (cause instanceof Error && cause.name === 'NotCapable') {
        handlers[name] = path
        continue
      }
      throw new ConfigError(
        settingName(OPTION_BY_KEY.get(key) as OptionSpec),
        `Invalid ${label(key)}: ${path} is not an executable file (${errorText(cause)})`,
        { cause },
      )
    }
    handlers[name] = path
  }

  const config: AgentConfig = {
    endpoint: settings.endpoint,
    serverId: settings.serverId,
    auth,
    requestTimeoutMs: settings.requestTimeout,
    intervalMs: settings.interval,
    firstPollJitterMs: settings.firstPollJitter ?? settings.interval,
    backoffBaseMs: settings.backoffBase,
    backoffMaxMs: settings.backoffMax,
    slowRetryMs: settings.slowRetry,
    stateDir: settings.stateDir,
    handlers,
    handlerTimeoutMs: settings.handlerTimeout,
    killGraceMs: settings.killGrace,
    shutdownGraceMs: settings.shutdownGrace,
    adoptState: settings.adoptState,
    outputTailBytes: settings.outputTail,
    interrupted: settings.interrupted,
    reportRefusalLimit: settings.reportRefusals,
    once: settings.once,
    dryRun: settings.dryRun,
    statusPort: settings.statusPort,
    statusHost: settings.statusHost,
    logFormat: settings.logFormat,
    logLevel: settings.logLevel,
    sources,
  }
  return { action: parsed.action, config, secrets }
}

/**
 * The config as printed by `--print-config`: every secret replaced by `"[redacted]"`, with the
 * source of each setting.
 *
 * @example
 * platform.stdout(`${JSON.stringify(redactConfig(config), null, 2)}\n`)
 */
export function redactConfig(config: AgentConfig): Record<string, unknown> {
  const auth: Record<string, unknown> = { ...config.auth }
  for (const field of ['token', 'sk', 'password', 'securityToken']) {
    if (field in auth) auth[field] = '[redacted]'
  }
  const { sources, ...rest } = config
  return {
    ...rest,
    auth,
    sources: Object.fromEntries(
      Object.entries(sources).map(([key, source]) => [key, `${source.kind} ${source.name}`]),
    ),
  }
}

// ---------------------------------------------------------------------------------------------

interface ParsedArgs {
  action: CliAction
  flags: Map<string, unknown>
  configPath: { path: string; source: string } | null
}

const FLAG_TO_OPTION: ReadonlyMap<string, OptionSpec> = new Map(
  (OPTIONS as readonly OptionSpec[]).flatMap((option) =>
    option.flag ? [[option.flag, option] as const] : [],
  ),
)

function parseArgs(args: readonly string[]): ParsedArgs {
  let action: CliAction = 'run'
  const flags = new Map<string, unknown>()
  let configPath: ParsedArgs['configPath'] = null
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string
    if (arg === '--help' || arg === '-h') return { action: 'help', flags, configPath }
    if (arg === '--version' || arg === '-V') return { action: 'version', flags, configPath }
    if (arg === '--print-config') {
      action = 'print-config'
      continue
    }
    if (!arg.startsWith('--')) {
      throw new ConfigError(arg, `Unexpected argument ${JSON.stringify(arg)}: see --help`)
    }
    const equals = arg.indexOf('=')
    const flag = equals === -1 ? arg : arg.slice(0, equals)
    const inline = equals === -1 ? undefined : arg.slice(equals + 1)
    const safer = SECRET_FLAGS[flag]
    if (safer) {
      // The value is never echoed: it may already be a leaked secret.
      throw new ConfigError(
        flag,
        `${flag} is not accepted on the command line, where every user of the machine can read it: use ${safer}`,
      )
    }
    const takeValue = (): string => {
      if (inline !== undefined) return inline
      const next = args[index + 1]
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new ConfigError(flag, `Missing value for ${flag}: see --help`)
      }
      index++
      return next
    }
    if (flag === '--config') {
      configPath = { path: takeValue(), source: 'flag' }
      continue
    }
    const option = FLAG_TO_OPTION.get(flag)
    if (!option) throw new ConfigError(flag, `Unknown flag ${flag}: see --help`)
    flags.set(option.key, option.kind === 'boolean' ? (inline ?? true) : takeValue())
  }
  return { action, flags, configPath }
}

async function readConfigFile(
  path: string,
  readText: (path: string) => Promise<string>,
): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readText(path)
  } catch (cause) {
    throw new ConfigError('--config', `Cannot read config file ${path}: ${errorText(cause)}`, {
      cause,
    })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (cause) {
    throw new ConfigError(
      '--config',
      `Config file ${path} is not valid JSON: ${errorText(cause)}`,
      {
        cause,
      },
    )
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('--config', `Config file ${path} must hold a JSON object`)
  }
  for (const key of Object.keys(data)) {
    if (!OPTION_BY_KEY.has(key)) {
      throw new ConfigError(
        key,
        `Unknown setting ${JSON.stringify(key)} in config file ${path}: keys are the names in brackets in --help`,
      )
    }
  }
  return data as Record<string, unknown>
}

function settingName(spec: OptionSpec): string {
  return spec.flag ?? spec.env ?? spec.key
}

function settingLabel(key: string, source: SettingSource | undefined): string {
  const spec = OPTION_BY_KEY.get(key)
  const name = spec ? settingName(spec) : key
  if (!source || source.kind === 'default') return name
  if (source.kind === 'flag') return name
  if (source.kind === 'env') return source.name === name ? name : `${name} (from ${source.name})`
  return `${name} (from ${source.name}, key ${JSON.stringify(key)})`
}

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/** Normalises text from flags and the environment; the schema checks the result. */
function parseValue(option: OptionSpec, raw: RawValue): unknown {
  const { value } = raw
  switch (option.kind) {
    case 'boolean':
      if (typeof value === 'string') {
        const lower = value.toLowerCase()
        if (TRUE.has(lower)) return true
        if (FALSE.has(lower)) return false
      }
      return value
    case 'duration':
      if (typeof value === 'string') return parseDuration(value) ?? new InvalidText(value)
      return new InvalidText(value)
    case 'port':
    case 'bytes':
    case 'count':
      if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value)
      return value
    case 'path':
      if (typeof value === 'string' && value !== '') return resolve(raw.baseDir, value)
      return value
    case 'url':
    case 'string':
      return typeof value === 'string' ? value.trim() : value
    default:
      return value
  }
}

/** Text that could not be read; carried to the schema so the error names the setting. */
class InvalidText {
  constructor(readonly text: unknown) {}
  toJSON() {
    return this.text
  }
}

const durationSchema = (minMs = 0) =>
  v.pipe(
    v.number('expected a duration like 500ms, 10s or 5m'),
    v.minValue(minMs, `expected at least ${minMs}ms`),
  )

const urlSchema = v.pipe(
  v.string('expected a URL'),
  v.url('expected an absolute URL such as https://sms.ap-southeast-1.myhuaweicloud.com'),
  v.check((text) => /^https?:\/\//i.test(text), 'expected an http:// or https:// URL'),
)

const pathSchema = v.pipe(v.string('expected a path'), v.minLength(1, 'expected a path'))
const nonEmpty = v.pipe(
  v.string('expected a string'),
  v.minLength(1, 'expected a non-empty string'),
)
const booleanSchema = v.boolean('expected true or false')

const SettingsSchema = v.object({
  endpoint: v.pipe(
    v.string('expected a URL such as https://sms.ap-southeast-1.myhuaweicloud.com (required)'),
    urlSchema,
  ),
  serverId: v.pipe(v.string('expected the server id (required)'), ServerIdSchema),
  requestTimeout: durationSchema(1),
  token: v.optional(AuthTokenSchema),
  tokenFile: v.optional(pathSchema),
  ak: v.optional(nonEmpty),
  sk: v.optional(nonEmpty),
  skFile: v.optional(pathSchema),
  domainId: v.optional(nonEmpty),
  securityToken: v.optional(nonEmpty),
  iamUser: v.optional(nonEmpty),
  iamPassword: v.optional(nonEmpty),
  iamPasswordFile: v.optional(pathSchema),
  iamDomain: v.optional(nonEmpty),
  iamEndpoint: urlSchema,
  handler: v.optional(pathSchema),
  onStart: v.optional(pathSchema),
  onStop: v.optional(pathSchema),
  onDelete: v.optional(pathSchema),
  onSync: v.optional(pathSchema),
  handlerTimeout: durationSchema(1),
  killGrace: durationSchema(0),
  outputTail: v.pipe(
    v.number('expected a number of bytes'),
    v.integer('expected a whole number of bytes'),
    v.minValue(0, `expected 0 to ${MAX_OUTPUT_TAIL} bytes`),
    v.maxValue(
      MAX_OUTPUT_TAIL,
      `expected 0 to ${MAX_OUTPUT_TAIL} bytes: a larger tail can never fit in a result report (SMS takes at most ${REPORT_BODY_LIMIT} bytes of JSON)`,
    ),
  ),
  interrupted: v.picklist(['fail', 'rerun'], 'expected fail or rerun'),
  reportRefusals: v.pipe(
    v.number('expected a whole number of attempts'),
    v.integer('expected a whole number of attempts'),
    v.minValue(1, 'expected 1 to 100 attempts'),
    v.maxValue(100, 'expected 1 to 100 attempts'),
  ),
  interval: durationSchema(0),
  firstPollJitter: v.optional(durationSchema(0)),
  backoffBase: durationSchema(1),
  backoffMax: durationSchema(1),
  slowRetry: durationSchema(0),
  stateDir: v.optional(pathSchema),
  shutdownGrace: durationSchema(0),
  adoptState: booleanSchema,
  once: booleanSchema,
  dryRun: booleanSchema,
  statusPort: v.optional(
    v.pipe(
      v.number('expected a port number'),
      v.integer('expected a port number'),
      v.minValue(0, 'expected a port from 0 to 65535'),
      v.maxValue(65_535, 'expected a port from 0 to 65535'),
    ),
  ),
  statusHost: nonEmpty,
  logFormat: v.picklist(['json', 'text'], 'expected json or text'),
  logLevel: v.picklist(['debug', 'info', 'warn', 'error'], 'expected debug, info, warn or error'),
})

type Settings = v.InferOutput<typeof SettingsSchema>

async function resolveAuth(
  settings: Settings,
  label: (key: string) => string,
  readText: (path: string) => Promise<string>,
  secrets: string[],
): Promise<AuthConfig> {
  try {
    const auth = await resolveAuthConfig(settings, { readTextFile: readText, label })
    secrets.push(...authSecrets(auth))
    return auth
  } catch (error) {
    if (isSmsInputError(error)) throw new ConfigError(error.field, error.message, { cause: error })
    throw error
  }
}

async function defaultCheckExecutable(path: string): Promise<void> {
  const info = await stat(path)
  if (!info.isFile()) throw new Error('not a regular file')
  // Mode bits rather than access(X_OK): Deno's access() needs --allow-sys=uid,gid. Whether this
  // user may run it shows at spawn time (reported as spawn-failed).
  if ((info.mode & 0o111) === 0) throw new Error('no execute permission')
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message
  }
  return String(error)
}
