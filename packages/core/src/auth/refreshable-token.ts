import * as v from 'valibot'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'
import { AuthTokenSchema } from '../schemas/request.ts'
import type { AuthHeaders, AuthProvider } from './auth-provider.ts'

/** Options of {@link refreshableToken}. */
export interface RefreshableTokenOptions {
  /** The token to start with. */
  token: string
  /**
   * Fetches the current token again (e.g. re-reads a file an external rotator rewrites). Called
   * when SMS answers 401; the same or an invalid token leaves the 401 to surface.
   */
  reload: () => Promise<string>
  /** Told whether a 401 brought a new token, for logs. Never given the token. */
  onReload?: (outcome: 'replaced' | 'unchanged' | 'invalid' | 'failed', error?: unknown) => void
}

/**
 * An `X-Auth-Token` whose source can change under a running process: on a 401 it is loaded again
 * once (shared by concurrent requests) and the request retried with the new token.
 *
 * @throws {SmsInputError} when the first token is not 1–16,384 characters.
 * @example
 * const auth = refreshableToken({ token: first, reload: () => readFile(path, 'utf8') })
 */
export function refreshableToken(options: RefreshableTokenOptions): AuthProvider {
  const first = options.token.trim()
  if (!v.is(AuthTokenSchema, first)) {
    throw new SmsInputError(
      'token',
      'expected a token of 1–16,384 characters',
      describeValue(first),
    )
  }
  let headers: AuthHeaders = Object.freeze({ 'X-Auth-Token': first })
  const provider: AuthProvider & { toJSON(): object } = {
    kind: 'refreshable-token',
    authorize: async () => headers,
    async refresh(rejected) {
      // Another request already picked up a newer token.
      if (rejected['X-Auth-Token'] !== headers['X-Auth-Token']) return
      let token: string
      try {
        token = (await options.reload()).trim()
      } catch (error) {
        options.onReload?.('failed', error)
        return
      }
      if (!v.is(AuthTokenSchema, token)) {
        options.onReload?.('invalid')
        return
      }
      if (token === headers['X-Auth-Token']) {
        options.onReload?.('unchanged')
        return
      }
      headers = Object.freeze({ 'X-Auth-Token': token })
      options.onReload?.('replaced')
    },
    toJSON: () => ({ kind: 'refreshable-token' }),
  }
  return Object.freeze(provider)
}
