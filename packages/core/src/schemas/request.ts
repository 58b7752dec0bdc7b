import * as v from 'valibot'
import { LIMITS } from './limits.ts'
import type { BoundedTextSchema } from './schema-types.ts'

// Each schema is built in a `/* @__PURE__ */` function call: valibot's constructors aren't marked
// side-effect free, so without it a bundler keeps every schema of a module an app imports from.

/** `server_id` path parameter: 1–255 characters (an empty id can't form a path). */
export const ServerIdSchema: BoundedTextSchema = /* @__PURE__ */ (() =>
  v.pipe(
    v.string('expected a string'),
    v.minLength(LIMITS.serverId.min, 'expected a non-empty string'),
    v.maxLength(LIMITS.serverId.max, `expected at most ${LIMITS.serverId.max} characters`),
  ))()

/** `X-Auth-Token` header: 1–16,384 characters. */
export const AuthTokenSchema: BoundedTextSchema = /* @__PURE__ */ (() =>
  v.pipe(
    v.string('expected a string'),
    v.minLength(LIMITS.authToken.min, 'expected a non-empty token'),
    v.maxLength(LIMITS.authToken.max, `expected at most ${LIMITS.authToken.max} characters`),
  ))()
