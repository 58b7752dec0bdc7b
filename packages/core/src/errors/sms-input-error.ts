import { hasName, SmsError, type SmsErrorOptions } from './sms-error.ts'

/**
 * A caller passed a value the API would refuse (an empty server id, a result that is neither
 * `success` nor `fail`, …). Thrown before any request is sent.
 */
export class SmsInputError extends SmsError {
  override readonly name = 'SmsInputError' as const
  /** The offending argument or field, e.g. `serverId` or `result.result_detail`. */
  readonly field: string
  readonly expected: string

  constructor(
    field: string,
    expected: string,
    received: string,
    options: SmsErrorOptions & { message?: string } = {},
  ) {
    super(options.message ?? `Invalid ${field}: ${expected}, received ${received}`, options)
    this.field = field
    this.expected = expected
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field, expected: this.expected }
  }
}

/**
 * True when a caller's argument was rejected before sending.
 *
 * @example
 * if (isSmsInputError(error)) console.error(`fix ${error.field}`)
 */
export function isSmsInputError(error: unknown): error is SmsInputError {
  return hasName(error, 'SmsInputError')
}
