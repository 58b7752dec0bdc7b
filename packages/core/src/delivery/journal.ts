import type { SmsCommand } from '../schemas/command.ts'
import { commandKey } from './command-key.ts'
import {
  type DeliveryEntry,
  type DeliveryState,
  type EntryState,
  emptyDeliveryState,
  parseDeliveryState,
  type RejectionReason,
  type ReportOutcome,
  type StoredResult,
} from './journal-state.ts'
import { JournalStoreError } from './journal-store-error.ts'

/**
 * Where a delivery keeps its journal: any object that durably keeps one JSON-serialisable value
 * (a file, Workers KV, a Durable Object's storage, IndexedDB). `load` resolves `undefined` (or
 * `null`) when nothing was saved yet. `save` must resolve only once the value would survive a
 * crash; a rejection is never taken for success.
 *
 * @example
 * const store: JournalStore = {
 *   name: 'durable object storage',
 *   load: () => ctx.storage.get('journal'),
 *   save: (state) => ctx.storage.put('journal', state),
 * }
 */
export interface JournalStore {
  load(): Promise<unknown>
  save(state: DeliveryState): Promise<void>
  /** Named in errors and events (never holds a secret). Default `journal store`. */
  readonly name?: string
}

/** Finished entries kept for inspection; older ones are dropped. */
const KEEP_REPORTED = 100

/** What {@link DeliveryJournal.recover} did with an entry a previous run left `running`. */
export interface RecoveredEntry {
  entry: DeliveryEntry
  action: 'interrupted' | 'rerun'
  /** The pid the runner recorded: what ran it may still be running. */
  handlerPid: number | undefined
}

/**
 * How a write that fails is treated. `gate`: the step must be durable before anything acts on it
 * (a run starts, a report leaves), so a failure leaves memory unchanged. `keep`: the step records
 * what already happened (a run's result), so a failure keeps it in memory and the next successful
 * write saves it too.
 */
type WriteKind = 'gate' | 'keep'

/**
 * The delivery journal over a {@link JournalStore}: an in-memory view, changed only through
 * transitions that are saved before they resolve. Writes are serialised.
 *
 * @example
 * const journal = await DeliveryJournal.open(memoryJournal())
 * const entry = await journal.receive(command)
 * await journal.markRunning(entry.id, 'my-runner')
 */
