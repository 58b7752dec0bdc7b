/**
 * Command line and environment of `sms-watch`: one table of options drives parsing, validation and
 * `--help`. Authentication mirrors `sms-agent` (same flags and variables; secrets come from the
 * environment or files, never argv, where every user of the machine could read them).
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import {
  AUTH_SECRET_FLAGS,
  AUTH_SETTINGS,
  type AuthConfig,
  type AuthSettings,
  formatDuration,
  isSmsInputError,
  parseDuration,
  resolveAuthConfig,
} from '@sms-command/core'
import { SORT_KEYS, type SortKey } from './view-model.ts'

/** A bad flag or variable: `setting` names it, the message says what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError' as const
  readonly setting: string
  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.setting = setting
  }
}

/** Everything `sms-watch` was asked to do. */
export interface WatchConfig {
  api?: {
    endpoint: string
    /** The servers to poll; empty with `discover`. */
    serverIds: string[]
    /** `--servers all`: poll what `GET /v3/sources` lists, with these filters. */
    discover?: { state?: string | undefined; name?: string | undefined } | undefined
    /** `--max-rps`: the fleet-wide request budget. */
    maxRps: number
    auth: AuthConfig
    concurrency: number
    intervalMs: number
    requestTimeoutMs: number
  }
  mock?: { url: URL; adminToken?: string }
  agents: URL[]
  refreshMs: number
  /** True: NDJSON lines; false: the TUI; undefined: decide from whether stdout is a TTY. */
  json: boolean | undefined
  color: boolean
  sort: SortKey
  /** Stop after this long (for scripts and CI); undefined runs until `q` or a signal. */
  durationMs: number | undefined
}

/** What the command line asks for. */
export type ParsedCommand =
  | { action: 'run'; config: WatchConfig }
  | { action: 'help' }
  | { action: 'version' }

type Kind = 'url' | 'list' | 'path' | 'string' | 'duration' | 'integer' | 'boolean' | 'enum'

interface OptionSpec {
  key: string
  flag?: string
  env?: string
  kind: Kind
  meta?: string
  default?: string
  values?: readonly string[]
  repeatable?: boolean
  /** Secrets: environment only. */
  secret?: boolean
  group: string
  help: string
}

