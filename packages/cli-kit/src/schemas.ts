/**
 * Value schemas for option rows. Each takes what a user can write (text from a flag or a variable,
 * `true`/`false` from a bare boolean flag, the JSON value of a config file key) and returns the
 * typed value, with an `expected …` message the engine turns into `Invalid --flag: expected …`.
 * Each also tells the engine how argv takes it (a boolean takes no value, a list repeats) and what
 * `--help` shows as its placeholder.
 *
 * @module
 */
import * as v from 'valibot'
import { formatDuration, parseDuration } from './duration.ts'

/** How the command line takes an option, and its `--help` placeholder. */
export interface OptionHint {
  /** `boolean`: `--flag`, `--no-flag`, `--flag=true|false`; `list`: may repeat, collected. */
  argv?: 'value' | 'boolean' | 'list'
  /** A relative path is resolved against the working directory or the config file's folder. */
  path?: boolean
  /** Placeholder in `--help`: `--interval DURATION`. */
  meta?: string
}

/** Any valibot schema an option row can use. */
export type OptionSchema = v.GenericSchema<unknown, unknown>

const hint = <T>(value: OptionHint) => v.metadata<T, Record<string, unknown>>({ ...value })

/**
 * The argv and `--help` hints of a schema (looking through `v.optional`).
 *
 * @example
 * optionHint(duration()) // { argv: 'value', meta: 'DURATION' }
 */
export function optionHint(schema: OptionSchema): OptionHint {
  let current: unknown = schema
  while (current && typeof current === 'object' && 'wrapped' in current) {
    current = (current as { wrapped: unknown }).wrapped
  }
  const found: OptionHint = {}
  const pipe = (current as { pipe?: readonly { type: string; metadata?: OptionHint }[] }).pipe
  for (const item of pipe ?? []) {
    if (item.type === 'metadata' && item.metadata) Object.assign(found, item.metadata)
  }
  return found
}

/**
 * Non-empty text, trimmed.
 *
 * @example
 * v.parse(text(), ' srv-1 ') // 'srv-1'
 */
export function text(options: { meta?: string; expected?: string } = {}) {
  const expected = options.expected ?? 'expected a non-empty string'
  return v.pipe(
    v.string(expected),
    v.trim(),
    v.minLength(1, expected),
    hint({ meta: options.meta ?? 'TEXT' }),
  )
}

/**
 * Non-empty text kept exactly as given (tokens, keys, passwords).
 *
 * @example
 * v.parse(secretText(), 'pw ') // 'pw '
 */
export function secretText(options: { meta?: string } = {}) {
  return v.pipe(
    v.string('expected a non-empty string'),
    v.minLength(1, 'expected a non-empty string'),
    hint({ meta: options.meta ?? 'TEXT' }),
  )
}

/**
 * An absolute `http://` or `https://` URL, returned as written (trimmed).
 *
 * @example
 * v.parse(httpUrl(), 'https://sms.example.com') // 'https://sms.example.com'
 */
export function httpUrl(options: { expected?: string } = {}) {
  const expected = options.expected ?? 'expected an absolute http(s) URL'
  return v.pipe(
    v.string(expected),
    v.trim(),
    v.url(expected),
    v.check((value) => /^https?:\/\//i.test(value), 'expected an http(s) URL'),
    hint({ meta: 'URL' }),
  )
}

/**
 * A file or directory path; relative paths are resolved by the engine (see {@link OptionHint}).
 *
 * @example
 * v.parse(path(), '/etc/sms/token') // '/etc/sms/token'
 */
export function path(options: { meta?: string } = {}) {
  return v.pipe(
    v.string('expected a path'),
    v.minLength(1, 'expected a path'),
    hint({ meta: options.meta ?? 'PATH', path: true }),
  )
}

/**
 * A duration with a unit (`500ms`, `10s`, `5m`, `1h`, `1m30s`), returned in milliseconds.
 *
 * @example
 * v.parse(duration({ min: 1_000 }), '1m30s') // 90000
 */
export function duration(options: { min?: number; max?: number } = {}) {
  const { min = 0, max } = options
  const range =
    max === undefined
      ? `expected at least ${formatDuration(min)}`
      : `expected between ${formatDuration(min)} and ${formatDuration(max)}`
  return v.pipe(
    v.string('expected a duration like 500ms, 10s or 5m'),
    v.transform(parseDuration),
    v.number('expected a duration like 500ms, 10s or 5m'),
    v.check((ms) => ms >= min && (max === undefined || ms <= max), range),
    hint({ meta: 'DURATION' }),
  )
}

/**
 * A whole number from `min` to `max`, written as digits or (in a config file) a JSON number.
 *
 * @example
 * v.parse(integer({ min: 1, max: 256 }), '8') // 8
 */
export function integer(options: { min: number; max: number; meta?: string; expected?: string }) {
  const expected =
    options.expected ?? `expected a whole number from ${options.min} to ${options.max}`
  return v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d+$/))], expected),
    v.transform(Number),
    v.integer(expected),
    v.minValue(options.min, expected),
    v.maxValue(options.max, expected),
    hint({ meta: options.meta ?? 'N' }),
  )
}

/**
 * One of a fixed set of words.
 *
 * @example
 * v.parse(oneOf(['json', 'text']), 'text') // 'text'
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const expected =
    values.length === 2
      ? `expected ${values[0]} or ${values[1]}`
      : `expected one of ${values.join(', ')}`
  return v.pipe(v.picklist(values, expected), hint({ meta: values.join('|') }))
}

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/**
 * A switch: `--flag`, `--no-flag`, `--flag=true|false`; in variables and config files also
 * `1/0`, `yes/no`, `on/off`.
 *
 * @example
 * v.parse(boolean(), 'off') // false
 */
export function boolean() {
  return v.pipe(
    v.union([v.boolean(), v.string()], 'expected true or false'),
    v.transform((value) => {
      if (typeof value === 'boolean') return value
      const word = value.trim().toLowerCase()
      return TRUE.has(word) ? true : FALSE.has(word) ? false : undefined
    }),
    v.boolean('expected true or false'),
    hint({ argv: 'boolean' }),
  )
}

/**
 * A repeatable option: every `--flag VALUE` adds to the list, each value checked by `item`. With a
 * `separator` (default `,`) one value may also hold several (`--servers a,b`, `SMS_SERVERS=a,b`).
 *
 * @example
 * v.parse(list(text()), ['a,b', 'c']) // ['a', 'b', 'c']
 */
export function list<T extends v.GenericSchema<string, unknown>>(
  item: T,
  options: { separator?: string | null; meta?: string } = {},
) {
  const separator = options.separator === undefined ? ',' : options.separator
  return v.pipe(
    v.union([v.string(), v.array(v.string())], 'expected a list of values'),
    v.transform((value) =>
      (typeof value === 'string' ? [value] : value).flatMap((entry) =>
        separator === null
          ? [entry]
          : entry
              .split(separator)
              .map((part) => part.trim())
              .filter((part) => part !== ''),
      ),
    ),
    v.array(item),
    hint({ argv: 'list', meta: options.meta ?? optionHint(item).meta ?? 'VALUE' }),
  )
}