export class DeliveryJournal {
  readonly storeName: string
  private data: DeliveryState
  private unsavedError: JournalStoreError | undefined
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly store: JournalStore,
    data: DeliveryState,
    private readonly now: () => number,
  ) {
    this.storeName = store.name ?? 'journal store'
    this.data = data
  }

  /**
   * Loads the journal a store keeps (or starts an empty one, saved at the first step).
   *
   * @throws {JournalStoreError} when `load` rejects or returns something that is not a journal;
   * the store is left untouched.
   */
  static async open(store: JournalStore, now: () => number = Date.now): Promise<DeliveryJournal> {
    const name = store.name ?? 'journal store'
    let value: unknown
    try {
      value = await store.load()
    } catch (cause) {
      throw new JournalStoreError(
        `Cannot load the delivery journal from ${name}: ${message(cause)}`,
        {
          operation: 'load',
          store: name,
          cause,
        },
      )
    }
    if (value === undefined || value === null) {
      return new DeliveryJournal(store, emptyDeliveryState(), now)
    }
    if (typeof value === 'string') {
      // A KV store's get() returns the text it was given: the commonest wrong store. The text
      // itself is not quoted: it is the whole journal.
      throw new JournalStoreError(
        `The delivery journal in ${name} came back as text (${value.length} characters), not the value that was saved: a store whose backend keeps text must JSON.stringify in save() and JSON.parse in load(). It was left as it is`,
        { operation: 'load', store: name, field: '$' },
      )
    }
    const parsed = parseDeliveryState(value)
    if (!parsed.success) {
      throw new JournalStoreError(
        `The delivery journal in ${name} is corrupt at ${parsed.field}: ${parsed.message}. It was left as it is; fix it or start a new one (the commands it tracks may then run again)`,
        { operation: 'load', store: name, field: parsed.field },
      )
    }
    return new DeliveryJournal(store, structuredClone(parsed.state), now)
  }

  /** True while a step is known in memory that the store has not taken yet. */
  get unsaved(): boolean {
    return this.unsavedError !== undefined
  }

  /** The whole state as the store should hold it (a copy). */
  snapshot(): DeliveryState {
    return structuredClone(this.data)
  }

  /** Every entry, oldest first. */
  entries(): readonly DeliveryEntry[] {
    return this.data.entries
  }

  /** Entries that still need something: not yet `reported`. */
  active(): DeliveryEntry[] {
    return this.data.entries.filter((entry) => entry.state !== 'reported')
  }

  /** Results waiting to be reported. */
  outbox(): number {
    return this.data.entries.filter((entry) => entry.state === 'done').length
  }

  /** The unfinished entry of this command, if any. */
  findActive(command: SmsCommand): DeliveryEntry | undefined {
    const key = commandKey(command)
    return this.data.entries.find(
      (entry) => entry.state !== 'reported' && commandKey(entry.command) === key,
    )
  }

  /** The latest finished entry of this command, if any. */
  findReported(command: SmsCommand): DeliveryEntry | undefined {
    const key = commandKey(command)
    return this.data.entries.findLast(
      (entry) => entry.state === 'reported' && commandKey(entry.command) === key,
    )
  }

  /** The newest entry of all, if any. */
  latest(): DeliveryEntry | undefined {
    return this.data.entries.at(-1)
  }

  /** The entry with this id, if it is still kept. */
  get(id: number): DeliveryEntry | undefined {
    return this.data.entries.find((entry) => entry.id === id)
  }

  /** Saves what memory holds and the store doesn't yet. Resolves at once when nothing is unsaved. */
  flush(): Promise<void> {
    if (!this.unsavedError) return Promise.resolve()
    return this.update('keep', () => undefined)
  }

  /** Journals a new delivery as `received`. */
  receive(command: SmsCommand): Promise<DeliveryEntry> {
    return this.update('gate', (data) => {
      const entry: DeliveryEntry = {
        id: data.nextId,
        command: structuredClone(command),
        state: 'received',
        receivedAt: this.timestamp(),
        runs: 0,
        reportAttempts: 0,
      }
      data.nextId++
      data.entries.push(entry)
      return structuredClone(entry)
    })
  }

  /** `received` → `running`, before the run starts. */
  markRunning(id: number, handler?: string): Promise<DeliveryEntry> {
    return this.transition('gate', id, ['received'], (entry) => {
      entry.state = 'running'
      if (handler !== undefined) entry.handler = handler
      else delete entry.handler
      entry.startedAt = this.timestamp()
      entry.runs++
      delete entry.handlerPid
    })
  }

  /** `running` → `received` for a run that never began: not counted, run again later. */
  markNotStarted(id: number): Promise<DeliveryEntry> {
    return this.transition('keep', id, ['running'], (entry) => {
      entry.state = 'received'
      entry.runs = Math.max(0, entry.runs - 1)
      delete entry.startedAt
      delete entry.handlerPid
    })
  }

  /** Records the pid of what runs the entry, so a later start can stop an orphan. */
  setHandlerPid(id: number, pid: number): Promise<DeliveryEntry> {
    return this.transition('keep', id, ['running'], (entry) => {
      entry.handlerPid = pid
    })
  }

  /** `received`/`running` → `done`: the result is known and waits in the outbox. */
  markDone(id: number, result: StoredResult): Promise<DeliveryEntry> {
    return this.transition('keep', id, ['received', 'running'], (entry) => {
      entry.state = 'done'
      entry.result = structuredClone(result)
      entry.finishedAt = this.timestamp()
    })
  }

  /**
   * Counts a report attempt before the request leaves. Kept in memory when the store fails: the
   * count only tells a lost answer from a report never sent once SMS has moved on, and a result
   * that reached memory must still be able to reach SMS.
   */
  recordReportAttempt(id: number): Promise<DeliveryEntry> {
    return this.transition('keep', id, ['done'], (entry) => {
      entry.reportAttempts++
    })
  }

  /** `received`/`done` → `reported`, with the reason nothing more will be sent. */
  markReported(
    id: number,
    outcome: ReportOutcome,
    rejection?: RejectionReason,
  ): Promise<DeliveryEntry> {
    return this.transition('keep', id, ['received', 'done'], (entry) => {
      entry.state = 'reported'
      entry.outcome = outcome
      if (rejection) entry.rejection = rejection
      entry.reportedAt = this.timestamp()
    })
  }

  /**
   * Deals with entries left `running` by a run that is gone (a crash, a kill, a pass that ended).
   * With `fail` each becomes `done` with a `fail` result, reason `interrupted`; with `rerun` it
   * goes back to `received` to run once more, unless it already was rerun once. `except` names
   * entries whose run is still in progress here.
   */
  recover(
    policy: 'fail' | 'rerun',
    except: ReadonlySet<number> = new Set(),
  ): Promise<RecoveredEntry[]> {
    if (!this.data.entries.some((entry) => entry.state === 'running' && !except.has(entry.id))) {
      return Promise.resolve([])
    }
    return this.update('keep', (data) => {
      const recovered: RecoveredEntry[] = []
      for (const entry of data.entries) {
        if (entry.state !== 'running' || except.has(entry.id)) continue
        const handlerPid = entry.handlerPid
        if (policy === 'rerun' && entry.runs < 2) {
          entry.state = 'received'
          delete entry.handlerPid
          recovered.push({ entry: structuredClone(entry), action: 'rerun', handlerPid })
          continue
        }
        entry.state = 'done'
        entry.finishedAt = this.timestamp()
        entry.result = {
          result: 'fail',
          result_detail: {
            reason: 'interrupted',
            message:
              'the delivery stopped (crash, kill or power loss) while this command ran; it was not run again',
            handler: entry.handler ?? null,
            started_at: entry.startedAt ?? null,
            interrupted_detected_at: entry.finishedAt,
            runs: entry.runs,
          },
        }
        recovered.push({ entry: structuredClone(entry), action: 'interrupted', handlerPid })
      }
      return recovered
    })
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString()
  }

  private transition(
    kind: WriteKind,
    id: number,
    from: readonly EntryState[],
    change: (entry: DeliveryEntry) => void,
  ): Promise<DeliveryEntry> {
    return this.update(kind, (data) => {
      const entry = data.entries.find((candidate) => candidate.id === id)
      if (!entry) throw new Error(`journal entry ${id} does not exist`)
      if (!from.includes(entry.state)) {
        throw new Error(`journal entry ${id} is ${entry.state}, expected ${from.join(' or ')}`)
      }
      change(entry)
      return structuredClone(entry)
    })
  }

  /** Applies `change` to a copy and saves it; memory follows the rules of {@link WriteKind}. */
  private update<T>(kind: WriteKind, change: (data: DeliveryState) => T): Promise<T> {
    const run = async () => {
      const next = structuredClone(this.data)
      const result = change(next)
      prune(next)
      try {
        await this.store.save(structuredClone(next))
      } catch (cause) {
        const keptInMemory = kind === 'keep'
        const error = new JournalStoreError(
          `Cannot save the delivery journal to ${this.storeName}: ${message(cause)}${keptInMemory ? '; what is known stays in memory and is saved with the next write' : '; nothing was run or sent on the strength of this step'}`,
          { operation: 'save', store: this.storeName, keptInMemory, cause },
        )
        if (keptInMemory) {
          this.data = next
          this.unsavedError = error
        }
        throw error
      }
      this.data = next
      this.unsavedError = undefined
      return result
    }
    const result = this.queue.then(run, run)
    this.queue = result.catch(() => {})
    return result
  }
}

function message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

function prune(data: DeliveryState) {
  const reported = data.entries.filter((entry) => entry.state === 'reported')
  const excess = reported.length - KEEP_REPORTED
  if (excess <= 0) return
  const drop = new Set(reported.slice(0, excess))
  data.entries = data.entries.filter((entry) => !drop.has(entry))
}
