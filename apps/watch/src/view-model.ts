/**
 * Pure functions from state to what is on screen: filtering, sorting, windowing, the layout of a
 * frame and the header's totals. The reducer (for paging) and the view (for drawing) share them.
 *
 * @module
 */

import type { LogEntry, ServerState, ServerView } from './model.ts'
import { serverState, shortError } from './server-view.ts'

/** Columns `s` cycles through, in order. */
export const SORT_KEYS = [
  'server',
  'state',
  'command',
  'age',
  'polled',
  'latency',
  'errors',
] as const

/** A sort column. */
export type SortKey = (typeof SORT_KEYS)[number]

const STATE_RANK: Record<ServerState, number> = {
  error: 0,
  running: 1,
  delivered: 2,
  pending: 3,
  idle: 4,
  waiting: 5,
}

/**
 * True when every word of `filter` appears (case-insensitively) in the server's id, name, SMS
 * state or migration cycle, state, command, task id, bucket or last error.
 *
 * @example
 * matchesFilter(server, 'start web') // command START on server web-01
 */
export function matchesFilter(server: ServerView, filter: string): boolean {
  const words = filterWords(filter)
  if (words.length === 0) return true
  const haystack = serverHaystack(server)
  return words.every((word) => haystack.includes(word))
}

function filterWords(filter: string): string[] {
  return filter.toLowerCase().split(/\s+/).filter(Boolean)
}

function serverHaystack(server: ServerView): string {
  return [
    server.id,
    server.name ?? undefined,
    server.sms?.state,
    server.sms?.migrationCycle,
    serverState(server),
    server.command?.name,
    server.command?.taskId,
    server.command?.bucket,
    server.lastError ? shortError(server.lastError) : undefined,
  ]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' ')
    .toLowerCase()
}

/** The event log as the filter leaves it. */
export interface FilteredLog {
  entries: LogEntry[]
  /** Entries the filter hides. */
  hidden: number
}

/**
 * The event log under the `/` filter: an entry stays when every word of the filter appears in
 * its text or in what the filter matches of its server (id, name, state, command, …), so
 * filtering on a server's name keeps that server's events.
 *
 * @example
 * visibleLog(state.log, state.servers, 'web-01').hidden // 12
 */
export function visibleLog(
  log: readonly LogEntry[],
  servers: ReadonlyMap<string, ServerView>,
  filter: string,
): FilteredLog {
  const words = filterWords(filter)
  if (words.length === 0) return { entries: [...log], hidden: 0 }
  const haystacks = new Map<string, string>()
  const entries: LogEntry[] = []
  for (const entry of log) {
    let haystack = entry.text.toLowerCase()
    if (entry.serverId !== undefined) {
      let serverText = haystacks.get(entry.serverId)
      if (serverText === undefined) {
        const server = servers.get(entry.serverId)
        serverText = server ? serverHaystack(server) : entry.serverId.toLowerCase()
        haystacks.set(entry.serverId, serverText)
      }
      haystack = `${serverText} ${haystack}`
    }
    if (words.every((word) => haystack.includes(word))) entries.push(entry)
  }
  return { entries, hidden: log.length - entries.length }
}

