import * as v from 'valibot'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'
import { ServerIdSchema } from '../schemas/request.ts'

/**
 * Checks a server id and percent-encodes it as one path segment.
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
  // URL parsers resolve `.` and `..` (even as %2E%2E), so `/v3/sources/../command` would reach
  // another resource: no server id can be spelled that way.
  if (parsed.output === '.' || parsed.output === '..') {
    throw new SmsInputError(
      'serverId',
      'expected an id other than a dot segment ("." or "..")',
      JSON.stringify(parsed.output),
    )
  }
  return encodeURIComponent(parsed.output)
}
