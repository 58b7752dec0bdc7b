import {
  type CommandLineSpec,
  ConfigError,
  errorText,
  exitCodesHelp,
  type HelpText,
  helpText,
  list,
  type OptionTable,
  type ParsedSettings,
  packageVersion,
  parseCommandLine,
  path,
  printableConfig,
  readTextFile,
  secretText,
} from '@sms-command/cli-kit'
import * as v from 'valibot'
import type { MockApp } from './app.ts'
import { MockConfigError } from './errors.ts'
import { isLoopbackHost } from './http.ts'
import type { NodeServerOptions } from './node-server.ts'
import { DEMO_CREDENTIALS } from './options.ts'
import {
  AccessKeyIdSchema,
  PasswordSchema,
  parseScenarioText,
  SecretKeySchema,
  TokenValueSchema,
  UserNameSchema,
} from './scenario.ts'
import { MOCK_SETTINGS, type MockSetting, type MockSettingName } from './settings.ts'

/**
 * `NAME:SECRET` split at the first colon, both parts non-empty, each part then checked by the
 * scenario's own schema for it, so a bad value is refused naming the flag (not a scenario path).
 */
const pair = <A extends string, B extends string>(
  first: A,
  second: B,
  expected: string,
  parts: { [K in A | B]: v.GenericSchema<string, string> },
) =>
  v.pipe(
    v.string(expected),
    v.check((value) => value.indexOf(':') > 0 && value.indexOf(':') < value.length - 1, expected),
    v.transform((value) => {
      const index = value.indexOf(':')
      return { [first]: value.slice(0, index), [second]: value.slice(index + 1) } as Record<
        A | B,
        string
      >
    }),
    v.object(parts as Record<A | B, v.GenericSchema<string, string>>),
  )

/** A cli-kit row of a setting of MOCK_SETTINGS: its flag, variable, text schema and help. */
function settingRow<K extends keyof typeof MOCK_SETTINGS>(name: K) {
  const setting = MOCK_SETTINGS[name] as MockSetting & {
    text: NonNullable<MockSetting['text']>
    flag: NonNullable<MockSetting['flag']>
    help: string
  }
  type Text = (typeof MOCK_SETTINGS)[K] extends { text: infer T extends v.GenericSchema }
    ? T
    : never
  type Schema = (typeof MOCK_SETTINGS)[K] extends { cliDefault: string | boolean }
    ? Text
    : v.OptionalSchema<Text, undefined>
  return {
    flag: setting.flag,
    ...(setting.env !== undefined ? { env: setting.env } : {}),
    schema: (setting.cliDefault !== undefined ? setting.text : v.optional(setting.text)) as Schema,
    ...(setting.cliDefault !== undefined ? { default: setting.cliDefault } : {}),
    ...(setting.meta !== undefined ? { meta: setting.meta } : {}),
    ...(setting.secret ? { secret: true } : {}),
    help: setting.help,
  }
}

/** The settings that have a flag. */
type FlaggedSetting = {
  [K in MockSettingName]: (typeof MOCK_SETTINGS)[K] extends { flag: string } ? K : never
}[MockSettingName]

/** The cli-kit rows of every setting that has a flag, in the table's order. */
function settingRows(): { [K in FlaggedSetting]: ReturnType<typeof settingRow<K>> } {
  const rows: Record<string, unknown> = {}
  for (const [name, setting] of Object.entries(MOCK_SETTINGS) as [FlaggedSetting, MockSetting][]) {
    if (setting.flag !== undefined) rows[name] = settingRow(name)
  }
  return rows as { [K in FlaggedSetting]: ReturnType<typeof settingRow<K>> }
}

/**
 * Every option of `sms-mock`, in `--help` order (cli-kit rows: flag, variable, schema, help): the
 * rows of MOCK_SETTINGS that have a flag, and the credentials and scenario file.
 */
