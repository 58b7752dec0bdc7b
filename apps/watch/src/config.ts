/**
 * Command line and environment of `sms-watch`: one table of options drives parsing, validation and
 * `--help`. Authentication mirrors `sms-agent` (same flags and variables; secrets come from the
 * environment or files, never argv, where every user of the machine could read them).
 *
 * @module
 */
import {
  AUTH_SECRET_FLAGS,
  AUTH_SETTINGS,
  boolean,
  type CommandLineSpec,
  ConfigError,
  duration,
  errorText,
  exitCodesHelp,
  helpText as generateHelp,
  type HelpText,
  httpUrl,
  inGroup,
  integer,
  list,
  type OptionTable,
  oneOf,
  type ParsedSettings,
  parseCommandLine as parseOptions,
  path,
  printableConfig,
  readTextFile,
  requestTimeoutSetting,
  resolveAuthOptions,
  secretText,
  stripBom,
  text,
} from '@sms-command/cli-kit'
import type { AuthConfig } from '@sms-command/core'
import * as v from 'valibot'
import { SORT_KEYS, type SortKey } from './view-model.ts'

/** A bad flag or variable (cli-kit's, shared by every CLI): `setting` names it, exit code 2. */
export { ConfigError }

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
  | { action: 'print-config'; config: WatchConfig; printed: Record<string, unknown> }
  | { action: 'help' }
  | { action: 'version' }

const SOURCES = 'Sources (at least one)'

/** A request rate: a decimal number of requests per second, 0.01–1000. */
function requestRate() {
  const expected = 'expected requests per second from 0.01 to 1000 (e.g. 0.2 or 5)'
  return v.pipe(
    v.union(
      [v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d+(\.\d+)?$/, expected))],
      expected,
    ),
    v.transform(Number),
    v.minValue(0.01, expected),
    v.maxValue(1_000, expected),
    v.metadata({ meta: 'N' }),
  )
}

/** Every option of `sms-watch`, in `--help` order (cli-kit rows: flag, variable, schema, help). */
export const OPTIONS = {
  endpoint: {
    flag: '--endpoint',
    env: 'SMS_ENDPOINT',
    schema: v.optional(httpUrl()),
    group: SOURCES,
    help: 'SMS base URL to poll GET /v3/sources/{id}/command on; needs --servers or --servers-file',
  },
  servers: {
    flag: '--servers',
    env: 'SMS_SERVERS',
    schema: v.optional(list(text(), { meta: 'ID,ID,…' })),
    group: SOURCES,
    help: "server ids to poll, comma-separated, or `all` to discover the account's servers (GET /v3/sources, refreshed every minute); names are looked up either way",
  },
  state: {
    flag: '--state',
    schema: v.optional(text({ meta: 'STATE' })),
    group: SOURCES,
    help: 'with --servers all: only servers SMS has in this state (replicate, error, finished, …)',
  },
  name: {
    flag: '--name',
    schema: v.optional(text({ meta: 'NAME' })),
    group: SOURCES,
    help: 'with --servers all: only servers whose name matches (SMS filters by name)',
  },
  serversFile: {
    flag: '--servers-file',
    env: 'SMS_SERVERS_FILE',
    schema: v.optional(path()),
    group: SOURCES,
    help: 'file with one server id a line (blank lines and # comments ignored)',
  },
  mock: {
    flag: '--mock',
    env: 'SMS_MOCK_URL',
    schema: v.optional(httpUrl()),
    group: SOURCES,
    help: 'a mock server (sms-mock) to follow live through its /_mock/events stream',
  },
  adminToken: {
    flag: '--admin-token',
    env: 'SMS_MOCK_ADMIN_TOKEN',
    schema: v.optional(secretText({ meta: 'TOKEN' })),
    secret: true,
    group: SOURCES,
    help: "the mock's admin token, when it was started with one",
  },
  adminTokenFile: {
    flag: '--admin-token-file',
    schema: v.optional(path()),
    group: SOURCES,
    help: "file holding the mock's admin token",
  },
  agent: {
    flag: '--agent',
    env: 'SMS_AGENTS',
    schema: v.optional(list(httpUrl())),
    group: SOURCES,
    help: "an agent's --status-port base URL (e.g. http://127.0.0.1:9464) to follow through /events",
  },
  ...inGroup('Authentication for --endpoint (exactly one method, as sms-agent)', AUTH_SETTINGS),
  interval: {
    flag: '--interval',
    // Not the agent's SMS_INTERVAL: that is one agent's poll cadence, set where agents run; the
    // watch's polls of every server spend the account's request budget at their own pace.
    env: 'SMS_WATCH_INTERVAL',
    schema: duration({ min: 1_000, max: 3_600_000 }),
    default: '10s',
    as: 'intervalMs',
    group: 'Polling (--endpoint)',
    help: 'pause between polls of each server; + and - change it live (1s–1h)',
  },
  maxRps: {
    flag: '--max-rps',
    env: 'SMS_WATCH_MAX_RPS',
    schema: requestRate(),
    default: '0.2',
    group: 'Polling (--endpoint)',
    help: "requests per second at most across the fleet (0.01–1000): SMS limits each IAM user (about 20 a minute, docs/api.md#7-field-conditions) and the agents spend the same budget; each server's pause grows with the fleet, and a 429 halves the rate",
  },
  concurrency: {
    flag: '--concurrency',
    env: 'SMS_WATCH_CONCURRENCY',
    schema: integer({ min: 1, max: 256 }),
    default: '8',
    group: 'Polling (--endpoint)',
    help: 'requests in flight at most, across all servers (1–256)',
  },
  // One row with the agent's (cli-kit): SMS_REQUEST_TIMEOUT accepts the same values in both.
  requestTimeout: requestTimeoutSetting({ default: '10s', group: 'Polling (--endpoint)' }),
  refresh: {
    flag: '--refresh',
    env: 'SMS_WATCH_REFRESH',
    schema: duration({ min: 50, max: 10_000 }),
    default: '500ms',
    as: 'refreshMs',
    group: 'Display',
    help: 'redraw at most this often when data changes (keys redraw at once; 50ms–10s)',
  },
  sort: {
    flag: '--sort',
    schema: oneOf(SORT_KEYS),
    default: 'server',
    meta: 'COLUMN',
    group: 'Display',
    help: `initial sort column: ${SORT_KEYS.join(', ')}`,
  },
  json: {
    flag: '--json',
    schema: v.optional(boolean()),
    group: 'Display',
    help: 'print one NDJSON line per change instead of drawing (the default without a TTY)',
  },
  noColor: {
    flag: '--no-color',
    schema: boolean(),
    default: false,
    group: 'Display',
    help: 'no colours (also when NO_COLOR is set); states and commands stay spelled out',
  },
  duration: {
    flag: '--duration',
    schema: v.optional(duration({ min: 1 })),
    as: 'durationMs',
    group: 'Display',
    help: 'stop after this long (scripts, CI)',
  },
} as const satisfies OptionTable

