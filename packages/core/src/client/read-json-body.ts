import * as v from 'valibot'
import type { SmsErrorContext } from '../errors/sms-error.ts'
import { SmsResponseValidationError } from '../errors/sms-response-validation-error.ts'
import { toValidationIssues } from '../errors/to-validation-issues.ts'

/**
 * Parses a response body as JSON, or fails with an {@link SmsResponseValidationError} at `$`
 * that gives the body's length (never its text: it may echo credentials).
 *
 * @example
 * readJsonBody(200, '{"command_name":"START"}', { method: 'GET', path }) // { command_name: 'START' }
 */
export function readJsonBody(status: number, bodyText: string, context: SmsErrorContext): unknown {
  try {
    return JSON.parse(bodyText)
  } catch (cause) {
    throw new SmsResponseValidationError(
      [
        {
          field: '$',
          expected: 'a JSON object',
          received: `a body that is not JSON (${bodyText.length} characters)`,
        },
      ],
      { ...context, status, cause },
    )
  }
}

/**
 * Validates a parsed response body against its schema, or fails with an
 * {@link SmsResponseValidationError} naming each field that broke it.
 *
 * @example
 * checkBody(ServerPageSchema, body, 200, { method: 'GET', path: '/v3/sources' }).count
 */
export function checkBody<const Schema extends v.GenericSchema>(
  schema: Schema,
  body: unknown,
  status: number,
  context: SmsErrorContext,
): v.InferOutput<Schema> {
  const parsed = v.safeParse(schema, body)
  if (!parsed.success) {
    throw new SmsResponseValidationError(toValidationIssues(parsed.issues), { ...context, status })
  }
  return parsed.output
}

/**
 * A copy of a validated object without its `null` fields: some gateways send `null` for an
 * absent value, and callers read both as absent.
 *
 * @example
 * withoutNulls({ task_id: 't1', bucket: null }) // { task_id: 't1' }
 */
export function withoutNulls<T>(object: Record<string, unknown>): T {
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) if (value != null) result[key] = value
  return result as T
}
