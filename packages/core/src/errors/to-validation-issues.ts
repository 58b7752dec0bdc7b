import type * as v from 'valibot'
import type { ValidationIssue } from './sms-response-validation-error.ts'

/**
 * Describes a value by its type and size, never by its content, so a message can't leak a
 * secret or flood a log.
 *
 * @example
 * describeValue('x'.repeat(300)) // 'a string of 300 characters'
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') {
    return value === '' ? 'an empty string' : `a string of ${value.length} characters`
  }
  if (Array.isArray(value)) return `an array of ${value.length} items`
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`
  return typeof value
}

/** Converts valibot issues into field/expected/received triples with dotted paths. */
export function toValidationIssues(
  issues: readonly v.BaseIssue<unknown>[],
  root = '$',
): ValidationIssue[] {
  return issues.map((issue) => {
    const keys = (issue.path ?? []).map((item) => String(item.key))
    // valibot reports a missing key as "Invalid key: Expected \"x\" but received undefined".
    const missingKey =
      issue.kind === 'schema' && issue.type === 'object' && issue.received === 'undefined'
    return {
      field: keys.length === 0 ? root : root === '$' ? keys.join('.') : `${root}.${keys.join('.')}`,
      expected: missingKey ? 'a value (the field is required)' : issue.message,
      received: describeValue(issue.input),
    }
  })
}