/** The command line of `sms-watch`: its table, `--version`, refused secret flags. */
export const COMMAND_LINE: CommandLineSpec<typeof OPTIONS> = {
  program: 'sms-watch',
  options: OPTIONS,
  refusedFlags: AUTH_SECRET_FLAGS,
  version: true,
}

/** Inputs of {@link parseCommandLine}, injectable for tests. */
export interface ConfigInputs {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  readText?: (path: string) => Promise<string>
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
  const parsed = await parseOptions(COMMAND_LINE, { args: inputs.argv, env: inputs.env })
  if (parsed.action === 'help' || parsed.action === 'version') return { action: parsed.action }
  const config = await resolveWatchConfig(parsed, inputs)
  if (parsed.action === 'print-config') {
    return { action: 'print-config', config, printed: printableConfig(COMMAND_LINE, parsed) }
  }
  return { action: 'run', config }
}

/**
 * The second half of {@link parseCommandLine}, for a command line already parsed (cli-kit's
 * `runCli` parses it): reads `--servers-file` and secret files and checks what spans settings.
 *
 * @throws {ConfigError}
 * @example
 * const config = await resolveWatchConfig(parsed, { env: process.env })
 */
export async function resolveWatchConfig(
  parsed: ParsedSettings<typeof OPTIONS>,
  inputs: Pick<ConfigInputs, 'env' | 'readText'>,
): Promise<WatchConfig> {
  const read = inputs.readText ?? readTextFile
  const readText = async (path: string) => stripBom(await read(path))
  const { values, given, label, fail } = parsed
  const readSetting = async (key: 'serversFile' | 'adminTokenFile', file: string) => {
    try {
      return await readText(file)
    } catch (cause) {
      const code = (cause as { code?: unknown }).code
      throw fail(
        key,
        `Cannot read ${label(key)} ${file}: ${typeof code === 'string' ? code : errorText(cause)}`,
        cause,
      )
    }
  }

  const endpoint = values.endpoint === undefined ? undefined : new URL(values.endpoint)
  const mock = values.mock === undefined ? undefined : new URL(values.mock)
  const agents = (values.agent ?? []).map((url) => new URL(url))
  let serverIds = [...(values.servers ?? [])]
  if (values.serversFile !== undefined) {
    const content = await readSetting('serversFile', values.serversFile)
    serverIds.push(
      ...content
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#')),
    )
  }
  serverIds = [...new Set(serverIds)]
  if (serverIds.length > 100_000) {
    throw fail('servers', `Too many servers (${serverIds.length}); at most 100,000 can be watched`)
  }
  const discover = serverIds.includes('all')
  if (discover && serverIds.length > 1) {
    throw fail(
      'servers',
      `Invalid ${label('servers')}: \`all\` discovers every server; give it alone, not with ids`,
    )
  }
  for (const key of ['state', 'name'] as const) {
    if (values[key] !== undefined && !discover) {
      throw fail(key, `${label(key)} filters --servers all; give --servers all`)
    }
  }

  if (!endpoint && !mock && agents.length === 0) {
    throw new ConfigError(
      'source',
      'Nothing to watch: give --endpoint URL with --servers (or --servers-file), --mock URL, or --agent URL',
    )
  }
  if (endpoint && serverIds.length === 0) {
    throw fail(
      'servers',
      `${label('endpoint')} needs the servers to poll: --servers a,b,c or --servers-file PATH`,
    )
  }
  const serversKey = given('servers') ? 'servers' : 'serversFile'
  if (!endpoint && given(serversKey)) {
    throw fail(serversKey, `${label(serversKey)} needs --endpoint (the SMS to poll them on)`)
  }

  let adminToken = values.adminToken
  if (values.adminTokenFile !== undefined) {
    if (adminToken !== undefined) {
      throw fail(
        'adminTokenFile',
        `Conflicting ${label('adminToken')} and --admin-token-file: give the admin token one way only`,
      )
    }
    const file = values.adminTokenFile
    adminToken = (await readSetting('adminTokenFile', file)).trim()
    if (adminToken === '') {
      throw fail(
        'adminTokenFile',
        `Invalid --admin-token-file: ${file} is empty; expected the admin token`,
      )
    }
  }
  if (adminToken !== undefined && !mock) {
    throw fail(
      given('adminToken') ? 'adminToken' : 'adminTokenFile',
      'The admin token is for --mock; no --mock was given',
    )
  }

  const config: WatchConfig = {
    agents,
    refreshMs: values.refreshMs,
    json: values.json,
    color: !values.noColor && !(inputs.env.NO_COLOR !== undefined && inputs.env.NO_COLOR !== ''),
    sort: values.sort,
    durationMs: values.durationMs,
  }
  if (mock) config.mock = adminToken === undefined ? { url: mock } : { url: mock, adminToken }
  if (endpoint) {
    config.api = {
      endpoint: endpoint.href,
      serverIds: discover ? [] : serverIds,
      ...(discover
        ? {
            discover: {
              ...(values.state !== undefined ? { state: values.state } : {}),
              ...(values.name !== undefined ? { name: values.name } : {}),
            },
          }
        : {}),
      maxRps: values.maxRps,
      auth: await resolveAuthOptions(parsed, { readTextFile: readText, purpose: 'for --endpoint' }),
      concurrency: values.concurrency,
      intervalMs: values.intervalMs,
      requestTimeoutMs: values.requestTimeoutMs,
    }
  }
  return config
}

