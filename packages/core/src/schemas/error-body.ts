import * as v from 'valibot'
import { LIMITS } from './limits.ts'
import type { TextSchema } from './schema-types.ts'

// Each schema is built in a `/* @__PURE__ */` function call: valibot's constructors aren't marked
// side-effect free, so without it a bundler keeps every schema of a module an app imports from.

/**
 * The error body of every 4xx/5xx answer: `{ error_code, error_msg }`. Extra fields such as
 * `encoded_authorization_message` or `request_id` are tolerated and kept.
 */
/** The type of {@link ErrorBodySchema}. */
export type ErrorBodySchemaType = v.LooseObjectSchema<
  { readonly error_code: TextSchema; readonly error_msg: TextSchema },
  undefined
>

export const ErrorBodySchema: ErrorBodySchemaType = /* @__PURE__ */ (() =>
  v.looseObject({
    error_code: v.pipe(
      v.string('expected a string'),
      v.maxLength(LIMITS.errorCode, `expected at most ${LIMITS.errorCode} characters`),
    ),
    error_msg: v.pipe(
      v.string('expected a string'),
      v.maxLength(LIMITS.errorMsg, `expected at most ${LIMITS.errorMsg} characters`),
    ),
  }))()

/** An SMS error body. */
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>
