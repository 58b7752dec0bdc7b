import * as v from 'valibot'
import { type ErrorBody, ErrorBodySchema } from '../schemas/error-body.ts'

// IAM answers `{"error":{"code":…,"message":…}}` where SMS answers `{"error_code","error_msg"}`.
const IamErrorSchema = v.object({
  error: v.object({ code: v.union([v.string(), v.number()]), message: v.string() }),
})

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
  const iam = v.safeParse(IamErrorSchema, json)
  if (iam.success) {
    return {
      error_code: String(iam.output.error.code),
      error_msg: iam.output.error.message.slice(0, 1024),
    }
  }
  return undefined
}
