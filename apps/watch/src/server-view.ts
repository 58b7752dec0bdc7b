import { sameCommand as sameDelivery } from '@sms-command/core/delivery'
import {
  type Activity,
  type CommandInfo,
  type ErrorInfo,
  LIMITS_WATCH,
  type LogEntry,
  type ServerState,
  type ServerUpdate,
  type ServerView,
  type SmsServerInfo,
} from './model.ts'

/**
 * A server nobody has heard from yet.
 *
 * @example
 * const view = emptyServer('srv-1') // phase 'waiting', no command
 */
export function emptyServer(id: string): ServerView {
  return {
    id,
    name: null,
    sms: null,
    phase: 'waiting',
    command: null,
    commandSince: null,
    queued: null,
    lastPollAt: null,
    latencyMs: null,
    lastSeenAt: null,
    lastError: null,
    failing: false,
    consecutiveErrors: 0,
    lastResult: null,
    polls: 0,
    errors: 0,
    results: 0,
    activity: { slot: 0, counts: [], errors: [] },
    history: [],
  }
}

/**
 * The state column: `error` while failing, otherwise the phase.
 *
 * @example
 * serverState({ ...emptyServer('a'), failing: true }) // 'error'
 */
export function serverState(server: ServerView): ServerState {
  return server.failing ? 'error' : server.phase
}

/**
 * True when two commands are the same delivery, by core's `sameCommand` (name and task id: docs/api.md
 * §2 has no message id), the identity the agent's journal uses too; no command equals only no
 * command.
 *
 * @example
 * sameCommand({ name: 'START', taskId: 't1' }, { name: 'START', taskId: 't1' }) // true
 */
export function sameCommand(a: CommandInfo | null, b: CommandInfo | null): boolean {
  if (a === null || b === null) return a === b
  return sameDelivery(wireIdentity(a), wireIdentity(b))
}

function wireIdentity(command: CommandInfo): Parameters<typeof sameDelivery>[0] {
  return { command_name: command.name, command_param: { task_id: command.taskId } }
}

/**
 * `START task 2c06… bucket b1`: a command in one short phrase.
 *
 * @example
 * describeCommand({ name: 'STOP', taskId: 't9' }) // 'STOP task t9'
 */
export function describeCommand(command: CommandInfo): string {
  let text = command.name
  if (command.taskId) text += ` task ${command.taskId}`
  if (command.bucket) text += ` bucket ${command.bucket}`
  return text
}

/**
 * `401 APIGW.0301`, `timeout`: the short form of an error for the table.
 *
 * @example
 * shortError({ status: 503, code: 'SMS.9999', message: '…', at: 0 }) // '503 SMS.9999'
 */
export function shortError(error: ErrorInfo): string {
  return [error.status, error.code].filter((part) => part !== undefined && part !== '').join(' ')
}

/**
 * Counts one event in a server's activity slots (newest last), dropping slots older than the
 * window. Events older than the window are ignored.
 *
 * @example
 * recordActivity({ slot: 0, counts: [], errors: [] }, 4_000, false) // slot 2, counts [..., 1]
 */
export function recordActivity(activity: Activity, at: number, isError: boolean): Activity {
  const size = LIMITS_WATCH.sparkSlots
  const slot = Math.floor(at / LIMITS_WATCH.sparkSlotMs)
  let counts = padTo(activity.counts, size)
  let errors = padTo(activity.errors, size)
  let newest = activity.slot
  if (slot > newest) {
    const shift = Math.min(slot - newest, size)
    counts = [...counts.slice(shift), ...new Array<number>(shift).fill(0)]
    errors = [...errors.slice(shift), ...new Array<number>(shift).fill(0)]
    newest = slot
  }
  const index = size - 1 - (newest - slot)
  if (index < 0) return activity
  counts = counts.slice()
  counts[index] = (counts[index] ?? 0) + 1
  if (isError) {
    errors = errors.slice()
    errors[index] = (errors[index] ?? 0) + 1
  }
  return { slot: newest, counts, errors }
}

function padTo(values: readonly number[], size: number): number[] {
  if (values.length === size) return values as number[]
  const kept = values.slice(-size)
  return [...new Array<number>(size - kept.length).fill(0), ...kept]
}

// Without an explicit phase: a new command is pending; the same one keeps whatever an agent made
// of it (delivered, running); no command means idle.
function phaseForCommand(previous: ServerView, command: CommandInfo | null): ServerView['phase'] {
  if (command === null) return 'idle'
  if (!sameCommand(previous.command, command)) return 'pending'
  return previous.phase === 'waiting' || previous.phase === 'idle' ? 'pending' : previous.phase
}

/**
 * Folds one source update into a server's view, and returns the log lines the change deserves
 * (a command appearing or clearing, an error starting or ending, a result, a note). Pure.
 *
 * @example
 * const { server, entries } = applyServerUpdate(emptyServer('a'), {
 *   serverId: 'a', at: 1000, command: { name: 'START', taskId: 't1' }, phase: 'pending',
 * })
 */
