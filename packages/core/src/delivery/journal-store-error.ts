import { hasName } from '../errors/sms-error.ts'

/** What the delivery asked of the journal store when it failed. */
export type JournalStoreOperation =
  /** `load()` rejected, or returned a value that is not a delivery journal. */
  | 'load'
  /** `save()` rejected: the step was not made durable. */
  | 'save'
  /** Another delivery is already running over this store in this process. */
  | 'busy'

/** Options of {@link JournalStoreError}. */
export interface JournalStoreErrorOptions {
  operation: JournalStoreOperation
  /** The store's `name` (e.g. `file /var/lib/sms-agent/journal.json`), or `journal store`. */
  store: string
  /** With `load` of a broken value: the dotted path of the first broken field. */
  field?: string | undefined
  /**
   * With `save`: true when what the step learnt (a finished run's result, a settled report) is
   * kept in memory and saved with the next successful write; false when the step did not happen
   * (nothing was run or sent on the strength of it).
   */
  keptInMemory?: boolean
  cause?: unknown
}

/**
 * The journal store failed. A delivery never acts on a step its store did not take: a command is
 * not run, and a report not sent, unless the store holds it first. What was learnt after acting
 * (a run's result) is never dropped: it stays in memory and goes to the store with the next write.
 *
 * @example
 * try {
 *   await deliverOnce(client, serverId, { journal, run })
 * } catch (error) {
 *   if (isJournalStoreError(error)) console.error(`${error.store}: ${error.message}`) // next pass resumes
 * }
 */
export class JournalStoreError extends Error {
  override readonly name = 'JournalStoreError' as const
  readonly operation: JournalStoreOperation
  readonly store: string
  readonly field: string | undefined
  readonly keptInMemory: boolean

  constructor(message: string, options: JournalStoreErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.operation = options.operation
    this.store = options.store
    this.field = options.field
    this.keptInMemory = options.keptInMemory ?? false
  }
}

/**
 * True for a {@link JournalStoreError} (also one from another copy of this package).
 *
 * @example
 * if (isJournalStoreError(error) && error.operation === 'save') retryLater()
 */
export function isJournalStoreError(error: unknown): error is JournalStoreError {
  return hasName(error, 'JournalStoreError')
}
