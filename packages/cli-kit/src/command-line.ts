/**
 * The option engine: one declarative table per CLI drives parsing (`node:util` `parseArgs`),
 * precedence (flag > environment > config file > default), validation (valibot) and the error
 * messages. `--help` and `--print-config` come from the same table (`help.ts`).
 *
 * @module
 */

import { dirname, resolve } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'
import { describeValue } from '@sms-command/core'
import * as v from 'valibot'
import { ConfigError } from './config-error.ts'
import { readTextFile as defaultReadTextFile, stripBom } from './read-text-file.ts'
import { type OptionHint, type OptionSchema, optionHint } from './schemas.ts'

/** One setting of a CLI: where it can come from, how it is checked, how `--help` shows it. */
export interface OptionRow {
  /** Long flag. Absent for a secret, which argv would show to every user of the machine. */
  readonly flag?: `--${string}`
  /** Environment variable. */
  readonly env?: string
  /**
   * Other programs' variables for the same setting (Huawei's SDKs read `HUAWEICLOUD_SDK_AK`),
   * read in order when `env` is unset; a message names the one the value came from.
   */
  readonly envFallbacks?: readonly string[]
  /** Checks and converts the text (or config file value); see `schemas.ts`. */
  readonly schema: OptionSchema
  /** Written as a user would write it (`'10s'`, `false`); goes through the schema too. */
  readonly default?: string | boolean
  /** A secret: `--print-config` shows `[redacted]`, errors describe it without its value. */
  readonly secret?: boolean
  /** Placeholder in `--help` when the schema's own (`DURATION`, `URL`…) doesn't fit. */
  readonly meta?: string
  /** Heading the row is listed under in `--help`. */
  readonly group?: string
  readonly help: string
  /** Name of the value in the parsed result when it differs from the key (`intervalMs`). */
  readonly as?: string
  /** False: not a config file key (default: the row's key is one, when the CLI has a file). */
  readonly configKey?: boolean
}

/** A CLI's options by key; the key is also the config file key. Order is `--help` order. */
export type OptionTable = Readonly<Record<string, OptionRow>>

/**
 * The parsed values of a table, named by each row's `as` (or its key), typed by its schema.
 *
 * @example
 * type Values = OptionValues<typeof OPTIONS> // { intervalMs: number; once: boolean; … }
 */
export type OptionValues<T extends OptionTable> = {
  -readonly [K in keyof T as T[K] extends { readonly as: infer A extends string }
    ? A
    : K]: v.InferOutput<T[K]['schema']>
}

/** Where a setting's value came from. */
export interface SettingSource {
  kind: 'flag' | 'env' | 'file' | 'default'
  /** `--interval`, `SMS_INTERVAL`, `/etc/sms-agent.json` or `default`. */
  name: string
}

/** A CLI's command line: its table and the built-in flags it has. */
export interface CommandLineSpec<T extends OptionTable> {
  /** `sms-agent`: used in messages. */
  program: string
  options: T
  /** Flags refused on purpose (secrets), each with the safer way to pass the value. */
  refusedFlags?: Readonly<Record<string, string>>
  /** `--version` / `-V`. */
  version?: boolean
  /** A JSON config file whose keys are the table's keys, named by this flag and variable. */
  configFile?: { flag: `--${string}`; env?: string }
}

/** What a CLI reads its settings from; injected so tests need no real process. */
export interface CommandLineInputs {
  args: readonly string[]
  env: ((name: string) => string | undefined) | Readonly<Record<string, string | undefined>>
  /** Relative paths from flags and variables are resolved against it (default: `process.cwd()`). */
  cwd?: string
  /** Reads the config file (default: `node:fs/promises`). */
  readTextFile?: (path: string) => Promise<string>
}

/** The settings of one run: values, their sources, and how to name each in a message. */
export interface ParsedSettings<T extends OptionTable> {
  action: 'run' | 'print-config'
  values: OptionValues<T>
  /** By key; absent for a setting that is unset and has no default. */
  sources: Partial<Record<keyof T & string, SettingSource>>
  /** Whether a flag, variable or config file set it (a default doesn't count). */
  given(key: keyof T & string): boolean
  /** The setting as a message names it: `--interval (from SMS_INTERVAL)`. */
  label(key: keyof T & string): string
  /** A {@link ConfigError} about a setting: `fail('backoffMax', 'Invalid {label}: …')`. */
  fail(key: keyof T & string, message: string, cause?: unknown): ConfigError
}

