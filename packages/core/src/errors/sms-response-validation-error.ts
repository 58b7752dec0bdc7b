import { describeRequest, hasName, SmsError, type SmsErrorOptions } from './sms-error.ts'

/** One way in which a response broke the schema. */
export interface ValidationIssue {
  /** Dotted path of the field, `$` for the body itself. */
  field: string
  /** What the schema expected there. */
  expected: string
  /** A short description of what arrived (type and length, never the full value). */
  received: string
}

/**
 * SMS answered with a success status but the body broke the documented schema. Kept apart from
 * {@link SmsApiError}: the HTTP exchange worked, the content did not.
 */
export class SmsResponseValidationError extends SmsError {
  override readonly name = 'SmsResponseValidationError' as const
  readonly issues: readonly ValidationIssue[]
  /** The first offending field. */
  readonly field: string
  readonly status: number

  constructor(issues: readonly ValidationIssue[], options: SmsErrorOptions & { status: number }) {
    const where = describeRequest(options) || 'Response'
    const first = issues[0] ?? { field: '$', expected: 'a valid body', received: 'unknown' }
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
    super(
      `${where} returned an invalid body: ${first.field}: ${first.expected}, received ${first.received}${more}`,
      options,
    )
    this.issues = issues
    this.field = first.field
    this.status = options.status
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, field: this.field, issues: this.issues }
  }
}

/**
 * True when a response body broke the schema.
 *
 * @example
 * if (isSmsResponseValidationError(error)) console.log(error.field, error.issues)
 */
export function isSmsResponseValidationError(error: unknown): error is SmsResponseValidationError {
  return hasName(error, 'SmsResponseValidationError')
}
