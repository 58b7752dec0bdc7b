import type {
  DeliveryMode,
  IdleShape,
  MockServerSummary,
  NewMockEvent,
  QueuedCommand,
  ResultRecord,
  WireCommand,
} from '../types.ts'
import type { FaultState } from './faults.ts'

/** Everything the mock knows about one source server. Plain data: it serializes as is. */
export interface ServerState {
  id: string
  /** Owning account's name. */
  account: string
  /** Overrides the mock's delivery mode for this server. */
  delivery?: DeliveryMode
  /** Overrides the mock's idle answer for this server. */
  idle?: IdleShape
  createdAt: number
  nextSeq: number
  /** FIFO; in `ack` mode the head is the current command. */
  queue: QueuedCommand[]
  /** Commands released into the queue when the mock clock reaches `releaseAt`. */
  scheduled: (QueuedCommand & { releaseAt: number })[]
  /** `pop` mode: handed out, no result yet (oldest first, bounded). */
  awaiting: QueuedCommand[]
  /** Newest last, bounded. */
  results: ResultRecord[]
  resultsTotal: number
  deliveriesTotal: number
  faults: FaultState[]
  /** Fleet-list fields (docs/api.md §8); `name` defaults to the id, `state` to `waiting`. */
  name?: string
  state?: string
  migrationCycle?: string
  /** Mock time of the last authenticated request about this server (`connected`). */
  lastVisitAt?: number | null
  /** Mock time the current run of visits began: when `connected` last turned true. */
  connectedSince?: number | null
}

/** Fleet-list fields settable in scenarios and the admin API. */
export interface FleetFields {
  name?: string | undefined
  state?: string | undefined
  migration_cycle?: string | undefined
}

/** Sets the fleet-list fields given; absent ones stay as they were. */
export function applyFleetFields(server: ServerState, fields: FleetFields): void {
  if (fields.name !== undefined) server.name = fields.name
  if (fields.state !== undefined) server.state = fields.state
  if (fields.migration_cycle !== undefined) server.migrationCycle = fields.migration_cycle
}

/**
 * Notes an authenticated visit (a poll or a result) at `now`: a server is `connected` while its
 * last visit is less than `windowMs` old, so a visit after a longer gap starts a new connection.
 */
export function markVisit(server: ServerState, now: number, windowMs: number): void {
  const last = server.lastVisitAt ?? null
  if (last === null || now - last >= windowMs || now < last) server.connectedSince = now
  server.lastVisitAt = now
}

/** Limits that keep a long-running mock's memory flat. */
export interface ServerLimits {
  queue: number
  results: number
  awaiting: number
  /** How long (mock time) after its last poll a server still counts as `connected`. */
  connectedWindowMs: number
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  queue: 10_000,
  results: 1_000,
  awaiting: 100,
  connectedWindowMs: 60_000,
}

/** A new, empty server. */
export function createServerState(
  id: string,
  account: string,
  now: number,
  overrides: {
    delivery?: DeliveryMode | undefined
    idle?: IdleShape | undefined
  } & FleetFields = {},
): ServerState {
  const server: ServerState = {
    id,
    account,
    ...(overrides.delivery ? { delivery: overrides.delivery } : {}),
    ...(overrides.idle ? { idle: overrides.idle } : {}),
    createdAt: now,
    nextSeq: 1,
    queue: [],
    scheduled: [],
    awaiting: [],
    results: [],
    resultsTotal: 0,
    deliveriesTotal: 0,
    faults: [],
    lastVisitAt: null,
    connectedSince: null,
  }
  applyFleetFields(server, overrides)
  return server
}

/**
 * The server a request of `account` may use: unknown is `not-found` (404), another account's is
 * `forbidden` (403).
 *
 * @example
 * const owned = ownedServer(servers.get(id), principal.account)
 * if ('status' in owned) return owned // not-found or forbidden
 */
export function ownedServer(
  server: ServerState | null | undefined,
  account: string,
): ServerState | { status: 'not-found' } | { status: 'forbidden'; account: string } {
  if (!server) return { status: 'not-found' }
  if (server.account !== account) return { status: 'forbidden', account: server.account }
  return server
}

/** A command to enqueue: wire shape plus an optional delay on the mock clock. */
export interface EnqueueItem extends WireCommand {
  releaseAfterMs?: number | undefined
}

export type EnqueueOutcome =
  | { ok: true; commands: (QueuedCommand & { releaseAt?: number })[]; events: NewMockEvent[] }
  | { ok: false; message: string }

let lastIsoMs = Number.NaN
let lastIso = ''
// Every delivery event dates the current command: the same ms over and over, formatted once.
const iso = (ms: number | null): string | null => {
  if (ms === null) return null
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString()
    lastIsoMs = ms
  }
  return lastIso
}

/**
 * The effect every queue-changing event carries: what the server is busy with (the oldest
 * command handed out in `pop` mode, else the head of the queue) and how much waits behind it.
 * Needs no delivery mode: in `ack` mode nothing is ever awaiting.
 *
 * @example
 * summarizeQueue(server) // { current: { seq: 1, command_name: 'START', …, deliveries: 0 }, queued: 2, awaiting: 0, scheduled: 0 }
 */
