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

// The command's shape has this one home: its name and parameter fields are declared here once,
// and every other schema of a command is built from them (the journal's stored command in
// `delivery/journal-state.ts`, the mock's events in `events/mock-events.ts`, the mock's enqueue
// input and its admin answers), each wrapping them only where it must differ, with the reason
// beside it.

/**
 * `command_name` of a pending command: a non-empty string of at most 255 characters.
 *
 * @example
 * v.parse(CommandNameSchema, 'START') // 'START'
 */
export const CommandNameSchema: BoundedTextSchema = /* @__PURE__ */ (() =>
  v.pipe(
    v.string('expected a string'),
    v.minLength(1, 'expected a non-empty command name'),
    v.maxLength(LIMITS.commandName, `expected at most ${LIMITS.commandName} characters`),
  ))()

/**
 * `command_param.task_id` when present: at most 255 characters. Whether it may be absent or
 * `null` is up to the schema that holds it ({@link CommandParamSchema} takes both).
 *
 * @example
 * v.object({ task_id: v.optional(TaskIdSchema) })
 */
export const TaskIdSchema: TextSchema = /* @__PURE__ */ (() =>
  v.pipe(
    v.string('expected a string'),
    v.maxLength(LIMITS.taskId, `expected at most ${LIMITS.taskId} characters`),
  ))()

/**
 * `command_param.bucket` when present: at most 255 characters.
 *
 * @example
 * v.object({ bucket: v.optional(BucketSchema) })
 */
export const BucketSchema: TextSchema = /* @__PURE__ */ (() =>
  v.pipe(
    v.string('expected a string'),
    v.maxLength(LIMITS.bucket, `expected at most ${LIMITS.bucket} characters`),
  ))()

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
 * Some gateways send `null` for an absent value; `parseCommandResponse` drops such fields.
 */
export const CommandParamSchema: CommandParamSchemaType = /* @__PURE__ */ (() =>
  v.pipe(
    plainObject(),
    v.looseObject({ task_id: v.nullish(TaskIdSchema), bucket: v.nullish(BucketSchema) }),
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
    command_name: CommandNameSchema,
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
    // Not CommandNameSchema: an idle answer names no command, so the name may be empty here.
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