/** Every option, in `--help` order. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'endpoint',
    flag: '--endpoint',
    env: 'SMS_ENDPOINT',
    kind: 'url',
    meta: 'URL',
    group: 'Sources (at least one)',
    help: 'SMS base URL to poll GET /v3/sources/{id}/command on; needs --servers or --servers-file',
  },
  {
    key: 'servers',
    flag: '--servers',
    env: 'SMS_SERVERS',
    kind: 'list',
    meta: 'ID,ID,…',
    group: 'Sources (at least one)',
    help: "server ids to poll, comma-separated (repeatable), or `all` to discover the account's servers (GET /v3/sources, refreshed every minute); names are looked up either way",
    repeatable: true,
  },
  {
    key: 'state',
    flag: '--state',
    kind: 'string',
    meta: 'STATE',
    group: 'Sources (at least one)',
    help: 'with --servers all: only servers SMS has in this state (replicate, error, finished, …)',
  },
  {
    key: 'name',
    flag: '--name',
    kind: 'string',
    meta: 'NAME',
    group: 'Sources (at least one)',
    help: 'with --servers all: only servers of this name (SMS filters by name)',
  },
  {
    key: 'serversFile',
    flag: '--servers-file',
    env: 'SMS_SERVERS_FILE',
    kind: 'path',
    meta: 'PATH',
    group: 'Sources (at least one)',
    help: 'file with one server id a line (blank lines and # comments ignored)',
  },
  {
    key: 'mock',
    flag: '--mock',
    env: 'SMS_MOCK_URL',
    kind: 'url',
    meta: 'URL',
    group: 'Sources (at least one)',
    help: 'a mock server (sms-mock) to follow live through its /_mock/events stream',
  },
  {
    key: 'adminToken',
    flag: '--admin-token',
    env: 'SMS_MOCK_ADMIN_TOKEN',
    kind: 'string',
    meta: 'TOKEN',
    group: 'Sources (at least one)',
    help: "the mock's admin token, when it was started with one",
  },
  {
    key: 'adminTokenFile',
    flag: '--admin-token-file',
    kind: 'path',
    meta: 'PATH',
    group: 'Sources (at least one)',
    help: "file holding the mock's admin token",
  },
  {
    key: 'agent',
    flag: '--agent',
    env: 'SMS_AGENTS',
    kind: 'list',
    meta: 'URL',
    group: 'Sources (at least one)',
    help: "an agent's --status-port base URL (e.g. http://127.0.0.1:9464) to follow through /events (repeatable)",
    repeatable: true,
  },
  ...AUTH_SETTINGS.map(
    (setting): OptionSpec => ({
      key: setting.key,
      ...(setting.flag ? { flag: setting.flag } : {}),
      env: setting.env,
      kind: setting.value === 'text' ? 'string' : setting.value,
      ...(setting.meta ? { meta: setting.meta } : {}),
      ...(setting.default ? { default: setting.default } : {}),
      ...(setting.secret ? { secret: true } : {}),
      group: 'Authentication for --endpoint (exactly one method, as sms-agent)',
      help: setting.help,
    }),
  ),
  {
    key: 'interval',
    flag: '--interval',
    env: 'SMS_INTERVAL',
    kind: 'duration',
    default: '10s',
    group: 'Polling (--endpoint)',
    help: 'pause between polls of each server; + and - change it live (1s–2m)',
  },
  {
    key: 'maxRps',
    flag: '--max-rps',
    env: 'SMS_WATCH_MAX_RPS',
    kind: 'string',
    meta: 'N',
    default: '0.2',
    group: 'Polling (--endpoint)',
    help: "requests per second at most across the fleet (0.01–1000): SMS limits each IAM user (about 20 a minute) and the agents spend the same budget; each server's pause grows with the fleet, and a 429 halves the rate",
  },
  {
    key: 'concurrency',
    flag: '--concurrency',
    env: 'SMS_WATCH_CONCURRENCY',
    kind: 'integer',
    default: '8',
    group: 'Polling (--endpoint)',
    help: 'requests in flight at most, across all servers (1–256)',
  },
  {
    key: 'requestTimeout',
    flag: '--request-timeout',
    env: 'SMS_REQUEST_TIMEOUT',
    kind: 'duration',
    default: '10s',
    group: 'Polling (--endpoint)',
    help: 'deadline of one request',
  },
  {
    key: 'refresh',
    flag: '--refresh',
    env: 'SMS_WATCH_REFRESH',
    kind: 'duration',
    default: '500ms',
    group: 'Display',
    help: 'redraw at most this often when data changes (keys redraw at once; 50ms–10s)',
  },
  {
    key: 'sort',
    flag: '--sort',
    kind: 'enum',
    values: SORT_KEYS,
    default: 'server',
    group: 'Display',
    help: `initial sort column: ${SORT_KEYS.join(', ')}`,
  },
  {
    key: 'json',
    flag: '--json',
    kind: 'boolean',
    group: 'Display',
    help: 'print one NDJSON line per change instead of drawing (the default without a TTY)',
  },
  {
    key: 'noColor',
    flag: '--no-color',
    kind: 'boolean',
    group: 'Display',
    help: 'no colours (also when NO_COLOR is set); states and commands stay spelled out',
  },
  {
    key: 'duration',
    flag: '--duration',
    kind: 'duration',
    group: 'Display',
    help: 'stop after this long (scripts, CI)',
  },
]

/** Inputs of {@link parseCommandLine}, injectable for tests. */
export interface ConfigInputs {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  readText?: (path: string) => Promise<string>
}

type Raw = Map<string, { values: string[]; from: string }>

