import type {
  CommandLineSpec,
  OptionRow,
  OptionTable,
  ParsedSettings,
  SettingSource,
} from './command-line.ts'
import { optionHint } from './schemas.ts'

/** The prose around the generated option list. */
export interface HelpText {
  /** Lines before the options: usage and what the program does. */
  intro: readonly string[]
  /** Lines after the options: exit codes, notes. */
  outro?: readonly string[]
}

/**
 * `--help`, generated from the table: the built-in flags, then every row under its group with its
 * placeholder, help, allowed values, variable, config key and default. A secret without a flag is
 * listed by its variable; no value is ever shown, only defaults.
 *
 * @example
 * stdout.write(helpText(SPEC, { intro: ['Usage: sms-agent [options]'] }))
 */
export function helpText<T extends OptionTable>(spec: CommandLineSpec<T>, text: HelpText): string {
  const lines = [...text.intro, '', 'Options:']
  const line = (name: string, help: string) => lines.push(`  ${name.padEnd(28)} ${help}`)
  if (spec.configFile) {
    const env = spec.configFile.env ? ` [env ${spec.configFile.env}]` : ''
    line(
      `${spec.configFile.flag} PATH`,
      `JSON config file; its keys are the "key" names below${env}`,
    )
  }
  line('--print-config', 'print the merged settings (secrets redacted) and exit')
  line('--help, -h', 'show this help')
  if (spec.version) line('--version, -V', 'show the version')
  let group: string | undefined
  for (const [key, row] of Object.entries(spec.options) as [string, OptionRow][]) {
    if (row.group !== undefined && row.group !== group) {
      group = row.group
      lines.push('', `${group}:`)
    }
    const hints = optionHint(row.schema)
    const name = row.flag
      ? `${row.flag}${hints.argv === 'boolean' ? '' : ` ${row.meta ?? hints.meta ?? 'VALUE'}`}`
      : `(${row.env ?? key})`
    const extras = [
      row.flag && row.env ? `env ${row.env}` : undefined,
      spec.configFile && row.configKey !== false ? `key ${key}` : undefined,
      row.default !== undefined && row.default !== false ? `default ${row.default}` : undefined,
      hints.argv === 'list' ? 'repeatable' : undefined,
    ].filter((extra) => extra !== undefined)
    line(name, `${row.help}${extras.length > 0 ? ` [${extras.join(', ')}]` : ''}`)
  }
  const rows = Object.values(spec.options) as OptionRow[]
  const order = [
    'flags',
    rows.some((row) => row.env) ? 'environment variables' : undefined,
    spec.configFile ? 'the config file' : undefined,
    'defaults',
  ].filter((source) => source !== undefined)
  lines.push('', `Precedence: ${order.join(' > ')}.`)
  if (rows.some((row) => optionHint(row.schema).argv === 'boolean')) {
    lines.push('A switch also takes --no-FLAG and --FLAG=true|false.')
  }
  if (rows.some((row) => optionHint(row.schema).meta === 'DURATION')) {
    lines.push('Durations are written with a unit: 500ms, 10s, 5m, 1h, 1m30s.')
  }
  if (text.outro) lines.push('', ...text.outro)
  lines.push('')
  return lines.join('\n')
}

/**
 * What `--print-config` prints: every setting that has a value, secrets as `"[redacted]"`, and
 * where each came from (`"env SMS_INTERVAL"`).
 *
 * @example
 * stdout.write(`${JSON.stringify(printableConfig(SPEC, parsed), null, 2)}\n`)
 */
export function printableConfig<T extends OptionTable>(
  spec: CommandLineSpec<T>,
  parsed: Pick<ParsedSettings<T>, 'values' | 'sources'>,
): Record<string, unknown> {
  const values = parsed.values as Record<string, unknown>
  const printed: Record<string, unknown> = {}
  const sources: Record<string, string> = {}
  for (const [key, row] of Object.entries(spec.options) as [string, OptionRow][]) {
    const value = values[row.as ?? key]
    if (value === undefined) continue
    printed[row.as ?? key] = row.secret ? '[redacted]' : value
    const source = (parsed.sources as Record<string, SettingSource | undefined>)[key]
    if (source) sources[key] = describeSettingSource(source)
  }
  return { ...printed, sources }
}

/**
 * Where a setting came from, as `--print-config` shows it: `flag --interval`, `env SMS_INTERVAL`,
 * `file /etc/sms-agent.json` or `default`.
 *
 * @example
 * describeSettingSource({ kind: 'default', name: 'default' }) // 'default'
 */
export function describeSettingSource(source: SettingSource): string {
  return source.kind === 'default' ? 'default' : `${source.kind} ${source.name}`
}