// By name when SMS told us one (that is how people know their servers), then by id.
const byId = (a: ServerView, b: ServerView) => {
  const left = a.name ?? a.id
  const right = b.name ?? b.id
  if (left !== right) return left < right ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

// Nulls sort last whatever the direction of the key, so "no data" never crowds the top.
function nullsLast(a: number | null, b: number | null): number {
  if (a === null && b === null) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a - b
}

/**
 * Compares two servers by a sort column, ties broken by id. Natural orders put what needs
 * attention first: errors, the oldest command, the stalest poll, the slowest answer.
 *
 * @example
 * servers.sort(compareBy('state'))
 */
export function compareBy(key: SortKey): (a: ServerView, b: ServerView) => number {
  switch (key) {
    case 'server':
      return byId
    case 'state':
      return (a, b) => STATE_RANK[serverState(a)] - STATE_RANK[serverState(b)] || byId(a, b)
    case 'command':
      return (a, b) => {
        const left = a.command?.name ?? '\uffff'
        const right = b.command?.name ?? '\uffff'
        return (left < right ? -1 : left > right ? 1 : 0) || byId(a, b)
      }
    case 'age':
      return (a, b) => nullsLast(a.commandSince, b.commandSince) || byId(a, b)
    case 'polled':
      return (a, b) => nullsLast(a.lastPollAt, b.lastPollAt) || byId(a, b)
    case 'latency':
      return (a, b) =>
        nullsLast(
          a.latencyMs === null ? null : -a.latencyMs,
          b.latencyMs === null ? null : -b.latencyMs,
        ) || byId(a, b)
    case 'errors':
      return (a, b) => Number(b.failing) - Number(a.failing) || b.errors - a.errors || byId(a, b)
  }
}

/**
 * The rows of the table: servers matching the filter, sorted.
 *
 * @example
 * visibleServers(state.servers.values(), '', 'server', false)
 */
export function visibleServers(
  servers: Iterable<ServerView>,
  filter: string,
  sort: SortKey,
  reversed: boolean,
): ServerView[] {
  const rows: ServerView[] = []
  for (const server of servers) if (matchesFilter(server, filter)) rows.push(server)
  const compare = compareBy(sort)
  rows.sort(reversed ? (a, b) => compare(b, a) : compare)
  return rows
}

interface RowsMemo {
  filter: string
  sort: SortKey
  reversed: boolean
  rows: readonly ServerView[]
}

// A fleet's Map is replaced, never changed, when an update lands, and one frame asks for the rows
// several times (the reducer's paging, the table, the detail pane): per Map, the last sorting is
// kept, so frames between updates (clock ticks, keys) sort nothing.
const rowsMemo = new WeakMap<ReadonlyMap<string, ServerView>, RowsMemo>()

/**
 * {@link visibleServers} of a fleet's Map, remembered for that Map (which the reducer replaces
 * rather than changes): the same arguments return the same, frozen, array.
 *
 * @example
 * fleetRows(state.servers, '', 'server', false) === fleetRows(state.servers, '', 'server', false) // true
 */
export function fleetRows(
  servers: ReadonlyMap<string, ServerView>,
  filter: string,
  sort: SortKey,
  reversed: boolean,
): readonly ServerView[] {
  const memo = rowsMemo.get(servers)
  if (memo && memo.filter === filter && memo.sort === sort && memo.reversed === reversed)
    return memo.rows
  const rows = Object.freeze(visibleServers(servers.values(), filter, sort, reversed))
  rowsMemo.set(servers, { filter, sort, reversed, rows })
  return rows
}

/** Which slice of a long list is drawn. */
export interface RowWindow {
  /** Index of the first drawn row. */
  top: number
  /** Rows drawn. */
  count: number
  /** Rows hidden above and below. */
  above: number
  below: number
  /** True when a "… N more" line is drawn under the rows (it takes one line of the height). */
  indicator: boolean
}

/**
 * Windows `total` rows into `height` lines so the selected row is visible, scrolling as little as
 * possible from `top`. When the list doesn't fit, the last line is kept for "… N more".
 *
 * @example
 * windowRows(1000, 0, 20, 0) // { top: 0, count: 19, above: 0, below: 981, indicator: true }
 */
export function windowRows(
  total: number,
  selected: number,
  height: number,
  top: number,
): RowWindow {
  const lines = Math.max(0, Math.floor(height))
  if (total <= lines) return { top: 0, count: total, above: 0, below: 0, indicator: false }
  const count = Math.max(0, lines - 1)
  if (count === 0) return { top: 0, count: 0, above: 0, below: total, indicator: lines > 0 }
  const index = Math.min(Math.max(0, selected), total - 1)
  let start = Math.min(Math.max(0, top), total - count)
  if (index < start) start = index
  if (index >= start + count) start = index - count + 1
  return { top: start, count, above: start, below: total - start - count, indicator: true }
}

/** Line counts of each part of a frame; they sum to at most the terminal's rows minus one. */
export interface FrameLayout {
  /** The terminal can't hold a useful frame: only a one-line notice is drawn. */
  tooSmall: boolean
  header: number
  tableHeader: number
  tableBody: number
  detail: number
  log: number
  footer: number
  /** Lines of the help overlay when it replaces the table, detail and log. */
  help: number
  /** The whole frame. */
  total: number
}

/** The smallest terminal that gets a full frame. */
export const MIN_TERMINAL = { rows: 10, cols: 40 } as const

/**
 * Splits the terminal among header, table, detail pane, event log and footer. One row is left
 * free: Ink redraws the whole screen (and flickers) when a frame fills it.
 *
 * @example
 * layoutFrame({ rows: 40, cols: 120 }, { detailOpen: true }).tableBody // 14
 */
export function layoutFrame(
  terminal: { rows: number; cols: number },
  options: { detailOpen: boolean },
): FrameLayout {
  const available = Math.floor(terminal.rows) - 1
  if (available < MIN_TERMINAL.rows - 1 || terminal.cols < MIN_TERMINAL.cols) {
    return {
      tooSmall: true,
      header: 0,
      tableHeader: 0,
      tableBody: 0,
      detail: 0,
      log: 0,
      footer: 0,
      help: 0,
      total: Math.max(0, Math.min(1, available)),
    }
  }
  const header = 2
  const footer = 1
  const tableHeader = 1
  const fixed = header + footer + tableHeader
  let log = available >= 30 ? 7 : available >= 20 ? 4 : 0
  let detail = options.detailOpen
    ? Math.min(14, Math.max(5, Math.floor((available - fixed) * 0.4)))
    : 0
  const minBody = 3
  if (available - fixed - detail - log < minBody) log = 0
  if (available - fixed - detail - log < minBody) detail = Math.max(0, available - fixed - minBody)
  const tableBody = available - fixed - detail - log
  return {
    tooSmall: false,
    header,
    tableHeader,
    tableBody,
    detail,
    log,
    footer,
    help: available - header - footer,
    total: available,
  }
}

/** Figures for the header. */
export interface FleetTotals {
  servers: number
  byState: Record<ServerState, number>
  /** Pending (current) commands by name, most frequent first. */
  pendingByCommand: [string, number][]
  failing: number
}

/**
 * Counts servers by state and current commands by name; for a fleet's Map, once per Map.
 *
 * @example
 * fleetTotals(state.servers).pendingByCommand // [['START', 3], ['STOP', 1]]
 */
export function fleetTotals(
  servers: ReadonlyMap<string, ServerView> | Iterable<ServerView>,
): FleetTotals {
  if (!(servers instanceof Map)) return countFleet(servers as Iterable<ServerView>)
  const fleet = servers as ReadonlyMap<string, ServerView>
  const memo = totalsMemo.get(fleet)
  if (memo) return memo
  const totals = countFleet(fleet.values())
  totalsMemo.set(fleet, totals)
  return totals
}

// Remembered per fleet Map (replaced, never changed, on each update), as the rows are.
const totalsMemo = new WeakMap<ReadonlyMap<string, ServerView>, FleetTotals>()

function countFleet(servers: Iterable<ServerView>): FleetTotals {
  const byState: Record<ServerState, number> = {
    error: 0,
    running: 0,
    delivered: 0,
    pending: 0,
    idle: 0,
    waiting: 0,
  }
  const commands = new Map<string, number>()
  let count = 0
  let failing = 0
  for (const server of servers) {
    count++
    byState[serverState(server)]++
    if (server.failing) failing++
    if (server.command)
      commands.set(server.command.name, (commands.get(server.command.name) ?? 0) + 1)
  }
  const pendingByCommand = [...commands].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  return { servers: count, byState, pendingByCommand, failing }
}