function readArgv(argv: readonly string[]): { raw: Raw; action?: 'help' | 'version' } {
  const raw: Raw = new Map()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--help' || arg === '-h') return { raw, action: 'help' }
    if (arg === '--version' || arg === '-V') return { raw, action: 'version' }
    if (!arg.startsWith('--')) {
      throw new ConfigError(
        arg,
        `Unexpected argument ${JSON.stringify(arg)}: every option is a --flag (see --help)`,
      )
    }
    const equals = arg.indexOf('=')
    const flag = equals < 0 ? arg : arg.slice(0, equals)
    const saferWay = AUTH_SECRET_FLAGS[flag]
    if (saferWay) {
      throw new ConfigError(
        flag,
        `${flag} is not accepted: secrets on the command line are visible to every user of the machine; use ${saferWay}`,
      )
    }
    const spec = OPTIONS.find((option) => option.flag === flag)
    if (!spec) throw new ConfigError(flag, `Unknown option ${flag} (see --help)`)
    let value: string
    if (spec.kind === 'boolean') {
      if (equals >= 0) throw new ConfigError(flag, `${flag} takes no value`)
      value = 'true'
    } else if (equals >= 0) {
      value = arg.slice(equals + 1)
    } else {
      const next = argv[i + 1]
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new ConfigError(
          flag,
          `Missing value for ${flag}${spec.meta ? ` (expected ${spec.meta})` : ''}`,
        )
      }
      value = next
      i++
    }
    const entry = raw.get(spec.key)
    if (entry && !spec.repeatable) throw new ConfigError(flag, `${flag} given twice`)
    if (entry) entry.values.push(value)
    else raw.set(spec.key, { values: [value], from: flag })
  }
  return { raw }
}

/**
 * Parses argv and the environment (flags win) into a validated {@link WatchConfig}, reading
 * `--servers-file` and secret files. Every mistake is a {@link ConfigError} naming the flag or
 * variable, thrown before anything connects.
 *
 * @example
 * const parsed = await parseCommandLine({ argv: ['--mock', 'http://127.0.0.1:4010'], env: process.env })
 */