/** The outcome of {@link parseCommandLine}. */
export type ParsedCommandLine<T extends OptionTable> =
  | { action: 'help' }
  | { action: 'version' }
  | ParsedSettings<T>

interface Given {
  value: unknown
  source: SettingSource
  baseDir: string
}

/**
 * Reads a CLI's settings from argv, the environment and its config file, in that precedence, and
 * checks each with its row's schema. `--help` and `--version` win over everything else. Every
 * mistake (unknown, repeated or refused flag, missing value, positional argument, bad value,
 * unknown config key) throws the same kind of {@link ConfigError} in every CLI.
 *
 * @throws {ConfigError}
 * @example
 * const parsed = await parseCommandLine(SPEC, { args: process.argv.slice(2), env: process.env })
 * if (parsed.action === 'run') start(parsed.values)
 */
export async function parseCommandLine<T extends OptionTable>(
  spec: CommandLineSpec<T>,
  inputs: CommandLineInputs,
): Promise<ParsedCommandLine<T>> {
  const rows = Object.entries(spec.options) as [keyof T & string, OptionRow][]
  const source = inputs.env
  const env = typeof source === 'function' ? source : (name: string) => source[name]
  const cwd = inputs.cwd ?? process.cwd()
  const argv = readArgv(spec, rows, inputs.args)
  if (argv.action === 'help' || argv.action === 'version') return { action: argv.action }

  const given = new Map<string, Given>()
  // Lowest precedence first; later sources overwrite.
  const configPath =
    argv.configPath ?? (spec.configFile?.env ? nonEmpty(env(spec.configFile.env)) : undefined)
  if (spec.configFile && configPath !== undefined) {
    const file = resolve(cwd, configPath)
    const data = await readConfigFile(spec.configFile.flag, file, inputs.readTextFile)
    for (const [key, value] of Object.entries(data)) {
      const row = spec.options[key]
      if (!row || row.configKey === false) {
        throw new ConfigError(
          key,
          `Unknown setting ${JSON.stringify(key)} in config file ${file}: the keys are listed in --help`,
        )
      }
      given.set(key, { value, source: { kind: 'file', name: file }, baseDir: dirname(file) })
    }
  }
  for (const [key, row] of rows) {
    for (const name of rowVariables(row)) {
      const value = nonEmpty(env(name))
      if (value === undefined) continue
      given.set(key, { value, source: { kind: 'env', name }, baseDir: cwd })
      break
    }
  }
  for (const [key, value] of argv.flags) {
    const flag = spec.options[key]?.flag ?? key
    given.set(key, { value, source: { kind: 'flag', name: flag }, baseDir: cwd })
  }

  const sources: Partial<Record<string, SettingSource>> = {}
  const label = (key: string) => settingLabel(key, spec.options[key], sources[key])
  const values: Record<string, unknown> = {}
  // What the user wrote is checked before what is missing, so a typo is named first.
  const ordered = [...rows].sort(([a], [b]) => Number(!given.has(a)) - Number(!given.has(b)))
  for (const [key, row] of ordered) {
    const from: Given | undefined =
      given.get(key) ??
      (row.default === undefined
        ? undefined
        : { value: row.default, source: { kind: 'default', name: 'default' }, baseDir: cwd })
    if (from) sources[key] = from.source
    const hints = optionHint(row.schema)
    const input = hints.path && from ? resolvePath(from.value, from.baseDir) : from?.value
    const result = v.safeParse(row.schema, input, { abortEarly: true })
    if (!result.success) {
      const issue = result.issues[0]
      const shown = issue.path && issue.path.length > 0 ? issue.input : from?.value
      const received = row.secret || shown === undefined ? describeValue(shown) : quote(shown, 200)
      throw new ConfigError(
        settingName(key, row),
        `Invalid ${label(key)}: ${issue.message}, received ${received}`,
      )
    }
    values[row.as ?? key] = result.output
  }
  return {
    action: argv.action,
    // In table order, for --print-config.
    values: Object.fromEntries(
      rows.map(([key, row]) => [row.as ?? key, values[row.as ?? key]]),
    ) as OptionValues<T>,
    sources,
    given: (key) => given.has(key),
    label,
    fail: (key, message, cause) =>
      new ConfigError(
        settingName(key, spec.options[key] as OptionRow),
        message,
        cause === undefined ? undefined : { cause },
      ),
  }
}

