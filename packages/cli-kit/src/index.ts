/**
 * `@sms-command/cli-kit`: the one option engine of the sms-command CLIs (`sms-agent`, `sms-watch`,
 * `sms-mock`, the demo). A declarative table per CLI (flag, variable, config key, valibot schema,
 * default, help, secret or not) drives parsing, precedence, validation, `--help`,
 * `--print-config` and the error messages, so every CLI answers the same mistake the same way.
 * `runCli` is every CLI's main: help, version, the error line, exit codes and signals. Also the
 * shared credential settings and durations. Node, Bun and Deno.
 *
 * @module
 */
export * from './auth/auth-provider.ts'
export * from './auth/auth-settings.ts'
export * from './auth/resolve-auth-config.ts'
export * from './command-line.ts'
export * from './config-error.ts'
export * from './duration.ts'
export * from './help.ts'
export * from './package-version.ts'
export * from './read-text-file.ts'
export * from './run-cli.ts'
export * from './schemas.ts'
export * from './shared-settings.ts'
