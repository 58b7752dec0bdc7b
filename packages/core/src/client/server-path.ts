import * as v from 'valibot'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'
import { ServerIdSchema } from '../schemas/request.ts'

/**
 * Checks a server id and percent-encodes it as one path segment. `.` and `..` are encoded too,
 * or URL normalisation would turn `/v3/sources/../command` into another path.
 *
 * @throws {SmsInputError} naming `serverId` when it is not a string of 1–255 characters.
 * @example
 * serverPathSegment('a b/c') // 'a%20b%2Fc'
 */
export function serverPathSegment(serverId: unknown): string {
  const parsed = v.safeParse(ServerIdSchema, serverId)
  if (!parsed.success) {
    throw new SmsInputError(
      'serverId',
      parsed.issues[0]?.message ?? 'expected a string',
      describeValue(serverId),
    )
  }
  const encoded = encodeURIComponent(parsed.output)
  return /^\.+$/.test(encoded) ? encoded.replaceAll('.', '%2E') : encoded
}
