/**
 * A setting could not be used: an unknown, repeated or refused flag, a bad value, a missing or
 * conflicting setting. Every CLI of this project exits 2 on it and prints its one-line message,
 * which names the flag (and the variable or config key the value came from) and what was
 * expected; it never holds a secret's value.
 *
 * @example
 * throw new ConfigError('--interval', 'Invalid --interval: expected a duration like 500ms, 10s or 5m, received "10x"')
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError' as const
  /** The flag (or, for a setting without one, its variable or key) the message is about. */
  readonly setting: string
  /** The process exit code of a configuration error, the same in every CLI. */
  readonly exitCode = 2 as const

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.setting = setting
  }
}

/**
 * Whether `error` is a {@link ConfigError}.
 *
 * @example
 * if (isConfigError(error)) return error.exitCode
 */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof Error && error.name === 'ConfigError' && 'setting' in error
}

/**
 * The one line a CLI prints for a configuration error.
 *
 * @example
 * stderr.write(configErrorLine('sms-watch', error)) // 'sms-watch: Unknown flag --bogus: see --help\n'
 */
export function configErrorLine(program: string, error: ConfigError): string {
  return `${program}: ${error.message.replaceAll(/\r?\n/g, ' ')}\n`
}
