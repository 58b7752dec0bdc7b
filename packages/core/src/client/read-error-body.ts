import * as v from 'valibot'
import { type ErrorBody, ErrorBodySchema } from '../schemas/error-body.ts'

/**
 * Reads an error body in the documented shape (or IAM's), or `undefined` when the body is
 * something else: an HTML page from a proxy, say.
 *
 * @example
 * readErrorBody('{"error_code":"SMS.2002","error_msg":"no permission"}')?.error_code // 'SMS.2002'
 */
export function readErrorBody(text: string): ErrorBody | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  const direct = v.safeParse(ErrorBodySchema, json)
  if (direct.success) return direct.output
  // IAM answers `{"error":{"code":…,"message":…}}` where SMS answers `{"error_code","error_msg"}`.
  const iam = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error
  const code = iam?.code
  if (typeof iam?.message === 'string' && (typeof code === 'string' || typeof code === 'number')) {
    return { error_code: String(code), error_msg: iam.message.slice(0, 1024) }
  }
  return undefined
}
