import * as v from 'valibot'
import type { PlainObjectSchema } from './schema-types.ts'

/**
 * Accepts only a JSON object: valibot's object and record schemas also let arrays through.
 * Put it first in a `v.pipe` before the object schema.
 *
 * @example
 * v.pipe(plainObject(), v.looseObject({ task_id: v.optional(v.string()) }))
 */
export function plainObject(message = 'expected a JSON object'): PlainObjectSchema {
  return v.custom<Record<string, unknown>>(
    (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
    message,
  )
}
