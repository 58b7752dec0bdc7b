import * as v from 'valibot'
import type { PlainObjectSchema } from './schema-types.ts'

/**
 * True for a JSON object (a non-null object that is not an array): the one plain-object check
 * every schema and body parser uses, since `typeof [] === 'object'`.
 *
 * @example
 * isPlainObject({ a: 1 }) // true
 * isPlainObject([]) // false
 * isPlainObject(null) // false
 */
export function isPlainObject(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
}

/**
 * Accepts only a JSON object: valibot's object and record schemas also let arrays through.
 * Put it first in a `v.pipe` before the object schema.
 *
 * @example
 * v.pipe(plainObject(), v.looseObject({ task_id: v.optional(v.string()) }))
 */
export function plainObject(message = 'expected a JSON object'): PlainObjectSchema {
  return v.custom<Record<string, unknown>>(isPlainObject, message)
}
