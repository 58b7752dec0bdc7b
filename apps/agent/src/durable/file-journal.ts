import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type DeliveryEntry,
  type DeliveryState,
  type JournalStore,
  parseDeliveryState,
} from '@sms-command/core/delivery'
import * as v from 'valibot'
import { writeFileAtomic } from './atomic-file.ts'
import {
  compareMachines,
  describeMachine,
  knownFacts,
  type MachineFingerprint,
  MachineSchema,
} from './machine-fingerprint.ts'
import { makeDirectory } from './make-directory.ts'
import { StateError } from './state-error.ts'

export type { MachineFingerprint } from './machine-fingerprint.ts'

/** Name of the journal file inside the state directory. */
export const JOURNAL_FILE = 'journal.json'
const FORMAT = 'sms-agent-journal'
const VERSION = 1

/**
 * The file as written: core's delivery state (`nextId`, `entries`) with the agent's header. This
 * is the format agents have written since version 1, so journals of earlier agents read as they are.
 */
export interface JournalFile extends DeliveryState {
  format: typeof FORMAT
  version: typeof VERSION
  serverId: string
  machine?: MachineFingerprint
  createdAt: string
  entries: DeliveryEntry[]
}

const HeaderSchema = v.looseObject({
  format: v.literal(FORMAT),
  version: v.literal(VERSION),
  serverId: v.string(),
  machine: v.exactOptional(MachineSchema),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
})

/** Options of {@link FileJournalStore.open}. */
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

/**
 * The agent's journal store: one JSON file in the state directory, written atomically
 * (temporary file, fsync, rename, directory fsync) before `save` resolves. Opening it checks that
 * the file is a journal of this server and this machine (a cloned VM carries its state directory),
 * so `@sms-command/core/delivery` only ever sees a journal that is this agent's.
 *
 * @example
 * const journal = await FileJournalStore.open({ dir: '/var/lib/sms-agent', serverId })
 * await deliverOnce(client, serverId, { journal, run })
 */
export class FileJournalStore implements JournalStore {
  readonly path: string
  readonly name: string
  private data: JournalFile

  private constructor(
    path: string,
    data: JournalFile,
    private readonly readOnly: boolean,
  ) {
    this.path = path
    this.name = `file ${path}`
    this.data = data
  }

  /**
   * Loads the journal of `dir`, or starts an empty one. A file that is not valid JSON, not a
   * journal, of a newer version or of another server or machine is refused with a
   * {@link StateError} and left untouched.
   *
   * @throws {StateError}
   */
  static async open(options: JournalOptions): Promise<FileJournalStore> {
    const now = options.now ?? Date.now
    const path = join(options.dir, JOURNAL_FILE)
    const readOnly = options.readOnly === true
    if (!readOnly) {
      try {
        await makeDirectory(options.dir, 0o700)
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
      const store = new FileJournalStore(path, fresh, readOnly)
      if (machine && machine.productUuid === undefined && machine.machineId === undefined) {
        options.onUnproven?.('weak', undefined)
      }
      if (!readOnly) await store.save(fresh)
      return store
    }
    const data = parseJournal(path, text, options.serverId)
    const store = new FileJournalStore(path, data, readOnly)
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
      await store.save({ ...data, machine: { ...data.machine, ...machine } })
    }
    return store
  }

  /** What the file holds now (a copy): for status pages and tests. */
  current(): JournalFile {
    return structuredClone(this.data)
  }

  /** The journal as the file holds it (checked when the store was opened). */
  load(): Promise<JournalFile> {
    return Promise.resolve(structuredClone(this.data))
  }

  /** Writes `state` atomically, keeping the file's header. Nothing is written when read-only. */
  async save(state: DeliveryState): Promise<void> {
    const next: JournalFile = {
      ...state,
      format: FORMAT,
      version: VERSION,
      serverId: this.data.serverId,
      ...((state.machine ?? this.data.machine)
        ? { machine: (state.machine ?? this.data.machine) as MachineFingerprint }
        : {}),
      createdAt: this.data.createdAt,
      nextId: state.nextId,
      entries: state.entries,
    }
    if (this.readOnly) return
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(next, null, 1)}\n`)
    } catch (cause) {
      throw new StateError(
        'io',
        this.path,
        `Cannot write journal ${this.path}: ${(cause as Error).message}`,
        {
          cause,
        },
      )
    }
    this.data = next
  }
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
  const parsedHeader = v.safeParse(HeaderSchema, data)
  const state = parseDeliveryState(data)
  const broken = !parsedHeader.success
    ? {
        field: (parsedHeader.issues[0].path ?? []).map((item) => String(item.key)).join('.') || '$',
        message: parsedHeader.issues[0].message,
      }
    : !state.success
      ? state
      : undefined
  if (broken) {
    throw new StateError(
      'corrupt',
      path,
      `DeliveryJournal ${path} is corrupt at ${broken.field}: ${broken.message}. ${advice}`,
    )
  }
  return data as JournalFile
}
