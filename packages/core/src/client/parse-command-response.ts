import type { SmsErrorContext } from '../errors/sms-error.ts'
import { SmsResponseValidationError } from '../errors/sms-response-validation-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'
import { type CommandParam, CommandResponseSchema, type SmsCommand } from '../schemas/command.ts'
import { checkBody, readJsonBody, withoutNulls } from './read-json-body.ts'

/**
 * Turns the answer of `GET /v3/sources/{id}/command` into the pending command, or `null` when
 * there is none. Every idle shape of docs/api.md §1 means `null`: 204, an empty body, `{}`, JSON
 * `null`, and an empty, null or absent `command_name`. An unknown `command_name` is returned
 * as is; extra fields are tolerated.
 *
 * @throws {SmsResponseValidationError} when the body is not JSON or breaks the schema
 *   (a `command_name` over 255 characters, a numeric `task_id`, …), naming the field.
 * @example
 * parseCommandResponse(200, '{"command_name":"START","command_param":{"task_id":"t1"}}')
 * // { command_name: 'START', command_param: { task_id: 't1' } }
 * parseCommandResponse(200, '{"command_name":""}') // null
 */
export function parseCommandResponse(
  status: number,
  bodyText: string,
  context: SmsErrorContext = {},
): SmsCommand | null {
  if (status === 204 || bodyText.trim() === '') return null
  const body = readJsonBody(status, bodyText, context)
  if (body === null) return null
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new SmsResponseValidationError(
      [{ field: '$', expected: 'a JSON object', received: describeValue(body) }],
      { ...context, status },
    )
  }
  const { command_name: name, command_param: param } = checkBody(
    CommandResponseSchema,
    body,
    status,
    context,
  )
  if (name === undefined || name === null || name === '') return null
  return { command_name: name, command_param: withoutNulls<CommandParam>(param ?? {}) }
}
