import * as v from 'valibot'
import {
  BucketSchema,
  CommandNameSchema,
  type SmsCommand,
  TaskIdSchema,
} from '../schemas/command.ts'

/**
 * Where a delivery stands. Each step is in the journal store before anything acts on it:
 * `received` (seen, not started) → `running` (its run began) → `done` (result known, waiting to
 * be reported) → `reported` (nothing left to do; `outcome` says why).
 */
export type EntryState = 'received' | 'running' | 'done' | 'reported'

/** How an entry left the outbox. */
export type ReportOutcome =
  /** SMS answered 2xx to the report. */
  | 'acknowledged'
  /** A report was sent, its answer was lost, and SMS has since moved on: it was recorded. */
  | 'presumed-recorded'
  /** SMS moved on before any report was sent (the command was cancelled or replaced). */
  | 'superseded'
  /** SMS refused the report. */
  | 'rejected'

/** Why a result was settled `rejected`. */
export type RejectionReason = 'not-current' | 'invalid' | 'refused'

/** A command result as stored and reported. */
export interface StoredResult {
  result: 'success' | 'fail'
  result_detail: Record<string, unknown>
}

/** One delivery of a command and everything done about it. */
export interface DeliveryEntry {
  id: number
  command: SmsCommand
  state: EntryState
  receivedAt: string
  /** How many times a run was started for it (1; 2 after an `interrupted: 'rerun'`). */
  runs: number
  /** What runs it, as the runner named it (the agent: the handler's path). */
  handler?: string
  /** The process (group) id the runner reported, so a later start can stop an orphan. */
  handlerPid?: number
  startedAt?: string
  finishedAt?: string
  result?: StoredResult
  /** Report requests sent (or possibly sent): counted in the store before each one goes out. */
  reportAttempts: number
  reportedAt?: string
  outcome?: ReportOutcome
  /**
   * With outcome `rejected`: why. `refused` means SMS kept refusing a result it still waits for,
   * so the command stays current there and must not be run again.
   */
  rejection?: RejectionReason
}

/**
 * What a journal store keeps: one JSON value. Stores may add fields of their own beside these
 * (the agent's file adds its format, server and machine); they are kept as they are.
 */
export interface DeliveryState {
  [field: string]: unknown
  /** The id the next entry gets. */
  nextId: number
  /** Active entries and the last finished ones, oldest first. */
  entries: DeliveryEntry[]
}

const IsoDate = v.pipe(v.string(), v.isoTimestamp())

const EntrySchema = v.object({
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  // The command as core's CommandSchema parsed it (an SmsCommand): the same fields, but a
  // stored command never holds `null` (parsing dropped those fields) and always has its
  // `command_param`, so either would mean a corrupt file, not a gateway's habit.
  command: v.object({
    command_name: CommandNameSchema,
    command_param: v.looseObject({
      task_id: v.exactOptional(TaskIdSchema),
      bucket: v.exactOptional(BucketSchema),
    }),
  }),
  state: v.picklist(['received', 'running', 'done', 'reported']),
  receivedAt: IsoDate,
  runs: v.pipe(v.number(), v.integer(), v.minValue(0)),
  handler: v.exactOptional(v.string()),
  handlerPid: v.exactOptional(v.pipe(v.number(), v.integer())),
  startedAt: v.exactOptional(IsoDate),
  finishedAt: v.exactOptional(IsoDate),
  result: v.exactOptional(
    v.object({
      result: v.picklist(['success', 'fail']),
      result_detail: v.record(v.string(), v.unknown()),
    }),
  ),
  reportAttempts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  reportedAt: v.exactOptional(IsoDate),
  outcome: v.exactOptional(
    v.picklist(['acknowledged', 'presumed-recorded', 'superseded', 'rejected']),
  ),
  rejection: v.exactOptional(v.picklist(['not-current', 'invalid', 'refused'])),
})

const StateSchema = v.looseObject({
  nextId: v.pipe(v.number(), v.integer(), v.minValue(1)),
  entries: v.array(EntrySchema),
})

/** What {@link parseDeliveryState} found. */
export type ParsedDeliveryState =
  | { success: true; state: DeliveryState }
  /** `field` is the dotted path of the first broken field (`$` for the whole value). */
  | { success: false; field: string; message: string }

/**
 * Checks a value a journal store loaded. A broken value is never repaired or replaced: the caller
 * says which field is wrong and leaves the store untouched (its commands might otherwise run
 * again).
 *
 * @example
 * const parsed = parseDeliveryState(JSON.parse(text))
 * if (!parsed.success) throw new Error(`journal is corrupt at ${parsed.field}: ${parsed.message}`)
 */
export function parseDeliveryState(value: unknown): ParsedDeliveryState {
  const parsed = v.safeParse(StateSchema, value)
  if (parsed.success) return { success: true, state: parsed.output as unknown as DeliveryState }
  const issue = parsed.issues[0]
  const field = (issue.path ?? []).map((item) => String(item.key)).join('.') || '$'
  return { success: false, field, message: issue.message }
}

/**
 * The state of a journal nothing was written to yet.
 *
 * @example
 * await store.save(emptyDeliveryState())
 */
export function emptyDeliveryState(): DeliveryState {
  return { nextId: 1, entries: [] }
}
