import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SmsCommand } from '@sms-command/core'
import * as v from 'valibot'
import { writeFileAtomic } from './atomic-file.ts'
import { StateError } from './state-error.ts'

/** Name of the journal file inside the state directory. */
export const JOURNAL_FILE = 'journal.json'
const FORMAT = 'sms-agent-journal'
const VERSION = 1
/** Finished entries kept for inspection; older ones are dropped. */
const KEEP_REPORTED = 100

/**
 * Where a delivery stands. Each step is on disk before the agent acts on it:
 * `received` (seen, not started) → `running` (handler spawned) → `done` (result known, in the
 * outbox) → `reported` (nothing left to do; `outcome` says why).
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
  /** SMS refused the report (`SMS.2009`: not the current command). */
  | 'rejected'

/** A command result as stored and reported. */
export interface StoredResult {
  result: 'success' | 'fail'
  result_detail: Record<string, unknown>
}

/** One delivery of a command and everything done about it. */
export interface JournalEntry {
  id: number
  command: SmsCommand
  state: EntryState
  receivedAt: string
  /** How many times a handler was started for it (1; 2 after an `--interrupted rerun`). */
  runs: number
  handler?: string
  handlerPid?: number
  startedAt?: string
  finishedAt?: string
  result?: StoredResult
  /** Report requests sent (or possibly sent): counted on disk before each one goes out. */
  reportAttempts: number
  reportedAt?: string
  outcome?: ReportOutcome
  /**
   * With outcome `rejected`: why. `refused` means SMS kept refusing a result it still waits for,
   * so the command stays current there and must not be run again.
   */
  rejection?: RejectionReason
}

/** Why a result was settled `rejected`. */
export type RejectionReason = 'not-current' | 'invalid' | 'refused'

/** What {@link DeliveryJournal.recover} did with an entry a previous run left `running`. */
export interface RecoveredEntry {
  entry: JournalEntry
  action: 'interrupted' | 'rerun'
  /** The handler's process (group) id when it was recorded: it may still be running. */
  handlerPid: number | undefined
}

/**
 * The identity of a command under docs/api.md §2: there is no message id, so `command_name` and
 * `task_id` together decide whether a delivery is one the agent has seen.
 *
 * @example
 * commandKey({ command_name: 'START', command_param: { task_id: 't1' } }) // '["START","t1"]'
 */
export function commandKey(command: SmsCommand): string {
  return JSON.stringify([command.command_name, command.command_param.task_id ?? ''])
}

const IsoDate = v.pipe(v.string(), v.isoTimestamp())

