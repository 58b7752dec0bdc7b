/**
 * Text for the screen: cleaning untrusted strings, fitting cells, and the table's columns.
 *
 * @module
 */

import { LIMITS_WATCH, type ServerState, type ServerView } from '../model.ts'
import { displayName, formatAge, shortError } from '../server-view.ts'
import { cellWidth, safeText } from './text.ts'

/**
 * Makes untrusted text safe to draw on one line (see `text.ts`): controls become `�`, bidi and
 * invisible characters a visible `⟨U+XXXX⟩` marker.
 *
 * @example
 * clean('evil\u001b[2Jid') // 'evil�[2Jid'
 */
export const clean = safeText

export { cellWidth, fit, truncateCells } from './text.ts'

/**
 * `45ms`, `1.2s`, `—` for unknown.
 *
 * @example
 * formatLatency(1234) // '1.2s'
 */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '—'
  if (ms < 1_000) return `${Math.round(ms)}ms`
  if (ms < 10_000) return `${(ms / 1_000).toFixed(1)}s`
  return formatAge(ms)
}

/**
 * An age for a table cell: whole seconds and up (`0s`, `12s`, `3m`), so cells don't flicker
 * through milliseconds.
 *
 * @example
 * formatSince(850) // '0s'
 */
export function formatSince(ms: number): string {
  return ms < 1_000 ? '0s' : formatAge(ms)
}

/**
 * `14:03:07` in local time.
 *
 * @example
 * formatClock(Date.now())
 */
export function formatClock(at: number): string {
  const second = Math.floor(at / 1_000)
  const cached = clockMemo.get(second)
  if (cached !== undefined) return cached
  const date = new Date(at)
  const text = [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':')
  if (clockMemo.size >= 512) clockMemo.clear()
  clockMemo.set(second, text)
  return text
}

// Every frame draws the event log's times again, and local time is a slow lookup (time zone
// rules): the few hundred seconds on screen are remembered.
const clockMemo = new Map<number, string>()

