import {
  describeRequest,
  describeTarget,
  hasName,
  SmsError,
  type SmsErrorOptions,
} from './sms-error.ts'

/** What {@link SmsRedirectError} knows about the redirect. */
export interface SmsRedirectErrorOptions extends SmsErrorOptions {
  /** The redirect's status; 0 when the runtime hides it (a browser's `opaqueredirect`). */
  status: number
  /** Where it pointed, resolved against the request URL; undefined when not visible. */
  location?: string | undefined
}

/**
 * SMS and IAM never redirect: a 3xx answer comes from something in between (a load balancer,
 * a proxy's login page, a moved endpoint) and is never followed, so no credentials or result
 * reach the other place. The request was not processed by SMS; fix the endpoint.
 *
 * @example
 * if (isSmsRedirectError(error)) console.error(`fix --endpoint: it redirects to ${error.location}`)
 */
export class SmsRedirectError extends SmsError {
  override readonly name = 'SmsRedirectError' as const
  readonly status: number
  /** Origin and path of the `Location` (its query left out), when visible. */
  readonly location: string | undefined

  constructor(options: SmsRedirectErrorOptions) {
    const where = describeRequest(options) || 'Request'
    const location = describeLocation(options.location, options.url)
    const to = location ? ` to ${location}` : ' (its target hidden by the runtime)'
    const status = options.status > 0 ? `HTTP ${options.status}` : 'a redirect'
    const service = options.service === 'iam' ? 'IAM' : 'SMS'
    super(
      `${where} was answered with ${status}${to}${describeTarget(options)}: ${service} never redirects, so it was not followed and nothing was sent there; check the endpoint (or the proxy or gateway in between)`,
      options,
    )
    this.status = options.status
    this.location = location
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, location: this.location }
  }
}

/** Origin and path of a Location, resolved against the request; its query may hold a secret. */
function describeLocation(
  location: string | undefined,
  base: string | undefined,
): string | undefined {
  if (!location) return undefined
  try {
    const url = new URL(location, base)
    return `${url.origin}${url.pathname}`
  } catch {
    return JSON.stringify(location.slice(0, 200))
  }
}

/**
 * True when SMS or IAM was answered with a redirect, which core never follows.
 *
 * @example
 * if (isSmsRedirectError(error)) log.error({ location: error.location }, 'the endpoint redirects')
 */
export function isSmsRedirectError(error: unknown): error is SmsRedirectError {
  return hasName(error, 'SmsRedirectError')
}

/**
 * True for an answer that is a redirect: a 3xx (fetch with `redirect: 'manual'` on Node, Bun,
 * Deno and workerd), a browser's `opaqueredirect` (status 0), or a response a fetch followed
 * despite `manual` (`redirected`).
 *
 * @example
 * isRedirect(new Response(null, { status: 301, headers: { Location: 'https://elsewhere/' } })) // true
 */
export function isRedirect(response: Response): boolean {
  return (
    (response.status >= 300 && response.status < 400) ||
    response.type === 'opaqueredirect' ||
    response.redirected
  )
}
