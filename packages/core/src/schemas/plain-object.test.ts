import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { isPlainObject, plainObject } from './plain-object.ts'

describe('isPlainObject', () => {
  it('is true for JSON objects only: not arrays, null or scalars', () => {
    expect(isPlainObject({})).toBe(true)
    expect(isPlainObject({ task_id: 't' })).toBe(true)
    expect(isPlainObject(Object.create(null))).toBe(true)
    for (const value of [[], [1], null, undefined, 'x', 1, true]) {
      expect(isPlainObject(value), JSON.stringify(value)).toBe(false)
    }
  })
})

describe('plainObject', () => {
  it('refuses what isPlainObject refuses, with its message, before the object schema runs', () => {
    const Schema = v.pipe(plainObject(), v.looseObject({ task_id: v.optional(v.string()) }))
    expect(v.safeParse(Schema, { task_id: 't' }).success).toBe(true)
    expect(v.safeParse(Schema, []).issues?.[0]?.message).toBe('expected a JSON object')
    expect(v.safeParse(plainObject('a body'), null).issues?.[0]?.message).toBe('a body')
  })
})
