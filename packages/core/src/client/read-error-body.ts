import * as v from 'valibot'
import { type ErrorBody, ErrorBodySchema } from '../schemas/error-body.ts'

/**
 * Reads an error body in the documented shape, or `undefined` when the body is something else:
 * an HTML page from a proxy, say.
 *
 * @example
 * readErrorBody('{"error_code":"SMS.2002","error_msg":"no permission"}')?.error_code // 'SMS.2002'
 */
export function readErrorBody(text: string): ErrorBody | undefined {
  const json = parseJson(text)
  const direct = v.safeParse(ErrorBodySchema, json)
  return direct.success ? direct.output : undefined
}

/**
 * {@link readErrorBody} that also reads IAM's `{"error":{"code":…,"message":…}}` shape. Kept apart
 * so a client that never talks to IAM doesn't carry it.
 *
 * @example
 * readIamErrorBody('{"error":{"code":401,"message":"The username or password is wrong."}}')
 * // { error_code: '401', error_msg: 'The username or password is wrong.' }
 */
export function readIamErrorBody(text: string): ErrorBody | undefined {
  const direct = readErrorBody(text)
  if (direct) return direct
  const iam = (parseJson(text) as { error?: { code?: unknown; message?: unknown } } | null)?.error
  const code = iam?.code
  if (typeof iam?.message === 'string' && (typeof code === 'string' || typeof code === 'number')) {
    return { error_code: String(code), error_msg: iam.message.slice(0, 1024) }
  }
  return undefined
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
