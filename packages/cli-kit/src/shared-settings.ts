import { duration } from './schemas.ts'

/**
 * Bounds of `--request-timeout` in every CLI: at least 100 ms (less can't reach any real
 * endpoint), at most 5 min (past that a request is stuck, not slow).
 */
export const REQUEST_TIMEOUT_BOUNDS: { readonly min: number; readonly max: number } = {
  min: 100,
  max: 300_000,
}

/**
 * `SMS_REQUEST_TIMEOUT`'s one schema. `sms-agent` and `sms-watch` both read the variable, so it
 * must accept the same values in both: a shell exporting it for one must never make the other
 * refuse to start, or read it differently.
 */
const REQUEST_TIMEOUT_SCHEMA = duration(REQUEST_TIMEOUT_BOUNDS)

/**
 * The `--request-timeout` row (`SMS_REQUEST_TIMEOUT`): the deadline of one HTTP request to SMS,
 * body included, as core's `timeoutMs`. Every CLI that reads the variable takes this row, so the
 * variable means the same everywhere; only the default and the `--help` group are the CLI's own.
 *
 * @example
 * const OPTIONS = {
 *   requestTimeout: requestTimeoutSetting({ default: '30s', group: 'Connection' }),
 * } as const satisfies OptionTable
 */
export function requestTimeoutSetting<const Default extends string>(options: {
  default: Default
  group: string
}) {
  return {
    flag: '--request-timeout',
    env: 'SMS_REQUEST_TIMEOUT',
    schema: REQUEST_TIMEOUT_SCHEMA,
    default: options.default,
    as: 'requestTimeoutMs',
    group: options.group,
    help: 'deadline of one HTTP request, body included (100ms–5m)',
  } as const
}
