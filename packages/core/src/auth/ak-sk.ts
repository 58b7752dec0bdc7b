import { SmsInputError } from '../errors/sms-input-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'
import { signRequest } from '../signing/sign-request.ts'
import type { AuthHeaders, AuthProvider } from './auth-provider.ts'

/** Access key credentials for {@link akSk}. */
export interface AkSkOptions {
  ak: string
  sk: string
  /** Account (domain) id, sent as `X-Domain-Id`: SMS is a global service. */
  domainId?: string
  /** Session token of temporary credentials, sent as `X-Security-Token`. */
  securityToken?: string
  /**
   * Clock used for `X-Sdk-Date`; defaults to `Date.now`. The client adds the offset it measured
   * to the server's clock (`AuthRequest.clockOffsetMs`).
   */
  now?: () => number
}

/**
 * Signs every request with AK/SK (`SDK-HMAC-SHA256`, docs/api.md §5), as the real SMS agent does.
 * Uses WebCrypto only. The SK stays in this closure: it is in no property, log or error.
 *
 * @throws {SmsInputError} when `ak` or `sk` is empty.
 * @example
 * const client = createSmsClient({ endpoint, auth: akSk({ ak: 'AK…', sk: 'SK…', domainId: 'd1' }) })
 */
export function akSk(options: AkSkOptions): AuthProvider {
  const { ak, sk, domainId, securityToken } = options
  for (const [field, value] of [
    ['ak', ak],
    ['sk', sk],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      throw new SmsInputError(field, 'expected a non-empty string', describeValue(value))
    }
  }
  const now = options.now ?? Date.now
  const extra: Record<string, string> = {}
  if (domainId) extra['X-Domain-Id'] = domainId
  if (securityToken) extra['X-Security-Token'] = securityToken
  const provider: AuthProvider & { toJSON(): object } = {
    kind: 'ak-sk',
    async authorize(request): Promise<AuthHeaders> {
      // Sign only what no runtime rewrites on the way out (browsers drop User-Agent, proxies
      // add Accept-Encoding): the host, the SDK date and the identity headers.
      const headers = { host: request.url.host, ...extra }
      const signed = await signRequest(
        { method: request.method, url: request.url, headers, body: request.body },
        { ak, sk },
        new Date(now() + (request.clockOffsetMs ?? 0)),
      )
      return { ...extra, ...signed }
    },
    toJSON: () => ({ kind: 'ak-sk', ak }),
  }
  return Object.freeze(provider)
}