/** The name that stands for a setting: its flag, else its variable, else its key. */
export function settingName(key: string, row: OptionRow | undefined): string {
  return row?.flag ?? row?.env ?? key
}

function settingLabel(key: string, row: OptionRow | undefined, source?: SettingSource): string {
  const name = settingName(key, row)
  if (!source || source.kind === 'default' || source.kind === 'flag') return name
  if (source.kind === 'env') return source.name === name ? name : `${name} (from ${source.name})`
  return `${name} (from ${source.name}, key ${JSON.stringify(key)})`
}

interface ArgvResult {
  action: 'run' | 'print-config' | 'help' | 'version'
  flags: Map<string, unknown>
  configPath: string | undefined
}

function readArgv(
  spec: CommandLineSpec<OptionTable>,
  rows: readonly [string, OptionRow][],
  args: readonly string[],
): ArgvResult {
  const byFlag = new Map<string, { key: string; row: OptionRow; hints: OptionHint }>()
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    'print-config': { type: 'boolean' },
  }
  if (spec.version) options.version = { type: 'boolean', short: 'V' }
  if (spec.configFile) options[spec.configFile.flag.slice(2)] = { type: 'string' }
  const envs = new Set<string>()
  for (const [key, row] of rows) {
    // A table merged from several branches must not give two settings one name.
    for (const name of rowVariables(row)) {
      if (envs.has(name)) throw new TypeError(`${spec.program}: ${name} is used twice`)
      envs.add(name)
    }
    if (!row.flag) continue
    if (options[row.flag.slice(2)])
      throw new TypeError(`${spec.program}: ${row.flag} is used twice`)
    const hints = optionHint(row.schema)
    byFlag.set(row.flag, { key, row, hints })
    options[row.flag.slice(2)] = { type: hints.argv === 'boolean' ? 'boolean' : 'string' }
  }
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const end = tokens.findIndex((token) => token.kind === 'option-terminator')
  const before = end === -1 ? tokens : tokens.slice(0, end)
  const named = (name: string) => before.some((t) => t.kind === 'option' && t.name === name)
  const result: ArgvResult = { action: 'run', flags: new Map(), configPath: undefined }
  if (named('help')) return { ...result, action: 'help' }
  if (spec.version && named('version')) return { ...result, action: 'version' }

  const seen = new Set<string>()
  const once = (flag: string, isSwitch: boolean) => {
    if (seen.has(flag)) {
      // A switch takes no value at all: "it takes one value" would send the user looking for one.
      const why = isSwitch ? 'it is an on/off switch' : 'it takes one value'
      throw new ConfigError(flag, `Repeated flag ${flag}: expected it once (${why})`)
    }
    seen.add(flag)
  }
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue
    if (token.kind === 'positional') {
      throw new ConfigError(
        token.value,
        `Unexpected argument ${quote(token.value, 100)}: every option is a --flag (see --help)`,
      )
    }
    const flag = token.rawName
    const refused = spec.refusedFlags?.[flag]
    if (refused) {
      // The value is never echoed: it may already be a leaked secret.
      throw new ConfigError(
        flag,
        `${flag} is not accepted on the command line, where every user of the machine can read it: use ${refused}`,
      )
    }
    const missing = (expected: string) => {
      if (token.value === undefined || (!token.inlineValue && /^--./.test(token.value))) {
        throw new ConfigError(flag, `Missing value for ${flag}: expected ${expected}`)
      }
      return token.value
    }
    if (token.name === 'print-config') {
      once(flag, true)
      result.action = 'print-config'
      continue
    }
    if (spec.configFile && flag === spec.configFile.flag) {
      once(flag, false)
      result.configPath = missing('PATH')
      continue
    }
    const negated = flag.startsWith('--no-') ? byFlag.get(`--${flag.slice(5)}`) : undefined
    const option = byFlag.get(flag) ?? (negated?.hints.argv === 'boolean' ? negated : undefined)
    if (!option) {
      const hint = closestFlag(flag, [
        ...byFlag.keys(),
        ...Object.keys(options).map((o) => `--${o}`),
      ])
      throw new ConfigError(
        flag,
        `Unknown flag ${flag}: ${hint ? `did you mean ${hint}? ` : ''}see --help`,
      )
    }
    const { key, row, hints } = option
    if (hints.argv === 'list') {
      const list = (result.flags.get(key) as string[] | undefined) ?? []
      list.push(missing(row.meta ?? hints.meta ?? 'VALUE'))
      result.flags.set(key, list)
      continue
    }
    once(row.flag as string, hints.argv === 'boolean')
    if (hints.argv === 'boolean') {
      if (option === negated && token.value !== undefined) {
        throw new ConfigError(
          flag,
          `Invalid ${flag}: expected no value, received ${quote(token.value, 100)}`,
        )
      }
      result.flags.set(key, option === negated ? false : (token.value ?? true))
      continue
    }
    result.flags.set(key, missing(row.meta ?? hints.meta ?? 'VALUE'))
  }
  return result
}