export async function parseCommandLine(inputs: ConfigInputs): Promise<ParsedCommand> {
  const { raw, action } = readArgv(inputs.argv)
  if (action) return { action }
  const readText = inputs.readText ?? ((path: string) => readFile(path, 'utf8'))
  for (const spec of OPTIONS) {
    if (raw.has(spec.key) || !spec.env) continue
    const value = inputs.env[spec.env]
    if (value !== undefined && value !== '') raw.set(spec.key, { values: [value], from: spec.env })
  }
  const label = (key: string) => {
    const spec = OPTIONS.find((option) => option.key === key)
    return raw.get(key)?.from ?? spec?.flag ?? spec?.env ?? key
  }
  const text = (key: string): string | undefined => {
    const entry = raw.get(key)
    if (entry) return entry.values[entry.values.length - 1]
    return OPTIONS.find((option) => option.key === key)?.default
  }
  const url = (key: string): URL | undefined => {
    const value = text(key)
    if (value === undefined) return undefined
    let parsed: URL
    try {
      parsed = new URL(value)
    } catch (cause) {
      throw new ConfigError(
        label(key),
        `Invalid ${label(key)}: expected an absolute http(s) URL, received ${JSON.stringify(value.slice(0, 200))}`,
        { cause },
      )
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(
        label(key),
        `Invalid ${label(key)}: expected an http(s) URL, received protocol ${parsed.protocol}`,
      )
    }
    return parsed
  }
  const duration = (key: string, min: number, max: number): number | undefined => {
    const value = text(key)
    if (value === undefined) return undefined
    const ms = parseDuration(value)
    if (ms === undefined) {
      throw new ConfigError(
        label(key),
        `Invalid ${label(key)}: expected a duration such as 500ms, 10s or 5m, received ${JSON.stringify(value.slice(0, 100))}`,
      )
    }
    if (ms < min || ms > max) {
      throw new ConfigError(
        label(key),
        `Invalid ${label(key)}: expected between ${formatDuration(min)} and ${formatDuration(max)}, received ${value}`,
      )
    }
    return ms
  }
  const file = async (key: string, what: string): Promise<string> => {
    const path = text(key) ?? ''
    let content: string
    try {
      content = await readText(path)
    } catch (cause) {
      const code = (cause as { code?: unknown }).code
      throw new ConfigError(
        label(key),
        `Cannot read ${label(key)} ${path}: ${typeof code === 'string' ? code : 'unreadable'}`,
        { cause },
      )
    }
    const value = content.trim()
    if (value === '')
      throw new ConfigError(label(key), `Invalid ${label(key)}: ${path} is empty; expected ${what}`)
    return value
  }

  const endpoint = url('endpoint')
  const mock = url('mock')
  const agents: URL[] = []
  for (const value of raw.get('agent')?.values.flatMap(splitList) ?? []) {
    try {
      const parsed = new URL(value)
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol')
      agents.push(parsed)
    } catch (cause) {
      throw new ConfigError(
        label('agent'),
        `Invalid ${label('agent')}: expected an http(s) URL, received ${JSON.stringify(value.slice(0, 200))}`,
        { cause },
      )
    }
  }

  let serverIds: string[] = raw.get('servers')?.values.flatMap(splitList) ?? []
  if (raw.has('serversFile')) {
    const path = text('serversFile') ?? ''
    let content: string
    try {
      content = await readText(path)
    } catch (cause) {
      const code = (cause as { code?: unknown }).code
      throw new ConfigError(
        label('serversFile'),
        `Cannot read ${label('serversFile')} ${path}: ${typeof code === 'string' ? code : 'unreadable'}`,
        { cause },
      )
    }
    serverIds.push(
      ...content
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#')),
    )
  }
  serverIds = [...new Set(serverIds)]
  const discover = serverIds.includes('all')
  if (discover && serverIds.length > 1) {
    throw new ConfigError(
      label('servers'),
      `Invalid ${label('servers')}: \`all\` discovers every server; give it alone, not with ids`,
    )
  }
  for (const key of ['state', 'name'] as const) {
    if (raw.has(key) && !discover) {
      throw new ConfigError(label(key), `${label(key)} filters --servers all; give --servers all`)
    }
  }
  const maxRpsText = text('maxRps') ?? '0.2'
  const maxRps = Number(maxRpsText)
  if (!/^\d+(\.\d+)?$/.test(maxRpsText) || !(maxRps >= 0.01 && maxRps <= 1000)) {
    throw new ConfigError(
      label('maxRps'),
      `Invalid ${label('maxRps')}: expected requests per second from 0.01 to 1000, received ${JSON.stringify(maxRpsText.slice(0, 100))}`,
    )
  }
  if (serverIds.length > 100_000) {
    throw new ConfigError(
      '--servers',
      `Too many servers (${serverIds.length}); at most 100,000 can be watched`,
    )
  }

  if (!endpoint && !mock && agents.length === 0) {
    throw new ConfigError(
      'source',
      'Nothing to watch: give --endpoint URL with --servers (or --servers-file), --mock URL, or --agent URL',
    )
  }
  if (endpoint && serverIds.length === 0) {
    throw new ConfigError(
      '--servers',
      `${label('endpoint')} needs the servers to poll: --servers a,b,c or --servers-file PATH`,
    )
  }
  if (!endpoint && (raw.has('servers') || raw.has('serversFile'))) {
    throw new ConfigError(
      label(raw.has('servers') ? 'servers' : 'serversFile'),
      `${label(raw.has('servers') ? 'servers' : 'serversFile')} needs --endpoint (the SMS to poll them on)`,
    )
  }

  const concurrencyText = text('concurrency') ?? '8'
  const concurrency = Number(concurrencyText)
  if (!/^\d+$/.test(concurrencyText) || concurrency < 1 || concurrency > 256) {
    throw new ConfigError(
      label('concurrency'),
      `Invalid ${label('concurrency')}: expected a whole number from 1 to 256, received ${JSON.stringify(concurrencyText)}`,
    )
  }
  const sort = text('sort') ?? 'server'
  if (!(SORT_KEYS as readonly string[]).includes(sort)) {
    throw new ConfigError(
      label('sort'),
      `Invalid ${label('sort')}: expected one of ${SORT_KEYS.join(', ')}, received ${JSON.stringify(sort)}`,
    )
  }

  let adminToken: string | undefined
  if (raw.has('adminTokenFile')) {
    if (raw.has('adminToken')) {
      throw new ConfigError(
        '--admin-token-file',
        `Conflicting ${label('adminToken')} and --admin-token-file: give the admin token one way only`,
      )
    }
    adminToken = await file('adminTokenFile', 'the admin token')
  } else {
    adminToken = text('adminToken')
  }
  if (adminToken !== undefined && !mock) {
    throw new ConfigError(
      label(raw.has('adminToken') ? 'adminToken' : 'adminTokenFile'),
      'The admin token is for --mock; no --mock was given',
    )
  }

  // Validated even without --endpoint, so a typo never passes silently.
  const intervalMs = duration('interval', 1_000, 3_600_000) ?? 10_000
  const requestTimeoutMs = duration('requestTimeout', 100, 300_000) ?? 10_000
  const config: WatchConfig = {
    agents,
    refreshMs: duration('refresh', 50, 10_000) ?? 500,
    json: raw.has('json') ? true : undefined,
    color:
      !raw.has('noColor') && !(inputs.env.NO_COLOR !== undefined && inputs.env.NO_COLOR !== ''),
    sort: sort as SortKey,
    durationMs: duration('duration', 1, 2_147_483_647),
  }
  if (mock) config.mock = adminToken === undefined ? { url: mock } : { url: mock, adminToken }
  if (endpoint) {
    const filters = {
      ...(text('state') !== undefined ? { state: text('state') } : {}),
      ...(text('name') !== undefined ? { name: text('name') } : {}),
    }
    config.api = {
      endpoint: endpoint.href,
      serverIds: discover ? [] : serverIds,
      ...(discover ? { discover: filters } : {}),
      maxRps,
      auth: await resolveAuth(label, text, readText),
      concurrency,
      intervalMs,
      requestTimeoutMs,
    }
  }
  return { action: 'run', config }
}