export function summarizeQueue(server: ServerState): MockServerSummary {
  const current = server.awaiting[0] ?? server.queue[0]
  const pending = server.queue.length + server.awaiting.length
  return {
    // Written out rather than `...toWire(current)`: one object per event, not two (hot path).
    current: current
      ? {
          seq: current.seq,
          command_name: current.command_name,
          command_param: current.command_param,
          deliveries: current.deliveries,
          enqueuedAt: iso(current.enqueuedAt),
        }
      : null,
    queued: current ? pending - 1 : 0,
    awaiting: server.awaiting.length,
    scheduled: server.scheduled.length,
  }
}

/** Moves scheduled commands whose time has come into the queue, oldest release first. */
export function releaseDue(server: ServerState, now: number): NewMockEvent[] {
  if (server.scheduled.length === 0) return []
  const events: NewMockEvent[] = []
  server.scheduled.sort((a, b) => a.releaseAt - b.releaseAt || a.seq - b.seq)
  while (server.scheduled.length > 0 && (server.scheduled[0]?.releaseAt ?? Infinity) <= now) {
    const next = server.scheduled.shift()
    if (!next) break
    const { releaseAt, ...command } = next
    command.enqueuedAt = releaseAt
    server.queue.push(command)
    events.push({
      type: 'enqueue',
      serverId: server.id,
      command: toWire(command),
      detail: { released: true, queueLength: server.queue.length },
      state: summarizeQueue(server),
      atMs: releaseAt,
    })
  }
  return events
}

/** The earliest pending release, or `undefined`. */
export function nextRelease(server: ServerState): number | undefined {
  let earliest: number | undefined
  for (const item of server.scheduled) {
    if (earliest === undefined || item.releaseAt < earliest) earliest = item.releaseAt
  }
  return earliest
}

/** Adds commands to the back of the queue (or schedules them). All or nothing. */
export function enqueue(
  server: ServerState,
  items: readonly EnqueueItem[],
  now: number,
  limits: ServerLimits,
): EnqueueOutcome {
  const pending = server.queue.length + server.scheduled.length
  if (pending + items.length > limits.queue) {
    return {
      ok: false,
      message: `server ${server.id} would hold ${pending + items.length} commands; at most ${limits.queue} are allowed`,
    }
  }
  const commands: (QueuedCommand & { releaseAt?: number })[] = []
  const events: NewMockEvent[] = []
  for (const item of items) {
    const command: QueuedCommand = {
      seq: server.nextSeq++,
      command_name: item.command_name,
      command_param: { ...item.command_param },
      enqueuedAt: now,
      deliveries: 0,
      firstDeliveredAt: null,
    }
    if (item.releaseAfterMs !== undefined && item.releaseAfterMs > 0) {
      const releaseAt = now + item.releaseAfterMs
      server.scheduled.push({ ...command, enqueuedAt: releaseAt, releaseAt })
      commands.push({ ...command, releaseAt })
      continue
    }
    server.queue.push(command)
    commands.push(command)
    events.push({
      type: 'enqueue',
      serverId: server.id,
      command: toWire(command),
      detail: { queueLength: server.queue.length },
      state: summarizeQueue(server),
    })
  }
  return { ok: true, commands, events }
}

/** The wire form of a queued command, with its sequence number. */
export function toWire(command: QueuedCommand): WireCommand & { seq: number } {
  return {
    seq: command.seq,
    command_name: command.command_name,
    command_param: command.command_param,
  }
}

/**
 * Answers a GET: in `ack` mode the head of the queue (left in place), in `pop` mode the head
 * removed and remembered as awaiting a result. `null` when nothing is pending.
 */
export function deliver(
  server: ServerState,
  mode: DeliveryMode,
  now: number,
  requestId: string,
  limits: ServerLimits,
): { command: QueuedCommand | null; events: NewMockEvent[] } {
  const events = releaseDue(server, now)
  markVisit(server, now, limits.connectedWindowMs)
  const effective = server.delivery ?? mode
  const head = server.queue[0]
  if (!head) return { command: null, events }
  head.deliveries++
  head.firstDeliveredAt ??= now
  server.deliveriesTotal++
  if (effective === 'pop') {
    server.queue.shift()
    server.awaiting.push(head)
    if (server.awaiting.length > limits.awaiting) server.awaiting.shift()
  }
  events.push({
    type: 'delivery',
    serverId: server.id,
    requestId,
    command: toWire(head),
    detail: { deliveries: head.deliveries, mode: effective },
    state: summarizeQueue(server),
  })
  return { command: head, events }
}

/** A `command_result` body, already validated. */
export interface ResultInput {
  command_name: string
  result: 'success' | 'fail'
  result_detail: Record<string, unknown>
}

export type ReportOutcome =
  | { ok: true; record: ResultRecord; next: QueuedCommand | null; events: NewMockEvent[] }
  | { ok: false; current: string | null; events: NewMockEvent[] }

