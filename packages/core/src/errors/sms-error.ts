/** Where a failure happened. Never carries credentials: only the method, the path and the server. */
export interface SmsErrorContext {
  method?: string | undefined
  path?: string | undefined
  serverId?: string | undefined
  /** Which service was asked: SMS itself or IAM (for a token), so an app can name the setting to check. */
  service?: 'sms' | 'iam' | undefined
  /** The URL requested (no credentials are ever in it). */
  url?: string | undefined
}

/** Options shared by every error of this package. */
export interface SmsErrorOptions extends SmsErrorContext {
  cause?: unknown
}

/**
 * Base class of every error `@sms-command/core` throws. Its message, `cause` and JSON form hold
 * the request's method, path and server id, never a token, password, secret key or signature.
 */
export abstract class SmsError extends Error {
  abstract override readonly name:
    | 'SmsApiError'
    | 'SmsNetworkError'
    | 'SmsRedirectError'
    | 'SmsResponseValidationError'
    | 'SmsInputError'
    | 'IamPasswordRejectedError'
  readonly method: string | undefined
  readonly path: string | undefined
  readonly serverId: string | undefined
  /** `iam` when the failure came from IAM (check the IAM endpoint or credentials), `sms` from SMS. */
  readonly service: 'sms' | 'iam' | undefined
  readonly url: string | undefined

  constructor(message: string, options: SmsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.method = options.method
    this.path = options.path
    this.serverId = options.serverId
    this.service = options.service
    this.url = options.url
  }

  /** A plain, secret-free summary for structured logs. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      serverId: this.serverId,
      service: this.service,
      url: this.url,
    }
  }
}

/** `"GET /v3/sources/x/command"` or `""` when the request is unknown. */
export function describeRequest(context: SmsErrorContext): string {
  return context.method && context.path ? `${context.method} ${context.path}` : ''
}

/**
 * Who the request was about: `" (server \"x\")"` for one server, `" (IAM at https://iam…)"` for
 * an IAM request, otherwise `""`.
 */
export function describeTarget(context: SmsErrorContext): string {
  return context.serverId !== undefined
    ? ` (server ${JSON.stringify(context.serverId)})`
    : context.service === 'iam'
      ? ` (IAM at ${context.url ?? 'the IAM endpoint'})`
      : ''
}

/**
 * True for any error thrown by this package.
 *
 * @example
 * try { await client.getCommand(id) } catch (error) { if (isSmsError(error)) log(error.toJSON()) }
 */
export function isSmsError(error: unknown): error is SmsError {
  return hasName(
    error,
    'SmsApiError',
    'SmsNetworkError',
    'SmsRedirectError',
    'SmsResponseValidationError',
    'SmsInputError',
    'IamPasswordRejectedError',
  )
}

// Guards compare `name` rather than use `instanceof` so they still work when two copies of this
// package end up in one program (a bundled app and a plugin, say).
export function hasName(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name)
}