export const OPTIONS = {
  ...settingRows(),
  scenario: {
    flag: '--scenario',
    schema: v.optional(path({ meta: 'FILE' })),
    help: 'JSON scenario: accounts, users, tokens, AK/SK, servers, commands, faults',
  },
  token: {
    flag: '--token',
    schema: v.optional(
      list(v.pipe(secretText({ meta: 'VALUE' }), TokenValueSchema), { separator: null }),
    ),
    secret: true,
    as: 'tokens',
    help: 'static token of account "demo"',
  },
  user: {
    flag: '--user',
    schema: v.optional(
      list(
        pair('name', 'password', 'expected NAME:PASSWORD', {
          name: UserNameSchema,
          password: PasswordSchema,
        }),
        {
          separator: null,
          meta: 'NAME:PASSWORD',
        },
      ),
    ),
    secret: true,
    as: 'users',
    help: 'IAM user of account "demo"',
  },
  aksk: {
    flag: '--aksk',
    schema: v.optional(
      list(pair('ak', 'sk', 'expected AK:SK', { ak: AccessKeyIdSchema, sk: SecretKeySchema }), {
        separator: null,
        meta: 'AK:SK',
      }),
    ),
    secret: true,
    as: 'accessKeys',
    help: 'access key pair of account "demo"',
  },
} as const satisfies OptionTable

/** The command line of `sms-mock`. */
export const COMMAND_LINE: CommandLineSpec<typeof OPTIONS> = {
  program: 'sms-mock',
  options: OPTIONS,
  version: true,
}

/**
 * The version in package.json, read at run time (`src/cli.ts` and `dist/cli.js` are both one
 * level below it).
 *
 * @example
 * mockVersion() // '0.1.0'
 */
export function mockVersion(): string {
  return packageVersion(new URL('../package.json', import.meta.url))
}

/** The prose of `sms-mock --help` around the generated option list. */
export const MOCK_HELP = {
  intro: [
    'Usage: sms-mock [options]',
    '',
    'A stateful, fault-injecting mock of the Huawei Cloud SMS command channel.',
  ],
  outro: [
    'With no --token, --user, --aksk or scenario credentials, demo credentials are added and printed.',
  ],
} as const satisfies HelpText

/** The mock's wording of the shared exit codes, for `--help`. */
export const MOCK_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'stopped by SIGINT/SIGTERM',
  1: 'the server failed to close, or an unexpected failure',
  2: 'bad options, a refused address or a port in use',
}

/** `sms-mock --help`. */
export const USAGE = helpText(COMMAND_LINE, {
  ...MOCK_HELP,
  outro: [...MOCK_HELP.outro, '', ...exitCodesHelp(MOCK_EXIT_CODES)],
})

/** What the command line asks for; `printed` is set for `--print-config`. */
export type CliCommand =
  | { help: true; version?: undefined }
  | { help: true; version: string }
  | { help: false; options: NodeServerOptions; printed?: Record<string, unknown> }

/**
 * Parses `sms-mock`'s arguments (and `SMS_MOCK_ADMIN_TOKEN`) into server options, reading the
 * scenario file.
 *
 * @throws {ConfigError} naming the flag, for an unknown or repeated flag or a bad value.
 * @example
 * await parseCli(['--port', '0', '--token', 't0k3n'], {}) // { help: false, options: { port: 0, tokens: ['t0k3n'], … } }
 */
export async function parseCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<CliCommand> {
  const parsed = await parseCommandLine(COMMAND_LINE, { args: argv, env })
  if (parsed.action === 'version') return { help: true, version: mockVersion() }
  if (parsed.action === 'help') return { help: true }
  const options = await resolveCliOptions(parsed)
  if (parsed.action === 'print-config') {
    return { help: false, options, printed: printableConfig(COMMAND_LINE, parsed) }
  }
  return { help: false, options }
}

/**
 * The server options of a parsed `sms-mock` command line (cli-kit's `runCli` parses it): the
 * loopback check and the scenario file.
 *
 * @throws {ConfigError} naming the flag.
 * @example
 * const options = await resolveCliOptions(parsed) // { port: 0, tokens: ['t0k3n'], … }
 */