/**
 * Records a result if it answers the current command (`ack`) or a handed-out one (`pop`),
 * clearing it; otherwise nothing changes and the caller answers `SMS.2009`.
 */
export function report(
  server: ServerState,
  input: ResultInput,
  mode: DeliveryMode,
  now: number,
  requestId: string,
  limits: ServerLimits,
): ReportOutcome {
  const events = releaseDue(server, now)
  markVisit(server, now, limits.connectedWindowMs)
  const effective = server.delivery ?? mode
  let answered: QueuedCommand | undefined
  if (effective === 'pop') {
    const index = server.awaiting.findIndex((c) => c.command_name === input.command_name)
    if (index >= 0) answered = server.awaiting.splice(index, 1)[0]
  } else if (server.queue[0]?.command_name === input.command_name) {
    answered = server.queue.shift()
  }
  if (!answered) {
    const current =
      effective === 'pop'
        ? server.awaiting.map((c) => c.command_name).join(', ') || null
        : (server.queue[0]?.command_name ?? null)
    events.push({
      type: 'result-rejected',
      serverId: server.id,
      requestId,
      reason: 'mismatch',
      message: `result for ${JSON.stringify(input.command_name)} while ${current === null ? 'no command is current' : `${JSON.stringify(current)} is current`}`,
      state: summarizeQueue(server),
    })
    return { ok: false, current, events }
  }
  const record: ResultRecord = {
    command: toWire(answered),
    result: input.result,
    result_detail: input.result_detail,
    reportedAt: now,
    requestId,
  }
  server.results.push(record)
  server.resultsTotal++
  if (server.results.length > limits.results) server.results.shift()
  events.push({
    type: 'result',
    serverId: server.id,
    requestId,
    command: record.command,
    result: input.result,
    detail: { result_detail: input.result_detail },
    state: summarizeQueue(server),
  })
  return { ok: true, record, next: server.queue[0] ?? null, events }
}

/** A queued command with its times as ISO 8601 strings. */
function viewCommand(command: QueuedCommand) {
  return {
    ...command,
    enqueuedAt: iso(command.enqueuedAt),
    firstDeliveredAt: iso(command.firstDeliveredAt),
  }
}

/** A server as the admin API shows it. */
export function viewServer(server: ServerState, mode: DeliveryMode, idle: IdleShape) {
  const delivery = server.delivery ?? mode
  const head = server.queue[0]
  return {
    id: server.id,
    domain: server.account,
    delivery,
    idle: server.idle ?? idle,
    createdAt: new Date(server.createdAt).toISOString(),
    current: delivery === 'ack' && head ? viewCommand(head) : null,
    queue: server.queue.map(viewCommand),
    scheduled: server.scheduled.map((c) => ({ ...viewCommand(c), releaseAt: iso(c.releaseAt) })),
    awaiting: server.awaiting.map(viewCommand),
    results: server.results.map((r) => ({
      ...r,
      reportedAt: new Date(r.reportedAt).toISOString(),
    })),
    resultsTotal: server.resultsTotal,
    deliveriesTotal: server.deliveriesTotal,
    name: server.name ?? server.id,
    state: server.state ?? 'waiting',
    migration_cycle: server.migrationCycle ?? null,
  }
}

/** The short form of a server, for lists. */
export function summarizeServer(server: ServerState, mode: DeliveryMode) {
  const delivery = server.delivery ?? mode
  return {
    id: server.id,
    domain: server.account,
    delivery,
    current: delivery === 'ack' ? (server.queue[0]?.command_name ?? null) : null,
    queueLength: server.queue.length,
    scheduled: server.scheduled.length,
    resultsTotal: server.resultsTotal,
    deliveriesTotal: server.deliveriesTotal,
    name: server.name ?? server.id,
    state: server.state ?? 'waiting',
    migration_cycle: server.migrationCycle ?? null,
  }
}

export type ServerView = ReturnType<typeof viewServer>
export type ServerSummary = ReturnType<typeof summarizeServer>

/** One server as `GET /v3/sources` lists it (docs/api.md §8). */
export interface SourceServer {
  id: string
  name: string
  state: string
  migration_cycle?: string
  connected: boolean
  last_visit_time: number
  add_date: number
}

/**
 * A server as the fleet list shows it at `now`: `connected` while its last visit is under
 * `windowMs` old; `last_visit_time` is when `connected` last changed (its creation while it
 * never connected).
 *
 * @example
 * sourceServerOf(server, now, 60_000) // { id, name, state: 'waiting', connected: false, … }
 */
export function sourceServerOf(server: ServerState, now: number, windowMs: number): SourceServer {
  const last = server.lastVisitAt ?? null
  const connected = last !== null && now >= last && now - last < windowMs
  const changed = connected
    ? (server.connectedSince ?? last)
    : last === null
      ? server.createdAt
      : last + windowMs
  return {
    id: server.id,
    name: server.name ?? server.id,
    state: server.state ?? 'waiting',
    ...(server.migrationCycle !== undefined ? { migration_cycle: server.migrationCycle } : {}),
    connected,
    last_visit_time: changed,
    add_date: server.createdAt,
  }
}