export function applyServerUpdate(
  previous: ServerView,
  update: ServerUpdate,
): { server: ServerView; entries: LogEntry[] } {
  const { at } = update
  const entries: LogEntry[] = []
  const log = (level: LogEntry['level'], text: string) =>
    entries.push({ at, serverId: previous.id, level, text: bound(text, LIMITS_WATCH.textLength) })
  if (update.listed && isListingOnly(update)) {
    // A fleet-list refresh says nothing about commands: it neither counts as activity nor as
    // having heard from the server.
    return { server: applyListing(previous, update.listed), entries }
  }
  const next: ServerView = {
    ...(update.listed ? applyListing(previous, update.listed) : previous),
    lastSeenAt: Math.max(previous.lastSeenAt ?? at, at),
  }

  if (update.poll) {
    next.polls++
    next.lastPollAt = at
    if (update.poll.latencyMs !== undefined) next.latencyMs = update.poll.latencyMs
  }
  if (update.command !== undefined && !sameCommand(previous.command, update.command)) {
    if (previous.command) {
      const held =
        previous.commandSince === null ? '' : ` after ${formatAge(at - previous.commandSince)}`
      log('info', `${describeCommand(previous.command)} cleared${held}`)
    }
    if (update.command) log('info', `${describeCommand(update.command)} pending`)
    next.command = update.command
    next.commandSince = update.command ? (update.commandSince ?? at) : null
  } else if (update.command) {
    // Same delivery again: keep its age, but take newer parameter details (a bucket, say).
    next.command = { ...previous.command, ...update.command }
  }
  if (update.queued !== undefined) next.queued = update.queued
  if (update.phase !== undefined) {
    next.phase = update.phase
  } else if (update.command !== undefined) {
    next.phase = phaseForCommand(previous, update.command)
  }
  if (update.error) {
    next.lastError = {
      ...update.error,
      message: bound(update.error.message, LIMITS_WATCH.textLength),
    }
    next.errors++
    next.consecutiveErrors++
    if (!previous.failing || previous.lastError?.message !== update.error.message) {
      log('error', update.error.message)
    }
    next.failing = true
  } else if (update.error === null) {
    if (previous.failing) {
      const count = previous.consecutiveErrors
      log('info', `recovered after ${count} error${count === 1 ? '' : 's'}`)
    }
    next.failing = false
    next.consecutiveErrors = 0
  }
  if (update.errorExpired && update.error === undefined) {
    next.failing = false
    next.consecutiveErrors = 0
  }
  if (update.result && isRepeatResult(previous, update.result, at)) {
    // The same result heard from a second source (the mock and the agent both report it).
  } else if (update.result) {
    next.results++
    next.lastResult = { ...update.result, at }
    const detail = update.result.detail ? ` (${update.result.detail})` : ''
    log(
      update.result.result === 'success' ? 'info' : 'warn',
      `${describeCommand(update.result.command)} reported ${update.result.result}${detail}`,
    )
  }
  if (update.note) log(update.note.level, update.note.text)

  next.activity = recordActivity(previous.activity, at, update.error != null)
  if (entries.length > 0) {
    next.history = appendBounded(previous.history, entries, LIMITS_WATCH.historyPerServer)
  }
  return { server: next, entries }
}

function isListingOnly(update: ServerUpdate): boolean {
  return (
    update.poll === undefined &&
    update.phase === undefined &&
    update.command === undefined &&
    update.queued === undefined &&
    update.error === undefined &&
    update.errorExpired === undefined &&
    update.result === undefined &&
    update.note === undefined
  )
}

function applyListing(
  previous: ServerView,
  listed: NonNullable<ServerUpdate['listed']>,
): ServerView {
  const name = listed.name === undefined ? previous.name : bound(listed.name, 255)
  const sms = { ...listed.sms }
  if (name === previous.name && sameSms(previous.sms, sms)) return previous
  return { ...previous, name, sms }
}

function sameSms(a: SmsServerInfo | null, b: SmsServerInfo): boolean {
  return (
    a !== null &&
    a.state === b.state &&
    a.migrationCycle === b.migrationCycle &&
    a.connected === b.connected &&
    a.connectedSince === b.connectedSince &&
    a.ip === b.ip &&
    a.osType === b.osType
  )
}

/**
 * A server as people call it: its SMS name once known, else its id.
 *
 * @example
 * displayName({ ...emptyServer('f32a…'), name: 'web-01' }) // 'web-01'
 */
export function displayName(server: ServerView): string {
  return server.name ?? server.id
}

/**
 * Cuts text to `max` characters (with `…`): history and errors are kept per server, so their size
 * must be bounded whatever a source sends.
 *
 * @example
 * bound('x'.repeat(10), 5) // 'xxxx…'
 */
export function bound(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Two sources reporting one result within this window count once. */
export const REPEAT_RESULT_WINDOW_MS = 10_000

function isRepeatResult(
  previous: ServerView,
  result: NonNullable<ServerUpdate['result']>,
  at: number,
): boolean {
  const last = previous.lastResult
  return (
    last !== null &&
    last.result === result.result &&
    sameCommand(last.command, result.command) &&
    Math.abs(at - last.at) < REPEAT_RESULT_WINDOW_MS
  )
}

/**
 * Appends to a list and keeps only the newest `limit` items.
 *
 * @example
 * appendBounded([1, 2, 3], [4], 3) // [2, 3, 4]
 */
export function appendBounded<T>(list: readonly T[], items: readonly T[], limit: number): T[] {
  const combined =
    list.length + items.length > limit ? [...list, ...items].slice(-limit) : [...list, ...items]
  return combined
}

/**
 * `850ms`, `12s`, `3m`, `2h`, `4d`: a duration in its largest whole unit.
 *
 * @example
 * formatAge(125_000) // '2m'
 */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0s'
  if (ms < 1_000) return `${Math.round(ms)}ms`
  const seconds = Math.floor(ms / 1_000)
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h`
  return `${Math.floor(hours / 24)}d`
}
