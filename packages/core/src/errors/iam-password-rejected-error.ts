import { hasName, SmsError, type SmsErrorOptions } from './sms-error.ts'

/**
 * IAM refused this password recently, so `iamPasswordToken` sends no login until the lockout
 * window has passed or the password changes: IAM locks a user (often a person's account) after
 * 3–10 failed logins. `cause` is IAM's own answer (an `SmsApiError`).
 */
export class IamPasswordRejectedError extends SmsError {
  override readonly name = 'IamPasswordRejectedError' as const
  /** When a login with the same password will be tried again, in ms since the epoch. */
  readonly retryAt: number

  constructor(retryAt: number, options: SmsErrorOptions) {
    super(
      `IAM refused this password at the last login; no login is sent with it until ${new Date(retryAt).toISOString()} (or until the password changes), so the user isn't locked out${options.url ? ` (IAM at ${options.url})` : ''}`,
      options,
    )
    this.retryAt = retryAt
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAt: this.retryAt }
  }
}

/**
 * True when `iamPasswordToken` refused to send a password IAM has just rejected.
 *
 * @example
 * if (isIamPasswordRejectedError(error)) console.error('fix the IAM password; next try', new Date(error.retryAt))
 */
export function isIamPasswordRejectedError(error: unknown): error is IamPasswordRejectedError {
  return hasName(error, 'IamPasswordRejectedError')
}