async function readConfigFile(
  flag: string,
  file: string,
  readTextFile: ((path: string) => Promise<string>) | undefined,
): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = stripBom(await (readTextFile ?? defaultReadTextFile)(file))
  } catch (cause) {
    throw new ConfigError(flag, `Cannot read config file ${file}: ${errorText(cause)}`, { cause })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (cause) {
    throw new ConfigError(flag, `Config file ${file} is not valid JSON: ${errorText(cause)}`, {
      cause,
    })
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(flag, `Config file ${file} must hold a JSON object`)
  }
  return data as Record<string, unknown>
}

function resolvePath(value: unknown, baseDir: string): unknown {
  return typeof value === 'string' && value !== '' ? resolve(baseDir, value) : value
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function quote(value: unknown, max: number): string {
  const json = JSON.stringify(value) ?? String(value)
  return json.length > max ? `${json.slice(0, max)}…` : json
}

/**
 * The message of a caught error, with its `code` (`ENOENT: …`) when it has one.
 *
 * @example
 * errorText(Object.assign(new Error('no such file'), { code: 'ENOENT' })) // 'ENOENT: no such file'
 */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' && !error.message.startsWith(code)
      ? `${code}: ${error.message}`
      : error.message
  }
  return String(error)
}

/** The known flag a typo most likely meant: at most two edits away, or a unique prefix. */
function closestFlag(flag: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of known) {
    const distance = editDistance(flag, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  if (best) return best
  const prefixed = known.filter((candidate) => candidate.startsWith(flag) && flag.length > 3)
  return prefixed.length === 1 ? prefixed[0] : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      )
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * Every environment variable a table reads (each row's `env` and `envFallbacks`), for handing a
 * child process the environment without this program's settings: a handler the agent starts
 * must not see the credentials the agent was started with, whichever variable carried them
 * (`SMS_SK`, or Huawei's SDK variable `HUAWEICLOUD_SDK_SK`).
 *
 * @example
 * settingVariables({ sk: { env: 'SMS_SK', envFallbacks: ['HUAWEICLOUD_SDK_SK'], schema, help } })
 * // ['SMS_SK', 'HUAWEICLOUD_SDK_SK']
 */
export function settingVariables(table: OptionTable): string[] {
  return Object.values(table).flatMap(rowVariables)
}

/** A row's variables in the order they are read: its own, then other programs' fallbacks. */
function rowVariables(row: OptionRow): string[] {
  return row.env === undefined
    ? [...(row.envFallbacks ?? [])]
    : [row.env, ...(row.envFallbacks ?? [])]
}
