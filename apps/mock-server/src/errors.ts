/**
 * Error codes the mock answers with. The SMS and APIGW codes come from docs/api.md §3; where
 * Huawei documents none (an unknown source server, a malformed request) the mock picks one and
 * says so here, so clients can be tested against every shape.
 */
export const ERROR_CODES = {
  /** 401: missing, unknown, expired or revoked token; by default every AK/SK failure too (docs/api.md §7). */
  badToken: 'APIGW.0301',
  /** 401 (`sms` auth-error style): AK/SK signature malformed, unknown AK, wrong signature or AK locked. */
  akSkFailed: 'SMS.0202',
  /** 401 (`sms` auth-error style): X-Sdk-Date more than 15 minutes off the server clock. */
  clockSkew: 'SMS.0205',
  /** 403: a valid credential of another account than the server's. */
  noPermission: 'SMS.2002',
  /** 400: the result answers another command than the current one. */
  commandMismatch: 'SMS.2009',
  /** 500: background exception (only ever from an injected fault). */
  internal: 'SMS.2007',
  /** 400: malformed input (mock's choice: Huawei documents no code). */
  badRequest: 'SMS.0400',
  /** 404: unknown source server (mock's choice: Huawei documents no code). */
  unknownServer: 'SMS.0404',
  /** 404: no such API (API Gateway's code for an unpublished API). */
  unknownApi: 'APIGW.0101',
  /** 429: throttled (API Gateway's code): past the rate limit, and the default of a 429 fault. */
  throttled: 'APIGW.0308',
  /** 401 (sic, docs/api.md §7): a method the command routes don't take. */
  badMethod: 'SMS.2003',
  /** 401 (sic): a `command_result` body over 10,240 bytes. */
  bodyTooLarge: 'SMS.2004',
  /** 401 (sic): `command_result` without a Content-Type. */
  contentTypeMissing: 'SMS.2005',
  /** 401 (sic): `command_result` with a Content-Type other than JSON. */
  contentTypeNotJson: 'SMS.2006',
} as const

/** Codes of the admin API under `/_mock`. */
export const ADMIN_CODES = {
  badRequest: 'MOCK.0400',
  unauthorized: 'MOCK.0401',
  notFound: 'MOCK.0404',
  conflict: 'MOCK.0409',
  unsupported: 'MOCK.0501',
  /** 500: an unexpected failure of the admin API (never SMS.2007, the SMS API's own code). */
  internal: 'MOCK.0500',
} as const

/** The error body of every SMS and admin error answer. */
export interface ErrorPayload {
  error_code: string
  error_msg: string
}

const MAX_MSG = 1024

/**
 * Builds an error body, cutting `error_msg` to the 1,024 characters docs/api.md allows.
 *
 * @example
 * errorBody('SMS.2009', 'the result answers STOP but START is current')
 */
export function errorBody(code: string, message: string): ErrorPayload {
  return {
    error_code: code,
    error_msg: message.length > MAX_MSG ? `${message.slice(0, MAX_MSG - 1)}…` : message,
  }
}

/** A scenario or option that can't be used, with the path of the offending field. */
export class MockConfigError extends Error {
  override readonly name = 'MockConfigError'
  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${message}`, options)
  }
}
