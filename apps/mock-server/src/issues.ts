import { isPlainObject } from '@sms-command/core'
// How the mock words a valibot refusal: `field: message` naming the first problem's path, and
// object schemas that refuse every non-object (valibot's let an array through).
import * as v from 'valibot'

/** Says what a JSON value is, for "expected a JSON object, got …". */
function describeJsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return 'a number'
  if (typeof value === 'boolean') return String(value)
  return typeof value
}

/**
 * Makes an object schema refuse every input that is not a JSON object. valibot's object schemas
 * let arrays through (`[]` passes as `{}`), and word null or a string in valibot's own style;
 * this refuses them all with `expected a JSON object, got an array`. Kept an object schema
 * (entries, `v.pick`, `v.variant` still work).
 *
 * @example
 * const Body = jsonObject(v.strictObject({ name: v.optional(v.string()) }))
 * v.safeParse(Body, []).issues?.[0].message // 'expected a JSON object, got an array'
 */
export function jsonObject<
  T extends
    | v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>
    | v.LooseObjectSchema<v.ObjectEntries, v.ErrorMessage<v.LooseObjectIssue> | undefined>,
>(schema: T): T {
  const run = schema['~run']
  return v._standardSchema({
    ...schema,
    '~run'(this: T, dataset, config) {
      const input = dataset.value
      if (isPlainObject(input)) {
        return run.call(this, dataset, config)
      }
      // `schema` as the issue's context: the same kind, type and expects as `this`.
      const context = schema as v.StrictObjectSchema<v.ObjectEntries, undefined>
      v._addIssue(context, 'type', dataset, config, {
        message: `expected a JSON object, got ${describeJsonKind(input)}`,
      })
      return dataset as unknown as v.OutputDataset<v.InferOutput<T>, v.InferIssue<T>>
    },
  } as T)
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => item.key)
  let out = ''
  for (const key of keys)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`
  return out === '' ? '$' : out
}

/** Names the first problem of a valibot result as `field: message`. */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): {
  field: string
  message: string
} {
  let issue = issues[0]
  if (!issue) return { field: '$', message: 'invalid' }
  // A union (a token string or object, …) whose input had the shape of one option: name the
  // field inside that option that failed, not just the union.
  const inner = issue.type === 'union' ? issue.issues?.find((i) => i.path?.length) : undefined
  if (issue.type === 'union' && inner) {
    issue = { ...inner, path: [...(issue.path ?? []), ...(inner.path ?? [])] as typeof inner.path }
  }
  const missing = issue.kind === 'schema' && issue.received === 'undefined'
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    return { field: pathOf(issue), message: 'unknown field' }
  }
  return { field: pathOf(issue), message: missing ? 'is required' : issue.message }
}
