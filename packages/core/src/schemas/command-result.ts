import * as v from 'valibot'
import { LIMITS } from './limits.ts'
import { plainObject } from './plain-object.ts'
import type { PlainObjectSchema, SchemaMessage, TextSchema } from './schema-types.ts'

// Each schema is built in a `/* @__PURE__ */` function call: valibot's constructors aren't marked
// side-effect free, so without it a bundler keeps every schema of a module an app imports from.

/** `result` values accepted by `POST .../command_result`. */
export const COMMAND_RESULTS = ['success', 'fail'] as const

/** `success` or `fail`. */
export type CommandResultStatus = (typeof COMMAND_RESULTS)[number]

/** The type of {@link CommandResultSchema}. */
export type CommandResultSchemaType = v.ObjectSchema<
  {
    readonly command_name: TextSchema
    readonly result: v.PicklistSchema<typeof COMMAND_RESULTS, SchemaMessage<v.PicklistIssue>>
    readonly result_detail: v.SchemaWithPipe<
      readonly [
        PlainObjectSchema,
        v.RecordSchema<v.StringSchema<undefined>, v.UnknownSchema, undefined>,
      ]
    >
  },
  undefined
>

/** Body of `POST /v3/sources/{server_id}/command_result` (docs/api.md §2). */
export const CommandResultSchema: CommandResultSchemaType = /* @__PURE__ */ (() =>
  v.object({
    // Not CommandNameSchema (command.ts): a result's name is documented as 0–255 characters
    // (docs/api.md §2), and a non-empty name is what makes a polled answer a pending command,
    // not what SMS asks of a report.
    command_name: v.pipe(
      v.string('expected a string'),
      v.maxLength(LIMITS.commandName, `expected at most ${LIMITS.commandName} characters`),
    ),
    result: v.picklist(COMMAND_RESULTS, 'expected "success" or "fail"'),
    result_detail: v.pipe(plainObject(), v.record(v.string(), v.unknown())),
  }))()

/** A command result as sent to SMS. */
export type CommandResult = v.InferOutput<typeof CommandResultSchema>