/**
 * `sms-watch --help`, generated from its settings table (`OPTIONS`).
 *
 * @example
 * process.stdout.write(helpText())
 */
export function helpText(layout: { columns?: number } = {}): string {
  return generateHelp(
    COMMAND_LINE,
    {
      intro: WATCH_HELP.intro,
      outro: [...WATCH_HELP.outro, '', ...exitCodesHelp(WATCH_EXIT_CODES, WATCH_SIGNALS)],
    },
    layout,
  )
}

/** The signals that end the watch (a closed terminal sends SIGHUP). */
export const WATCH_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** The watch's wording of the shared exit codes, for `--help`. */
export const WATCH_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'done (q, Ctrl-C, SIGTERM or --duration)',
  1: 'unexpected failure',
  2: 'bad options',
}

/** The prose of `sms-watch --help` around the generated option list. */
export const WATCH_HELP = {
  intro: [
    'sms-watch: a live terminal view of the SMS commands of a fleet of source servers.',
    '',
    'Usage:',
    // Each usage line fits 80 columns, so its description column survives a non-terminal's width.
    '  sms-watch --endpoint URL --servers a,b,c [auth]  poll SMS itself',
    '  sms-watch --endpoint URL --servers all [auth]    discover the fleet',
    '  sms-watch --mock URL [--admin-token T]           follow a mock server live',
    "  sms-watch --agent URL [--agent URL …]            follow agents' /events",
    '',
    // One paragraph, one string: the help wraps each line to the terminal's width.
    'Watching is read-only and safe beside running agents: under the delivery model (docs/api.md#delivery-model) a GET of /v3/sources/{id}/command does not consume the command (it stays current until the agent reports its result), and sms-watch never reports results.',
  ],
  outro: [
    'Without a TTY, or with --json, sms-watch prints one NDJSON line per change instead of drawing.',
    'Keys: press ? in the UI for the full list (↑/↓ j/k, PgUp/PgDn, g/G, Enter, /, s, r, p, +/-, q).',
  ],
} as const satisfies HelpText