const AUTH_KEYS = [
  'token',
  'tokenFile',
  'ak',
  'sk',
  'skFile',
  'securityToken',
  'domainId',
  'iamUser',
  'iamPassword',
  'iamPasswordFile',
  'iamDomain',
  'iamEndpoint',
] as const satisfies readonly (keyof AuthSettings)[]

/** Credentials exactly as sms-agent resolves them (core's `resolveAuthConfig`). */
async function resolveAuth(
  label: (key: string) => string,
  text: (key: string) => string | undefined,
  readText: (path: string) => Promise<string>,
): Promise<AuthConfig> {
  const settings: AuthSettings = {}
  for (const key of AUTH_KEYS) settings[key] = text(key)
  try {
    return await resolveAuthConfig(settings, {
      readTextFile: readText,
      label,
      purpose: 'for --endpoint',
    })
  } catch (error) {
    if (isSmsInputError(error)) throw new ConfigError(error.field, error.message, { cause: error })
    throw error
  }
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
}

/**
 * `sms-watch --help`, generated from {@link OPTIONS}.
 *
 * @example
 * process.stdout.write(helpText())
 */
export function helpText(): string {
  const lines = [
    'sms-watch: a live terminal view of the SMS commands of a fleet of source servers.',
    '',
    'Usage:',
    '  sms-watch --endpoint URL --servers a,b,c [auth]    poll SMS itself',
    "  sms-watch --endpoint URL --servers all [auth]      discover the account's servers",
    '  sms-watch --mock URL [--admin-token T]             follow a mock server live',
    "  sms-watch --agent URL [--agent URL …]             follow agents' --status-port feeds",
    '',
    'Watching is read-only and safe beside running agents: under the delivery model of API.md §2',
    'a GET of /v3/sources/{id}/command does not consume the command (it stays current until the',
    'agent reports its result), and sms-watch never reports results.',
  ]
  let group: string | undefined
  for (const option of OPTIONS) {
    if (option.group !== group) {
      group = option.group
      lines.push('', `${group}:`)
    }
    const name = option.flag
      ? `${option.flag}${option.kind === 'boolean' ? '' : ` ${option.meta ?? option.kind.toUpperCase()}`}`
      : `(env ${option.env})`
    const extras = [
      option.flag && option.env ? `env ${option.env}` : undefined,
      option.default !== undefined ? `default ${option.default}` : undefined,
    ].filter(Boolean)
    lines.push(
      `  ${name.padEnd(28)} ${option.help}${extras.length > 0 ? ` [${extras.join(', ')}]` : ''}`,
    )
  }
  lines.push(
    '',
    'Without a TTY, or with --json, sms-watch prints one NDJSON line per change instead of drawing.',
    'Keys: press ? in the UI for the full list (↑/↓ j/k, PgUp/PgDn, g/G, Enter, /, s, r, p, +/-, q).',
    '',
    'Exit codes: 0 done (q, Ctrl-C, SIGTERM or --duration), 2 bad options, 1 unexpected failure.',
    '',
  )
  return lines.join('\n')
}
