import process from 'node:process'
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

/** Options of {@link helpText}. */
export interface HelpLayout {
  /** The width to wrap to (default: {@link terminalColumns}). */
  columns?: number
}

/** Joins words `wrapText` must keep on one line; a space again once wrapped. */
const KEEP_TOGETHER = '\u00a0'
const unkeep = (text: string) => text.replaceAll(KEEP_TOGETHER, ' ')

/** Where an option's help starts: two spaces, a 28-column name, one space. */
const NAME_WIDTH = 28
const HELP_COLUMN = NAME_WIDTH + 3
/** Below this many columns beside the names, each option's help goes under its name instead. */
const MIN_HELP_WIDTH = 24
/** The narrowest layout wrapped to; a narrower terminal gets long lines rather than one word a line. */
const MIN_COLUMNS = 40

/**
 * The width `--help` wraps to: the terminal's (`process.stdout.columns`), or 80 when stdout is not
 * a terminal (a pipe, a file, a CI log), as `man` and `git` do.
 *
 * @example
 * helpText(SPEC, text, { columns: terminalColumns() })
 */
export function terminalColumns(stdout: { columns?: number | undefined } = process.stdout): number {
  const columns = stdout.columns
  return typeof columns === 'number' && Number.isFinite(columns) && columns > 0 ? columns : 80
}

/**
 * `text` broken at spaces into lines of at most `width` characters (`restWidth` after the first
 * line). A word longer than a line (a URL, a path) is kept whole rather than cut.
 *
 * @example
 * wrapText('one two three', 7) // ['one two', 'three']
 */
export function wrapText(text: string, width: number, restWidth = width): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ').filter((word) => word !== '')) {
    const limit = lines.length === 0 ? width : restWidth
    if (line === '') line = word
    else if (line.length + 1 + word.length > limit) {
      lines.push(line)
      line = word
    } else line += ` ${word}`
  }
  lines.push(line)
  return lines
}

/** A prose line wrapped to `columns`; continuation lines hang under its description column. */
function wrapProse(line: string, columns: number): string[] {
  if (line.length <= columns) return [line]
  const indent = line.length - line.trimStart().length
  // A usage line (`  sms-watch --mock URL    follow a mock`) continues under its description.
  const column = /^( *\S.*? {2,})\S/.exec(line)?.[1]?.length
  const hang = column !== undefined && column <= columns / 2 ? column : indent
  return wrapText(line.slice(indent), columns - indent, columns - hang).map(
    (text, index) => `${' '.repeat(index === 0 ? indent : hang)}${text}`,
  )
}

/**
 * `--help`, generated from the table: the built-in flags, then every row under its group with its
 * placeholder, help, allowed values, variable, config key and default. A secret without a flag is
 * listed by its variable; no value is ever shown, only defaults. Wrapped to the terminal's width
 * (80 columns when stdout is not a terminal); an option's help continues under its own column.
 *
 * @example
 * stdout.write(helpText(SPEC, { intro: ['Usage: sms-agent [options]'] }))
 */
export function helpText<T extends OptionTable>(
  spec: CommandLineSpec<T>,
  text: HelpText,
  layout: HelpLayout = {},
): string {
  const columns = Math.max(MIN_COLUMNS, Math.floor(layout.columns ?? terminalColumns()))
  const lines: string[] = []
  const prose = (...texts: string[]) => {
    for (const text of texts) lines.push(...wrapProse(text, columns))
  }
  prose(...text.intro, '', 'Options:')
  const line = (name: string, help: string) => {
    if (columns - HELP_COLUMN < MIN_HELP_WIDTH) {
      // Narrow terminal: the name on its line, the help under it.
      lines.push(`  ${name}`, ...wrapText(help, columns - 6).map((text) => `      ${unkeep(text)}`))
      return
    }
    const [first, ...rest] = wrapText(help, columns - HELP_COLUMN).map(unkeep)
    const hang = ' '.repeat(HELP_COLUMN)
    // A name too long for its column puts its help on the next line, where the others start.
    if (name.length > NAME_WIDTH) lines.push(`  ${name}`, `${hang}${first}`)
    else lines.push(`  ${name.padEnd(NAME_WIDTH)} ${first}`)
    lines.push(...rest.map((text) => `${hang}${text}`))
  }
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
      prose('', `${group}:`)
    }
    const hints = optionHint(row.schema)
    const name = row.flag
      ? `${row.flag}${hints.argv === 'boolean' ? '' : ` ${row.meta ?? hints.meta ?? 'VALUE'}`}`
      : `(${row.env ?? key})`
    const extras = [
      row.flag && row.env ? `env ${row.env}` : undefined,
      row.envFallbacks?.length ? `also ${row.envFallbacks.join(' or ')}` : undefined,
      spec.configFile && row.configKey !== false ? `key ${key}` : undefined,
      row.default !== undefined && row.default !== false ? `default ${row.default}` : undefined,
      hints.argv === 'list' ? 'repeatable' : undefined,
    ].filter((extra) => extra !== undefined)
    // `key interval`, `env SMS_INTERVAL`: a name and its value are never split over two lines.
    const kept = extras.map((extra) => extra.replaceAll(' ', KEEP_TOGETHER))
    line(name, `${row.help}${kept.length > 0 ? ` [${kept.join(', ')}]` : ''}`)
  }
  const rows = Object.values(spec.options) as OptionRow[]
  const order = [
    'flags',
    rows.some((row) => row.env) ? 'environment variables' : undefined,
    spec.configFile ? 'the config file' : undefined,
    'defaults',
  ].filter((source) => source !== undefined)
  prose('', `Precedence: ${order.join(' > ')}.`)
  if (rows.some((row) => optionHint(row.schema).argv === 'boolean')) {
    prose('A switch also takes --no-FLAG and --FLAG=true|false.')
  }
  if (rows.some((row) => optionHint(row.schema).meta === 'DURATION')) {
    prose('Durations are written with a unit: 500ms, 10s, 5m, 1h, 1m30s.')
  }
  if (text.outro) prose('', ...text.outro)
  lines.push('')
  return lines.join('\n')
}

/**
 * What `--print-config` (and every CLI's printed settings) shows in place of a secret.
 *
 * @example
 * printed.password = REDACTED
 */
export const REDACTED = '[redacted]'

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
    printed[row.as ?? key] = row.secret ? REDACTED : value
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
