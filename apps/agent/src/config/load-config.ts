import { stat } from 'node:fs/promises'
import {
  AUTH_SETTINGS,
  authSecrets,
  ConfigError,
  describeSettingSource,
  errorText,
  type OptionValues,
  type ParsedSettings,
  parseCommandLine,
  REDACTED,
  readTextFile,
  resolveAuthOptions,
  type SettingSource,
} from '@sms-command/cli-kit'
import type { AuthConfig } from '@sms-command/core'
import {
  isWindows,
  isWindowsHandlerPath,
  readableEnvironment,
  windowsStateDir,
} from '../platform/windows.ts'
import { COMMAND_LINE, type OPTIONS } from './options.ts'

/** Credentials, resolved (core's `AuthConfig`). Secret fields are kept out of `toJSON` by {@link printableConfig}. */
export type { AuthConfig }
/** A setting could not be used (cli-kit's, shared by every CLI). Exit code 2: nothing has been sent yet. */
export { ConfigError, type SettingSource }

/** Executables per command; `default` serves every known command without its own. */
export interface HandlerPaths {
  default?: string
  START?: string
  STOP?: string
  DELETE?: string
  SYNC?: string
}

/** Every setting of the agent's table (`OPTIONS`), as parsed and validated. */
export type Settings = OptionValues<typeof OPTIONS>
/** The credential settings (token, IAM, AK/SK), which the config turns into one `auth`. */
export type CredentialKey = keyof typeof AUTH_SETTINGS
/** The handler settings (`handler`, `onStart`, …), which the config gathers into `handlers`. */
export type HandlerKey = 'handler' | 'onStart' | 'onStop' | 'onDelete' | 'onSync'

const HANDLER_KEYS = [
  ['handler', 'default'],
  ['onStart', 'START'],
  ['onStop', 'STOP'],
  ['onDelete', 'DELETE'],
  ['onSync', 'SYNC'],
] as const satisfies readonly (readonly [HandlerKey, string])[]

/** Rows that reach `AgentConfig` through `auth` and `handlers` rather than as themselves. */
const RESOLVED_ELSEWHERE: ReadonlySet<string> = new Set([
  ...Object.keys(AUTH_SETTINGS),
  ...HANDLER_KEYS.map(([key]) => key),
])

/**
 * The agent's settings once merged, validated and resolved: every row of `OPTIONS` (durations in
 * ms, named by the row's `as`), with the credential rows resolved into `auth` and the handler rows
 * into `handlers`.
 */
