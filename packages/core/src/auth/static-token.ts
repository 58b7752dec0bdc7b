import * as v from 'valibot'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'
import { AuthTokenSchema } from '../schemas/request.ts'
import type { AuthProvider } from './auth-provider.ts'

/**
 * Sends a fixed IAM token as `X-Auth-Token`. It can't be refreshed, so a 401 surfaces as an
 * error; use {@link iamPasswordToken} for long-running processes.
 *
 * @throws {SmsInputError} when the token is empty or longer than 16,384 characters.
 * @example
 * const client = createSmsClient({ endpoint, auth: staticToken(token) })
 */
export function staticToken(token: string): AuthProvider {
  const parsed = v.safeParse(AuthTokenSchema, token)
  if (!parsed.success) {
    throw new SmsInputError(
      'token',
      parsed.issues[0]?.message ?? 'expected a token',
      describeValue(token),
    )
  }
  const headers = Object.freeze({ 'X-Auth-Token': parsed.output })
  const provider: AuthProvider & { toJSON(): object } = {
    kind: 'token',
    authorize: async () => headers,
    toJSON: () => ({ kind: 'token' }),
  }
  return Object.freeze(provider)
}
