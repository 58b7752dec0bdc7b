import type * as v from 'valibot'

// The explicit types of core's schemas. JSR (and the `.d.ts` of every consumer) needs a written
// type for each exported schema: these name the shapes valibot's constructors return, with the
// error-message and length parameters widened (a message's wording is not part of the API).

/** An optional custom error message of a valibot schema or action. */
export type SchemaMessage<Issue extends v.BaseIssue<unknown>> = v.ErrorMessage<Issue> | undefined

/** The schema `plainObject()` returns: a JSON object (never an array), as a record. */
export type PlainObjectSchema = v.CustomSchema<
  Record<string, unknown>,
  SchemaMessage<v.CustomIssue>
>

/** A string of at most a given number of characters. */
export type TextSchema = v.SchemaWithPipe<
  readonly [
    v.StringSchema<SchemaMessage<v.StringIssue>>,
    v.MaxLengthAction<string, number, SchemaMessage<v.MaxLengthIssue<string, number>>>,
  ]
>

/** A string of a bounded number of characters (at least one, for ids and tokens). */
export type BoundedTextSchema = v.SchemaWithPipe<
  readonly [
    v.StringSchema<SchemaMessage<v.StringIssue>>,
    v.MinLengthAction<string, number, SchemaMessage<v.MinLengthIssue<string, number>>>,
    v.MaxLengthAction<string, number, SchemaMessage<v.MaxLengthIssue<string, number>>>,
  ]
>

/** A {@link TextSchema} that may also be `null` or absent. */
export type NullishTextSchema = v.NullishSchema<TextSchema, undefined>

/** A non-negative integer that may also be `null` or absent (counts, sizes, epoch times). */
export type NullishCountSchema = v.NullishSchema<
  v.SchemaWithPipe<
    readonly [
      v.NumberSchema<SchemaMessage<v.NumberIssue>>,
      v.IntegerAction<number, SchemaMessage<v.IntegerIssue<number>>>,
      v.MinValueAction<number, number, SchemaMessage<v.MinValueIssue<number, number>>>,
    ]
  >,
  undefined
>
