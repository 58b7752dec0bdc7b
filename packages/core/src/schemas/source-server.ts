import * as v from 'valibot'
import { LIMITS } from './limits.ts'
import { plainObject } from './plain-object.ts'
import type {
  NullishCountSchema,
  NullishTextSchema,
  PlainObjectSchema,
  SchemaMessage,
} from './schema-types.ts'

// Each schema is built in a `/* @__PURE__ */` function call: valibot's constructors aren't marked
// side-effect free, so without it a bundler keeps every schema of a module an app imports from.

/** `state` values the SMS documentation names (docs/api.md §8); any other string passes through. */
export const SOURCE_SERVER_STATES = [
  'unavailable',
  'waiting',
  'initialize',
  'replicate',
  'syncing',
  'stopping',
  'stopped',
  'deleting',
  'error',
  'cloning',
  'cutovering',
  'finished',
] as const

/** `migration_cycle` values the SMS documentation names; any other string passes through. */
export const MIGRATION_CYCLES = [
  'checking',
  'setting',
  'replicating',
  'syncing',
  'cutovering',
  'cutovered',
] as const

// Every field is optional in the official SDKs, and some gateways send `null` for an absent
// value: both read as absent (see `parseServerPage`).
const text = (max: number): NullishTextSchema =>
  v.nullish(
    v.pipe(v.string('expected a string'), v.maxLength(max, `expected at most ${max} characters`)),
  )
const count: NullishCountSchema = /* @__PURE__ */ (() =>
  v.nullish(
    v.pipe(
      v.number('expected a number'),
      v.integer('expected an integer'),
      v.minValue(0, 'expected a non-negative number'),
    ),
  ))()

/** The type of {@link SourceServerSchema}. */
export type SourceServerSchemaType = v.SchemaWithPipe<
  readonly [
    PlainObjectSchema,
    v.LooseObjectSchema<
      {
        readonly id: NullishTextSchema
        readonly name: NullishTextSchema
        readonly ip: NullishTextSchema
        readonly os_type: NullishTextSchema
        readonly os_version: NullishTextSchema
        readonly state: NullishTextSchema
        readonly migration_cycle: NullishTextSchema
        readonly connected: v.NullishSchema<
          v.BooleanSchema<SchemaMessage<v.BooleanIssue>>,
          undefined
        >
        readonly enterprise_project_id: NullishTextSchema
        readonly agent_version: NullishTextSchema
        readonly last_visit_time: NullishCountSchema
        readonly add_date: NullishCountSchema
        readonly replicatesize: NullishCountSchema
        readonly totalsize: NullishCountSchema
      },
      undefined
    >,
  ]
>

/**
 * One entry of `source_servers` in `GET /v3/sources` (docs/api.md §8). Unknown `state` and
 * `migration_cycle` values are kept as strings; unknown fields are kept.
 */
export const SourceServerSchema: SourceServerSchemaType = /* @__PURE__ */ (() =>
  v.pipe(
    plainObject(),
    v.looseObject({
      id: text(LIMITS.serverId.max),
      name: text(LIMITS.serverName),
      ip: text(LIMITS.serverName),
      os_type: text(LIMITS.sourceServerText),
      os_version: text(LIMITS.serverName),
      state: text(LIMITS.sourceServerText),
      migration_cycle: text(LIMITS.sourceServerText),
      connected: v.nullish(v.boolean('expected true or false')),
      enterprise_project_id: text(LIMITS.sourceServerText),
      agent_version: text(LIMITS.sourceServerText),
      /** When `connected` last changed, in epoch milliseconds. */
      last_visit_time: count,
      add_date: count,
      replicatesize: count,
      totalsize: count,
    }),
  ))()

/** The type of {@link ServerPageSchema}. */
export type ServerPageSchemaType = v.SchemaWithPipe<
  readonly [
    PlainObjectSchema,
    v.LooseObjectSchema<
      {
        readonly count: NullishCountSchema
        readonly source_servers: v.NullishSchema<
          v.SchemaWithPipe<
            readonly [
              v.ArraySchema<SourceServerSchemaType, SchemaMessage<v.ArrayIssue>>,
              v.MaxLengthAction<
                v.InferOutput<SourceServerSchemaType>[],
                number,
                SchemaMessage<v.MaxLengthIssue<v.InferOutput<SourceServerSchemaType>[], number>>
              >,
            ]
          >,
          undefined
        >
      },
      undefined
    >,
  ]
>

/** The 200 body of `GET /v3/sources`: `count` is the total matching, not the page size. */
export const ServerPageSchema: ServerPageSchemaType = /* @__PURE__ */ (() =>
  v.pipe(
    plainObject(),
    v.looseObject({
      count,
      source_servers: v.nullish(
        v.pipe(
          v.array(SourceServerSchema, 'expected an array'),
          v.maxLength(LIMITS.serverPage, `expected at most ${LIMITS.serverPage} servers a page`),
        ),
      ),
    }),
  ))()

/** One of {@link SOURCE_SERVER_STATES}, or a newer state as a string. */
export type SourceServerState = (typeof SOURCE_SERVER_STATES)[number] | (string & {})

/** One of {@link MIGRATION_CYCLES}, or a newer value as a string. */
export type MigrationCycle = (typeof MIGRATION_CYCLES)[number] | (string & {})

/** A source server as listed by `GET /v3/sources`; every field may be absent. */
export interface SourceServer {
  id?: string
  name?: string
  ip?: string
  os_type?: string
  os_version?: string
  state?: SourceServerState
  migration_cycle?: MigrationCycle
  /** Whether SMS currently sees the server's agent. */
  connected?: boolean
  enterprise_project_id?: string
  agent_version?: string
  /** When `connected` last changed, in epoch milliseconds. */
  last_visit_time?: number
  /** When the server registered, in epoch milliseconds. */
  add_date?: number
  /** Bytes replicated so far. */
  replicatesize?: number
  /** Bytes to migrate. */
  totalsize?: number
  [field: string]: unknown
}