const EntrySchema = v.object({
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  command: v.object({
    command_name: v.pipe(v.string(), v.minLength(1)),
    command_param: v.looseObject({
      task_id: v.exactOptional(v.string()),
      bucket: v.exactOptional(v.string()),
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

const MachineSchema = v.object({
  productUuid: v.exactOptional(v.string()),
  machineId: v.exactOptional(v.string()),
  hostname: v.exactOptional(v.string()),
})

const JournalFileSchema = v.object({
  format: v.literal(FORMAT),
  version: v.literal(VERSION),
  serverId: v.string(),
  machine: v.exactOptional(MachineSchema),
  createdAt: IsoDate,
  nextId: v.pipe(v.number(), v.integer(), v.minValue(1)),
  entries: v.array(EntrySchema),
})

/**
 * The machine a journal belongs to. A VM cloned after the agent ran carries its state directory;
 * this tells the clone's journal from its own.
 */
export interface MachineFingerprint {
  /**
   * The firmware's machine UUID (`/sys/class/dmi/id/product_uuid`, readable by root only on most
   * systems). Hypervisors give a cloned VM a new one, so it tells a clone even when the image's
   * machine id and hostname were copied.
   */
  productUuid?: string | undefined
  /** `/etc/machine-id` (or `/var/lib/dbus/machine-id`); copied along with an unprepared image. */
  machineId?: string | undefined
  /** Weak: containers get a new one when recreated, clones often keep the image's. */
  hostname?: string | undefined
}

/** How a journal's machine compares with this one. */
type MachineVerdict =
  /** Nothing comparable differs. */
  | { kind: 'same' }
  /** A fact that proves another machine differs: refuse unless adopted. */
  | { kind: 'foreign'; differs: (keyof MachineFingerprint)[] }
  /**
   * Only the hostname differs and nothing stronger is known on both sides: a container recreated
   * with a new hostname as likely as a clone. Taken over with a warning, never refused.
   */
  | { kind: 'unproven'; differs: (keyof MachineFingerprint)[] }

interface JournalFile {
  format: typeof FORMAT
  version: typeof VERSION
  serverId: string
  machine?: MachineFingerprint
  createdAt: string
  nextId: number
  entries: JournalEntry[]
}

/** Options of {@link DeliveryJournal.open}. */
export interface JournalOptions {
  /** State directory; created (mode 0700) when missing. */
  dir: string
  /** The server this agent serves; a journal of another server is refused. */
  serverId: string
  now?: () => number
  /** Open without creating or writing anything (`--dry-run`). */
  readOnly?: boolean
  /**
   * This machine. A journal written on another machine is refused (a cloned VM), unless
   * `adopt`; a journal without one is stamped with it. Facts that can't be read are not compared.
   */
  machine?: MachineFingerprint
  /** Take over a journal of another machine (`--adopt-state`), stamping it with this one. */
  adopt?: boolean
  /** Called when a journal of another machine was adopted, with the machine it came from. */
  onAdopt?: (previous: MachineFingerprint) => void
  /**
   * Called when the journal is kept although its machine can't be proven to be this one: only
   * the hostname differs and no stronger fact is known on both sides (`changed`), or no fact but
   * the hostname is known at all, so a clone that kept the hostname would pass (`weak`).
   */
  onUnproven?: (why: 'changed' | 'weak', previous: MachineFingerprint | undefined) => void
}

const MACHINE_FACTS = ['productUuid', 'machineId', 'hostname'] as const

/**
 * Compares the journal's machine with this one on the facts both sides have. The firmware UUID
 * decides when both have it (equal: the same machine, renamed or reinstalled); otherwise a
 * different machine id, or an equal machine id with another hostname (a clone of an unprepared
 * image, renamed), is foreign. A hostname alone proves nothing either way.
 */
function compareMachines(
  recorded: MachineFingerprint | undefined,
  current: MachineFingerprint | undefined,
): MachineVerdict {
  if (!recorded || !current) return { kind: 'same' }
  const both = (key: keyof MachineFingerprint) =>
    recorded[key] !== undefined && current[key] !== undefined
  const differs = MACHINE_FACTS.filter((key) => both(key) && recorded[key] !== current[key])
  if (both('productUuid')) {
    return differs.includes('productUuid') ? { kind: 'foreign', differs } : { kind: 'same' }
  }
  if (both('machineId')) return differs.length > 0 ? { kind: 'foreign', differs } : { kind: 'same' }
  return differs.length > 0 ? { kind: 'unproven', differs } : { kind: 'same' }
}

function knownFacts(machine: MachineFingerprint | undefined): MachineFingerprint | undefined {
  if (!machine) return undefined
  const facts: MachineFingerprint = {
    ...(machine.productUuid ? { productUuid: machine.productUuid } : {}),
    ...(machine.machineId ? { machineId: machine.machineId } : {}),
    ...(machine.hostname ? { hostname: machine.hostname } : {}),
  }
  return Object.keys(facts).length > 0 ? facts : undefined
}

/**
 * The durable journal of command deliveries, one JSON file in the state directory. Every
 * transition is written atomically (temporary file, fsync, rename, directory fsync) before the
 * method resolves, so the agent only acts on a step once it would survive a crash. The in-memory
 * view changes only after the write succeeded.
 *
 * @example
 * const journal = await DeliveryJournal.open({ dir: '/var/lib/sms-agent', serverId })
 * const entry = await journal.receive(command)
 * await journal.markRunning(entry.id, '/usr/local/bin/handler')
 */
export class DeliveryJournal {
  readonly path: string
  private data: JournalFile
  private readonly now: () => number
  private readonly readOnly: boolean
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(path: string, data: JournalFile, now: () => number, readOnly: boolean) {
    this.path = path
    this.data = data
    this.now = now
    this.readOnly = readOnly
  }

  /**
   * Loads the journal of `dir`, or starts an empty one. A file that is not valid JSON, not a
   * journal, of a newer version or of another server is refused with a {@link StateError} and left
   * untouched.
   *
   * @throws {StateError}
   */
  static async open(options: JournalOptions): Promise<DeliveryJournal> {
    const now = options.now ?? Date.now
    const path = join(options.dir, JOURNAL_FILE)
    const readOnly = options.readOnly === true
    if (!readOnly) {
      try {
        await mkdir(options.dir, { recursive: true, mode: 0o700 })
      } catch (cause) {
        throw new StateError(
          'io',
          options.dir,
          `Cannot create state directory ${options.dir}: ${(cause as Error).message}`,
          { cause },
        )
      }
    }
    let text: string | undefined
    try {
      text = await readFile(path, 'utf8')
    } catch (cause) {
      if ((cause as { code?: unknown }).code !== 'ENOENT') {
        throw new StateError(
          'io',
          path,
          `Cannot read journal ${path}: ${(cause as Error).message}`,
          {
            cause,
          },
        )
      }
    }
    const machine = knownFacts(options.machine)
    if (text === undefined) {
      const fresh: JournalFile = {
        format: FORMAT,
        version: VERSION,
        serverId: options.serverId,
        ...(machine ? { machine } : {}),
        createdAt: new Date(now()).toISOString(),
        nextId: 1,
        entries: [],
      }
      const journal = new DeliveryJournal(path, fresh, now, readOnly)
      if (machine && machine.productUuid === undefined && machine.machineId === undefined) {
        options.onUnproven?.('weak', undefined)
      }
      if (!readOnly) await journal.persist(fresh)
      return journal
    }
    const data = parseJournal(path, text, options.serverId)
    const journal = new DeliveryJournal(path, data, now, readOnly)
    const verdict = compareMachines(data.machine, machine)
    const differs = verdict.kind === 'same' ? [] : verdict.differs
    if (verdict.kind === 'foreign' && !options.adopt) {
      const was = describeMachine(data.machine)
      const is = describeMachine(machine)
      throw new StateError(
        'foreign',
        path,
        `Journal ${path} was written on another machine (${was}; this is ${is}): this machine is probably a clone of that one, and two agents polling the same server would both run its commands. Give this machine a fresh --state-dir (move ${options.dir} aside; its commands may run again here), or, if this is the same machine after a rename or reinstall, start once with --adopt-state.`,
      )
    }
    const stale =
      machine !== undefined &&
      (Object.keys(machine) as (keyof MachineFingerprint)[]).some(
        (key) => data.machine?.[key] !== machine[key],
      )
    if (verdict.kind === 'unproven' && !options.adopt) {
      options.onUnproven?.('changed', data.machine)
    } else if (
      machine !== undefined &&
      machine.productUuid === undefined &&
      machine.machineId === undefined
    ) {
      options.onUnproven?.('weak', data.machine)
    }
    if (stale && !readOnly) {
      if (differs.length > 0 && data.machine && (verdict.kind === 'foreign' || options.adopt)) {
        options.onAdopt?.(data.machine)
      }
      await journal.update((next) => {
        next.machine = { ...next.machine, ...machine }
      })
    }
    return journal
  }

  /** Every entry, oldest first. */
  entries(): readonly JournalEntry[] {
    return this.data.entries
  }

  /** Entries that still need something: not yet `reported`. */
  active(): JournalEntry[] {
    return this.data.entries.filter((entry) => entry.state !== 'reported')
  }

  /** The unfinished entry of this command, if any. */
  findActive(command: SmsCommand): JournalEntry | undefined {
    const key = commandKey(command)
    return this.data.entries.find(
      (entry) => entry.state !== 'reported' && commandKey(entry.command) === key,
    )
  }

  /** The latest finished entry of this command, if any. */
  findReported(command: SmsCommand): JournalEntry | undefined {
    const key = commandKey(command)
    return this.data.entries.findLast(
      (entry) => entry.state === 'reported' && commandKey(entry.command) === key,
    )
  }

  /** The newest entry of all, if any. */
  latest(): JournalEntry | undefined {
    return this.data.entries.at(-1)
  }

  get(id: number): JournalEntry | undefined {
    return this.data.entries.find((entry) => entry.id === id)
  }

  /** Journals a new delivery as `received`. */
  receive(command: SmsCommand): Promise<JournalEntry> {
    return this.update((data) => {
      const entry: JournalEntry = {
        id: data.nextId,
        command: structuredClone(command),
        state: 'received',
        receivedAt: this.timestamp(),
        runs: 0,
        reportAttempts: 0,
      }
      data.nextId++
      data.entries.push(entry)
      return entry
    })
  }

  /** `received` → `running`, before the handler is spawned. */
  markRunning(id: number, handler: string): Promise<JournalEntry> {
    return this.transition(id, ['received'], (entry) => {
      entry.state = 'running'
      entry.handler = handler
      entry.startedAt = this.timestamp()
      entry.runs++
      delete entry.handlerPid
    })
  }

  /** Records the handler's pid (its process group), so a later run can stop an orphan. */
  setHandlerPid(id: number, pid: number): Promise<JournalEntry> {
    return this.transition(id, ['running'], (entry) => {
      entry.handlerPid = pid
    })
  }

  /** `received`/`running` → `done`: the result is known and waits in the outbox. */
  markDone(id: number, result: StoredResult): Promise<JournalEntry> {
    return this.transition(id, ['received', 'running'], (entry) => {
      entry.state = 'done'
      entry.result = structuredClone(result)
      entry.finishedAt = this.timestamp()
    })
  }

  /** Counts a report attempt; written before the request leaves. */
  recordReportAttempt(id: number): Promise<JournalEntry> {
    return this.transition(id, ['done'], (entry) => {
      entry.reportAttempts++
    })
  }

  /** `received`/`done` → `reported` with the reason nothing more will be sent. */
  markReported(
    id: number,
    outcome: ReportOutcome,
    rejection?: RejectionReason,
  ): Promise<JournalEntry> {
    return this.transition(id, ['received', 'done'], (entry) => {
      entry.state = 'reported'
      entry.outcome = outcome
      if (rejection) entry.rejection = rejection
      entry.reportedAt = this.timestamp()
    })
  }

  /**
   * Deals with entries a previous run left `running` (it crashed or was killed mid-handler).
   * With `fail` each becomes `done` with a `fail` result, reason `interrupted`; with `rerun` it goes
   * back to `received` to run once more, unless it already was rerun once.
   */
  recover(policy: 'fail' | 'rerun'): Promise<RecoveredEntry[]> {
    return this.update((data) => {
      const recovered: RecoveredEntry[] = []
      for (const entry of data.entries) {
        if (entry.state !== 'running') continue
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
              'the agent stopped (crash, kill or power loss) while the handler ran; it was not run again',
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
    id: number,
    from: readonly EntryState[],
    change: (entry: JournalEntry) => void,
  ): Promise<JournalEntry> {
    return this.update((data) => {
      const entry = data.entries.find((candidate) => candidate.id === id)
      if (!entry) throw new Error(`journal entry ${id} does not exist`)
      if (!from.includes(entry.state)) {
        throw new Error(`journal entry ${id} is ${entry.state}, expected ${from.join(' or ')}`)
      }
      change(entry)
      return structuredClone(entry)
    })
  }

  /** Applies `change` to a copy, writes it, and only then makes it the current state. */
  private update<T>(change: (data: JournalFile) => T): Promise<T> {
    const run = async () => {
      const next = structuredClone(this.data)
      const result = change(next)
      prune(next)
      if (!this.readOnly) await this.persist(next)
      this.data = next
      return result
    }
    const result = this.queue.then(run, run)
    this.queue = result.catch(() => {})
    return result
  }

  private async persist(data: JournalFile): Promise<void> {
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(data, null, 1)}\n`)
    } catch (cause) {
      throw new StateError(
        'io',
        this.path,
        `Cannot write journal ${this.path}: ${(cause as Error).message}`,
        { cause },
      )
    }
  }
}

function describeMachine(machine: MachineFingerprint | undefined): string {
  if (!machine) return 'unknown machine'
  return [
    machine.hostname !== undefined ? `host ${JSON.stringify(machine.hostname)}` : undefined,
    machine.machineId !== undefined ? `machine id ${machine.machineId}` : undefined,
    machine.productUuid !== undefined ? `firmware uuid ${machine.productUuid}` : undefined,
  ]
    .filter(Boolean)
    .join(', ')
}

function prune(data: JournalFile) {
  const reported = data.entries.filter((entry) => entry.state === 'reported')
  const excess = reported.length - KEEP_REPORTED
  if (excess <= 0) return
  const drop = new Set(reported.slice(0, excess))
  data.entries = data.entries.filter((entry) => !drop.has(entry))
}

function parseJournal(path: string, text: string, serverId: string): JournalFile {
  const advice = `Move it aside to start afresh (commands it tracks may then run again), or fix it.`
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (cause) {
    throw new StateError(
      'corrupt',
      path,
      `DeliveryJournal ${path} is corrupt (not valid JSON: ${(cause as Error).message}). ${advice}`,
      { cause },
    )
  }
  const header = data as { format?: unknown; version?: unknown; serverId?: unknown } | null
  if (header === null || typeof header !== 'object' || header.format !== FORMAT) {
    throw new StateError(
      'foreign',
      path,
      `${path} is not an sms-agent journal (no "format": "${FORMAT}"); is --state-dir pointing at the right directory? Nothing was changed.`,
    )
  }
  if (typeof header.version === 'number' && header.version > VERSION) {
    throw new StateError(
      'foreign',
      path,
      `DeliveryJournal ${path} was written by a newer agent (version ${header.version}; this agent reads ${VERSION}). Upgrade the agent.`,
    )
  }
  if (header.serverId !== serverId) {
    throw new StateError(
      'foreign',
      path,
      `DeliveryJournal ${path} belongs to server ${JSON.stringify(header.serverId)}, not ${JSON.stringify(serverId)}: give each server its own --state-dir.`,
    )
  }
  const parsed = v.safeParse(JournalFileSchema, data)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const field = (issue.path ?? []).map((item) => String(item.key)).join('.') || '$'
    throw new StateError(
      'corrupt',
      path,
      `DeliveryJournal ${path} is corrupt at ${field}: ${issue.message}. ${advice}`,
    )
  }
  return parsed.output as unknown as JournalFile
}