const BARS = ['·', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const
// Fixed thresholds rather than per-row scaling, so bars compare across rows.
const LEVELS = [0, 1, 2, 3, 5, 8, 13, 21, 34] as const

/** One sparkline cell: a bar, and whether its slot saw an error. */
export interface SparkCell {
  char: string
  error: boolean
}

/**
 * The activity sparkline, oldest slot first, aligned to `now` so a quiet server's bars slide out.
 * A slot with an error shows `×` (text, not only colour).
 *
 * @example
 * sparkline(server.activity, Date.now(), 16).map((cell) => cell.char).join('')
 */
export function sparkline(
  activity: ServerView['activity'],
  now: number,
  width: number,
): SparkCell[] {
  const size = LIMITS_WATCH.sparkSlots
  const shift = Math.max(0, Math.floor(now / LIMITS_WATCH.sparkSlotMs) - activity.slot)
  const cells: SparkCell[] = []
  for (let column = Math.max(0, size - width); column < size; column++) {
    const index = column + shift - (size - activity.counts.length)
    const count = index < activity.counts.length ? (activity.counts[index] ?? 0) : 0
    const errors = index < activity.errors.length ? (activity.errors[index] ?? 0) : 0
    if (errors > 0) {
      cells.push({ char: '×', error: true })
      continue
    }
    let level = 0
    for (let i = 0; i < LEVELS.length; i++) if (count >= (LEVELS[i] ?? 0) && count > 0) level = i
    cells.push({ char: BARS[level] ?? '·', error: false })
  }
  return cells
}

/** A column of the table. */
export interface Column {
  key:
    | 'server'
    | 'state'
    | 'command'
    | 'sms'
    | 'cycle'
    | 'agent'
    | 'task'
    | 'bucket'
    | 'age'
    | 'polled'
    | 'latency'
    | 'error'
    | 'activity'
  title: string
  width: number
  align: 'left' | 'right'
  /** Which `SortKey` this column sorts by, if any (for the ▲/▼ marker). */
  sort?: string
}

type ColumnSpec = Column & { drop: number; max: number; smsOnly?: boolean }

// `drop`: higher goes first when the terminal is narrow; 0 never. The SMS columns (state and
// migration cycle from GET /v3/sources, and whether SMS sees the agent) exist only with discovery.
const ALL_COLUMNS: readonly ColumnSpec[] = [
  { key: 'server', title: 'SERVER', width: 12, max: 40, align: 'left', sort: 'server', drop: 0 },
  { key: 'state', title: 'STATE', width: 9, max: 9, align: 'left', sort: 'state', drop: 0 },
  { key: 'command', title: 'COMMAND', width: 10, max: 12, align: 'left', sort: 'command', drop: 0 },
  { key: 'sms', title: 'SMS', width: 9, max: 11, align: 'left', drop: 2, smsOnly: true },
  { key: 'cycle', title: 'CYCLE', width: 11, max: 11, align: 'left', drop: 5.5, smsOnly: true },
  { key: 'agent', title: 'AGENT', width: 6, max: 6, align: 'left', drop: 2.5, smsOnly: true },
  { key: 'task', title: 'TASK', width: 12, max: 32, align: 'left', drop: 8 },
  { key: 'bucket', title: 'BUCKET', width: 12, max: 24, align: 'left', drop: 9 },
  { key: 'age', title: 'AGE', width: 5, max: 5, align: 'right', sort: 'age', drop: 3 },
  { key: 'polled', title: 'POLLED', width: 6, max: 7, align: 'right', sort: 'polled', drop: 5 },
  { key: 'latency', title: 'LATENCY', width: 7, max: 8, align: 'right', sort: 'latency', drop: 6 },
  { key: 'error', title: 'LAST ERROR', width: 14, max: 36, align: 'left', sort: 'errors', drop: 4 },
  { key: 'activity', title: 'ACTIVITY', width: 12, max: 16, align: 'left', drop: 7 },
]

/** Which columns get spare width first, and in what order. */
const GROW_ORDER: readonly Column['key'][] = [
  'server',
  'task',
  'error',
  'sms',
  'bucket',
  'activity',
  'command',
]

/** Width of the selection marker before the first column. */
export const MARKER_WIDTH = 2

/**
 * Cells a column's header needs: its title, and the ▲/▼ marker when the table is sorted by it.
 *
 * @example
 * headerWidth({ title: 'SERVER', sort: 'server' }, 'server') // 7
 */
export function headerWidth(column: Pick<Column, 'title' | 'sort'>, sortedBy?: string): number {
  return cellWidth(column.title) + (column.sort !== undefined && column.sort === sortedBy ? 1 : 0)
}

/** Options of {@link fitColumns}. */
export interface FitColumnsOptions {
  /** Show SMS's own state, migration cycle and agent connection (servers discovered). */
  sms?: boolean
  /** The sort key: its column's header carries a marker, one cell more. */
  sort?: string
  /**
   * Columns with nothing to show in the table's rows: they take only their header's width and
   * are the first hidden when the server names need the room.
   */
  empty?: ReadonlySet<Column['key']>
}

/** Columns whose cells may all be blank (the others always show a value or a dash). */
export const MAYBE_EMPTY_COLUMNS: readonly Column['key'][] = [
  'sms',
  'cycle',
  'agent',
  'task',
  'bucket',
  'age',
  'error',
]

/**
 * The columns that fit `cols`: the least useful are dropped first (bucket, task, activity, …),
 * and columns with nothing to show (`options.empty`) before any of those: they take only their
 * header's width, and are hidden when the server names need the room. Spare width goes to the
 * server column first (up to the widest name shown, in cells, at most 40), then the task, error,
 * bucket and activity columns, each up to a useful maximum. A column is
 * never narrower than its header (with the sort marker) unless the terminal is too narrow for
 * even the three columns that always stay; then they shrink, so a line never outgrows `cols`.
 *
 * @example
 * fitColumns(80, 12).map((column) => column.key)
 */
export function fitColumns(
  cols: number,
  longestServer = 12,
  options: FitColumnsOptions = {},
): Column[] {
  const available = cols - MARKER_WIDTH
  const empty = options.empty ?? new Set<Column['key']>()
  // An empty column is dropped before any column with something in it.
  const EMPTY_FIRST = 100
  let chosen = ALL_COLUMNS.filter((column) => options.sms || !column.smsOnly).map((column) => {
    const least = headerWidth(column, options.sort)
    if (column.key === 'server') {
      const serverWidth = Math.min(40, Math.max(least, longestServer))
      return { ...column, width: Math.min(column.width, serverWidth), max: serverWidth }
    }
    if (empty.has(column.key) && column.drop > 0) {
      return { ...column, width: least, max: least, drop: column.drop + EMPTY_FIRST }
    }
    return { ...column, width: Math.max(column.width, least), max: Math.max(column.max, least) }
  })
  const needed = (columns: typeof chosen) =>
    columns.reduce((sum, column) => sum + column.width, 0) + (columns.length - 1)
  while (needed(chosen) > available) {
    const victim = chosen.reduce((worst, column) => (column.drop > worst.drop ? column : worst))
    if (victim.drop === 0) break
    chosen = chosen.filter((column) => column !== victim)
  }
  // Names come before blank columns: while the server column is short of its names, hide the
  // empty columns (least useful first) and give it their room.
  const server = chosen.find((column) => column.key === 'server')
  if (server) {
    for (;;) {
      const spareNow = Math.max(0, available - needed(chosen))
      server.width = Math.min(server.max, Math.max(server.width, server.width + spareNow))
      if (server.width >= server.max) break
      const blank = chosen
        .filter((column) => column.drop >= EMPTY_FIRST)
        .reduce<(typeof chosen)[number] | undefined>(
          (worst, column) => (worst === undefined || column.drop > worst.drop ? column : worst),
          undefined,
        )
      if (!blank) break
      chosen = chosen.filter((column) => column !== blank)
    }
  }
  // Too narrow for even the columns that always stay: shrink the widest, a cell at a time.
  while (needed(chosen) > available) {
    const widest = chosen.reduce((most, column) => (column.width > most.width ? column : most))
    if (widest.width <= 3) break
    widest.width--
  }
  let spare = Math.max(0, available - needed(chosen))
  for (const key of GROW_ORDER) {
    const column = chosen.find((candidate) => candidate.key === key)
    if (!column || spare <= 0) continue
    const grow = Math.min(spare, column.max - column.width)
    column.width += grow
    spare -= grow
  }
  return chosen.map(({ drop: _drop, max: _max, smsOnly: _smsOnly, ...column }) => column)
}

/**
 * A cell's text (not yet fitted to its width).
 *
 * @example
 * cellText('age', server, Date.now()) // '12s'
 */
export function cellText(
  key: Column['key'],
  server: ServerView,
  now: number,
  state: ServerState,
): string {
  switch (key) {
    case 'server':
      return clean(displayName(server))
    case 'state':
      return state
    case 'sms':
      return clean(server.sms?.state ?? '')
    case 'cycle':
      return clean(server.sms?.migrationCycle ?? '')
    case 'agent': {
      const sms = server.sms
      if (sms?.connected === undefined) return ''
      const mark = sms.connected ? '●' : '○'
      return sms.connectedSince === undefined
        ? mark
        : `${mark} ${formatSince(Math.max(0, now - sms.connectedSince))}`
    }
    case 'command':
      return server.command ? clean(server.command.name) : '—'
    case 'task':
      return clean(server.command?.taskId ?? '')
    case 'bucket':
      return clean(server.command?.bucket ?? '')
    case 'age':
      return server.commandSince === null ? '' : formatSince(now - server.commandSince)
    case 'polled': {
      const at = server.lastPollAt ?? server.lastSeenAt
      return at === null ? '—' : formatSince(now - at)
    }
    case 'latency':
      return formatLatency(server.latencyMs)
    case 'error':
      if (!server.lastError) return ''
      return clean(shortError(server.lastError) || server.lastError.message)
    case 'activity':
      return ''
  }
}
