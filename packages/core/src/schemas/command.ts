import * as v from 'valibot'
import { LIMITS } from './limits.ts'
import { plainObject } from './plain-object.ts'
import type {
  BoundedTextSchema,
  NullishTextSchema,
  PlainObjectSchema,
  TextSchema,
} from './schema-types.ts'

// Each schema is built in a `/* @__PURE__ */` function call: valibot's constructors aren't marked
// side-effect free, so without it a bundler keeps every schema of a module an app imports from.

/** The four commands the SMS documentation names. Any other string is an unknown command. */
export const KNOWN_COMMANDS = ['START', 'STOP', 'DELETE', 'SYNC'] as const

/** One of {@link KNOWN_COMMANDS}. */
export type KnownCommandName = (typeof KNOWN_COMMANDS)[number]

/**
 * Tells a documented command from one this version does not know (e.g. `SKIP`, `UPLOAD_LOG`).
 *
 * @example
 * isKnownCommand('START') // true
 * isKnownCommand('PREMIGRATE') // false: pass it on, don't crash
 */
export function isKnownCommand(name: string): name is KnownCommandName {
  return (KNOWN_COMMANDS as readonly string[]).includes(name)
}

// Some gateways send `null` for an absent value; `parseCommandResponse` drops such fields.
const optionalParam = (max: number): NullishTextSchema =>
  v.nullish(v.pipe(v.string(), v.maxLength(max, `expected at most ${max} characters`)))

/** The type of {@link CommandParamSchema}. */
export type CommandParamSchemaType = v.SchemaWithPipe<
  readonly [
    PlainObjectSchema,
    v.LooseObjectSchema<
      { readonly task_id: NullishTextSchema; readonly bucket: NullishTextSchema },
      undefined
    >,
  ]
>

/**
 * `command_param` of a command. Unknown fields are kept so newer parameters reach the caller.
 */
export const CommandParamSchema: CommandParamSchemaType = /* @__PURE__ */ (() =>
  v.pipe(
    plainObject(),
    v.looseObject({
      task_id: optionalParam(LIMITS.taskId),
      bucket: optionalParam(LIMITS.bucket),
    }),
  ))()

/** The type of {@link CommandSchema}. */
export type CommandSchemaType = v.ObjectSchema<
  {
    readonly command_name: BoundedTextSchema
    readonly command_param: v.OptionalSchema<CommandParamSchemaType, Readonly<Record<never, never>>>
  },
  undefined
>

/** The command a source server must carry out: the 200 body of `GET .../command` when one is pending. */
export const CommandSchema: CommandSchemaType = /* @__PURE__ */ (() =>
  v.object({
    command_name: v.pipe(
      v.string('expected a string'),
      v.minLength(1, 'expected a non-empty command name'),
      v.maxLength(LIMITS.commandName, `expected at most ${LIMITS.commandName} characters`),
    ),
    command_param: v.optional(CommandParamSchema, {}),
  }))()

/** The type of {@link CommandResponseSchema}. */
export type CommandResponseSchemaType = v.ObjectSchema<
  {
    readonly command_name: v.NullishSchema<TextSchema, undefined>
    readonly command_param: v.NullishSchema<CommandParamSchemaType, undefined>
  },
  undefined
>

/**
 * The 200 body of `GET .../command`, pending or idle: `command_name` may be empty, null or absent.
 * {@link parseCommandResponse} turns it into a command or `null`.
 */
export const CommandResponseSchema: CommandResponseSchemaType = /* @__PURE__ */ (() =>
  v.object({
    command_name: v.nullish(
      v.pipe(
        v.string('expected a string'),
        v.maxLength(LIMITS.commandName, `expected at most ${LIMITS.commandName} characters`),
      ),
    ),
    command_param: v.nullish(CommandParamSchema),
  }))()

/** Parameters of a command; `task_id` and `bucket` are absent rather than null. */
export interface CommandParam {
  task_id?: string
  bucket?: string
  [key: string]: unknown
}

/** A pending command, as validated from the wire. */
export interface SmsCommand {
  command_name: string
  command_param: CommandParam
}

/** The body of `GET .../command` before idle detection. */
export type CommandResponse = v.InferInput<typeof CommandResponseSchema>