export type AgentConfig = Omit<Settings, CredentialKey | HandlerKey | 'firstPollJitterMs'> & {
  auth: AuthConfig
  handlers: HandlerPaths
  firstPollJitterMs: number
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

/**
 * Reads the agent's settings from flags, environment variables and a JSON config file, in that
 * precedence (cli-kit's engine over {@link OPTIONS}), checks what spans settings and resolves
 * credentials (reading secret files). Any bad value throws a {@link ConfigError} naming the
 * setting and where it came from; no message ever contains a secret's value.
 *
 * @throws {ConfigError}
 * @example
 * const loaded = await loadConfig({ args: process.argv.slice(2), env: (n) => process.env[n], cwd })
 * if (loaded.action === 'run') startAgent(loaded.config)
 */
export async function loadConfig(inputs: ConfigInputs): Promise<LoadedConfig> {
  const readText = inputs.readTextFile ?? readTextFile
  const parsed = await parseCommandLine(COMMAND_LINE, { ...inputs, readTextFile: readText })
  if (parsed.action === 'help' || parsed.action === 'version') return { action: parsed.action }
  return { action: parsed.action, ...(await resolveAgentConfig(parsed, inputs)) }
}

/** The agent's settings resolved from its parsed command line, and the secrets to redact. */
export interface ResolvedAgentConfig {
  config: AgentConfig
  secrets: readonly string[]
}

/**
 * The second half of {@link loadConfig}, for a command line already parsed (cli-kit's `runCli`
 * parses it): checks what spans settings, resolves credentials (reading secret files) and checks
 * the handlers. A mistake is a {@link ConfigError} naming the setting and its source.
 *
 * @throws {ConfigError}
 * @example
 * const { config } = await resolveAgentConfig(parsed, {})
 */
export async function resolveAgentConfig(
  parsed: ParsedSettings<typeof OPTIONS>,
  inputs: Pick<ConfigInputs, 'readTextFile' | 'checkExecutable'>,
): Promise<ResolvedAgentConfig> {
  const readText = inputs.readTextFile ?? readTextFile
  const checkExecutable = inputs.checkExecutable ?? checkExecutableFile
  const { label, fail } = parsed
  // Windows has a machine-wide place for it: %ProgramData%\sms-agent (C:\ProgramData\sms-agent).
  const settings =
    isWindows() && parsed.values.stateDir === undefined && parsed.values.dryRun !== true
      ? { ...parsed.values, stateDir: windowsStateDir(readableEnvironment()) }
      : parsed.values

  if (settings.dryRun !== true && settings.stateDir === undefined) {
    throw fail(
      'stateDir',
      'Missing --state-dir (or SMS_STATE_DIR): the agent journals every command there so none runs twice',
    )
  }
  if (settings.backoffMaxMs < settings.backoffBaseMs) {
    throw fail(
      'backoffMax',
      `Invalid ${label('backoffMax')}: must not be shorter than --backoff-base`,
    )
  }
  const auth = await resolveAuthOptions(parsed, { readTextFile: readText })
  const handlers: HandlerPaths = {}
  for (const [key, name] of HANDLER_KEYS) {
    const path = settings[key]
    if (path === undefined) continue
    try {
      await checkExecutable(path)
    } catch (cause) {
      // Deno without read access: its permission check names the grant that is missing.
      if (!(cause instanceof Error && cause.name === 'NotCapable')) {
        throw fail(
          key,
          `Invalid ${label(key)}: ${path} is not an executable file (${errorText(cause)})`,
          cause,
        )
      }
    }
    handlers[name] = path
  }

  const rest = Object.fromEntries(
    Object.entries(settings).filter(([key]) => !RESOLVED_ELSEWHERE.has(key)),
  ) as Omit<Settings, CredentialKey | HandlerKey>
  const config: AgentConfig = {
    ...rest,
    auth,
    handlers,
    firstPollJitterMs: settings.firstPollJitterMs ?? settings.intervalMs,
    sources: parsed.sources as Record<string, SettingSource>,
  }
  return { config, secrets: authSecrets(auth) }
}

/**
 * The config as printed by `--print-config`: every secret replaced by `"[redacted]"`, with the
 * source of each setting.
 *
 * @example
 * platform.stdout(`${JSON.stringify(printableConfig(config), null, 2)}\n`)
 */
export function printableConfig(config: AgentConfig): Record<string, unknown> {
  const auth: Record<string, unknown> = { ...config.auth }
  for (const field of ['token', 'sk', 'password', 'securityToken']) {
    if (field in auth) auth[field] = REDACTED
  }
  const { sources, ...rest } = config
  return {
    ...rest,
    auth,
    sources: Object.fromEntries(
      Object.entries(sources).map(([key, source]) => [key, describeSettingSource(source)]),
    ),
  }
}

/**
 * Whether `path` is a regular file with an execute bit (the start-up check of every handler).
 *
 * @example
 * await checkExecutableFile('/usr/local/bin/on-start') // throws 'no execute permission' for 0644
 */
export async function checkExecutableFile(path: string): Promise<void> {
  const info = await stat(path)
  if (!info.isFile()) throw new Error('not a regular file')
  // Windows reports every file as 0666: what runs is told by the extension.
  if (isWindows()) {
    if (!isWindowsHandlerPath(path)) throw new Error('not a .exe, .com, .cmd, .bat or .ps1 file')
    return
  }
  // Mode bits rather than access(X_OK): Deno's access() needs --allow-sys=uid,gid. Whether this
  // user may run it shows at spawn time (reported as spawn-failed).
  if ((info.mode & 0o111) === 0) throw new Error('no execute permission')
}