export async function resolveCliOptions(
  parsed: ParsedSettings<typeof OPTIONS>,
): Promise<NodeServerOptions> {
  const { scenario, autoRegister, ...values } = parsed.values
  const options: NodeServerOptions = Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  )
  if (autoRegister) options.autoRegister = true
  if (!isLoopbackHost(values.host) && values.adminToken === undefined) {
    throw parsed.fail(
      'host',
      `Invalid ${parsed.label('host')}: ${values.host} is not a loopback address, so the admin API (reset, faults, journal) would be open to the network; pass --admin-token (or SMS_MOCK_ADMIN_TOKEN)`,
    )
  }
  if (scenario !== undefined) {
    let text: string
    try {
      text = await readTextFile(scenario)
    } catch (cause) {
      throw new ConfigError(
        '--scenario',
        `Cannot read --scenario ${scenario}: ${errorText(cause)}`,
        {
          cause,
        },
      )
    }
    try {
      options.scenario = parseScenarioText(text, `scenario ${scenario}`)
    } catch (cause) {
      if (!(cause instanceof MockConfigError)) throw cause
      throw new ConfigError('--scenario', `Invalid --scenario: ${cause.message}`, { cause })
    }
  }
  return options
}

/**
 * The lines `sms-mock` prints at start; the first is exactly `sms-mock listening on URL`.
 * Secrets given on the command line are never printed, only counted; the public demo
 * credentials are printed in full.
 */
export function startupLines(
  running: { url: string; app: MockApp },
  options: NodeServerOptions,
): string[] {
  const { settings } = running.app.mock
  const lines = [`sms-mock listening on ${running.url}`]
  const demo = settings.scenario.tokens?.some(
    (t) => (typeof t === 'string' ? t : t.token) === DEMO_CREDENTIALS.token,
  )
  if (demo) {
    lines.push(
      `demo account "${DEMO_CREDENTIALS.account}" (public demo credentials, for trying the mock only):`,
      `  token      X-Auth-Token: ${DEMO_CREDENTIALS.token}`,
      `  IAM user   ${DEMO_CREDENTIALS.user} / ${DEMO_CREDENTIALS.password} (domain ${DEMO_CREDENTIALS.account}) via POST ${running.url}/v3/auth/tokens`,
      `  AK/SK      ${DEMO_CREDENTIALS.ak} / ${DEMO_CREDENTIALS.sk}`,
      `  server     ${DEMO_CREDENTIALS.server}`,
    )
  }
  // Every credential the mock accepts, wherever it came from (flags, environment, scenario), with
  // the demo's own left out when they are listed above.
  const scenario = settings.scenario
  const demoToken = demo ? 1 : 0
  const demoUser = scenario.users?.some((u) => u.name === DEMO_CREDENTIALS.user) && demo ? 1 : 0
  const demoKey = scenario.accessKeys?.some((k) => k.ak === DEMO_CREDENTIALS.ak) && demo ? 1 : 0
  const tokens = (scenario.tokens?.length ?? 0) - demoToken
  const users = (scenario.users?.length ?? 0) - demoUser
  const keys = (scenario.accessKeys?.length ?? 0) - demoKey
  if (!demo || tokens + users + keys > 0) {
    lines.push(
      `credentials${demo ? ' besides the demo' : ''}: ${tokens} token(s), ${users} user(s), ${keys} AK/SK pair(s) (flags, environment and scenario)`,
    )
  }
  lines.push(
    `servers: ${settings.scenario.servers?.length ?? 0}, delivery ${settings.delivery}, idle ${settings.idle}, seed ${settings.seed}`,
    `admin API: ${running.url}/_mock (${options.adminToken ? 'Bearer token required' : 'open, loopback only'}); OpenAPI: ${running.url}/openapi.json`,
  )
  return lines
}
