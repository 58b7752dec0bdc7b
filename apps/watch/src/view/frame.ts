/**
 * The whole screen as data: `buildFrame(state)` returns exactly the lines to draw, each a list of
 * styled segments. Pure, so frame height and content are tested without a terminal, and the Ink
 * component that draws it stays trivial.
 *
 * @module
 */
import { describeCommand, displayName, formatAge, serverState, shortError } from '../fleet.ts'
import { footerHints, helpLines } from '../keymap.ts'
import type { LogEntry, ServerState, ServerView, SourceStatus } from '../model.ts'
import {
  displayed,
  effectiveIntervalMs,
  inputMode,
  NOTICE_MS,
  pollRate,
  selectedIndex,
  tableRows,
  type WatchState,
} from '../reducer.ts'
import {
  type FrameLayout,
  fleetTotals,
  layoutFrame,
  visibleLog,
  windowRows,
} from '../view-model.ts'
import {
  type Column,
  cellText,
  cellWidth,
  clean,
  fit,
  fitColumns,
  formatClock,
  formatLatency,
  MARKER_WIDTH,
  MAYBE_EMPTY_COLUMNS,
  sparkline,
  truncateCells,
} from './format.ts'

/** How a segment looks. `color` is dropped when colour is off (`NO_COLOR`); the rest stays. */
export interface SegmentStyle {
  color?: string
  bold?: boolean
  dim?: boolean
  inverse?: boolean
}

/** A run of text in one style. */
export interface Segment {
  text: string
  style?: SegmentStyle
}

/** One screen line. */
export type Line = Segment[]

const STATE_COLOR: Record<ServerState, string> = {
  error: 'red',
  running: 'blue',
  delivered: 'cyan',
  pending: 'yellow',
  idle: 'green',
  waiting: 'gray',
}

const COMMAND_COLOR: Record<string, string> = {
  START: 'green',
  STOP: 'yellow',
  DELETE: 'red',
  SYNC: 'cyan',
}

const LEVEL_COLOR: Record<LogEntry['level'], string> = {
  info: 'white',
  warn: 'yellow',
  error: 'red',
}

/**
 * The colour of a command name; unknown commands (docs/api.md §1 says they must be carried) are magenta.
 *
 * @example
 * commandColor('DELETE') // 'red'
 */
export function commandColor(name: string): string {
  return COMMAND_COLOR[name] ?? 'magenta'
}

const seg = (text: string, style?: SegmentStyle): Segment => (style ? { text, style } : { text })

/**
 * A line's plain text (styles dropped).
 *
 * @example
 * lineText([{ text: 'a' }, { text: 'b' }]) // 'ab'
 */
export function lineText(line: Line): string {
  return line.map((segment) => segment.text).join('')
}

/**
 * True when two lines draw the same (text and styles), so an unchanged line is not re-rendered.
 *
 * @example
 * sameLine([{ text: 'a' }], [{ text: 'a' }]) // true
 */
export function sameLine(a: Line, b: Line): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const left = a[i]
    const right = b[i]
    if (!left || !right || left.text !== right.text) return false
    const x = left.style
    const y = right.style
    if (x === y) continue
    if (!x || !y) return false
    if (x.color !== y.color || x.bold !== y.bold || x.dim !== y.dim || x.inverse !== y.inverse)
      return false
  }
  return true
}

const sameStyle = (a: SegmentStyle | undefined, b: SegmentStyle | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.color === b.color &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.inverse === b.inverse)

/** Joins neighbouring segments of one style: fewer Ink text nodes to lay out per frame. */
function merge(line: Line): Line {
  const out: Line = []
  for (const segment of line) {
    const last = out[out.length - 1]
    if (last && sameStyle(last.style, segment.style)) {
      out[out.length - 1] = { ...last, text: last.text + segment.text }
    } else {
      out.push(segment)
    }
  }
  return out
}

/**
 * Cuts a line to `cols` terminal cells, so no line ever wraps into two, whatever the names.
 * Every segment's text is made safe first: a caller that forgot `clean` still can't draw a
 * control or bidi character.
 */
function clip(line: Line, cols: number): Line {
  let room = cols
  const out: Line = []
  for (const segment of line) {
    if (room <= 0) break
    const text = clean(segment.text)
    const width = cellWidth(text)
    if (width <= room) {
      out.push(text === segment.text ? segment : { ...segment, text })
      room -= width
    } else {
      out.push({ ...segment, text: truncateCells(text, room) })
      room = 0
    }
  }
  return out
}

/**
 * A line's width in terminal cells.
 *
 * @example
 * lineWidth([{ text: '北京' }, { text: '-01' }]) // 7
 */
export function lineWidth(line: Line): number {
  return line.reduce((sum, segment) => sum + cellWidth(segment.text), 0)
}

/**
 * Segments of the sources line that may be cut when it is too long, with the fewest cells each
 * keeps and the pass that cuts it: targets (URLs) first, then error messages; status markers are
 * never cut.
 */
const SHRINKABLE = new WeakMap<Segment, { min: number; pass: number }>()
const TARGET_PASS = 0
const MESSAGE_PASS = 1
const shrinkable = (segment: Segment, min: number, pass = MESSAGE_PASS): Segment => {
  SHRINKABLE.set(segment, { min, pass })
  return segment
}

function sourceText(source: SourceStatus): Segment[] {
  const label = `${source.kind} ${clean(source.target)}`
  // Cut to the kind and an ellipsis ("api … ") before any status or message is.
  const labelSegment = shrinkable(seg(`${label} `), source.kind.length + 3, TARGET_PASS)
  if (source.status === 'ok') {
    // The fleet list isn't a stream: it says what it found rather than "live".
    const text = source.kind === 'fleet' && source.message ? `● ${source.message}` : '● live'
    return [labelSegment, seg(text, { color: 'green' })]
  }
  if (source.status === 'connecting')
    return [labelSegment, seg('○ connecting', { color: 'yellow' })]
  if (source.status === 'stale')
    return [
      labelSegment,
      seg(`◌ stale since ${formatClock(source.since ?? source.at)}`, { color: 'yellow' }),
    ]
  return [
    labelSegment,
    shrinkable(seg(`✗ ${clean(source.message ?? 'error')}`, { color: 'red', bold: true }), 12),
  ]
}

// One source of a kind is shown in full; several (ten agents, say) as one tally, with the first
// failure spelled out, so the header stays one line.
function sourceGroups(sources: readonly SourceStatus[]): Segment[][] {
  const kinds = new Map<string, SourceStatus[]>()
  for (const source of sources) kinds.set(source.kind, [...(kinds.get(source.kind) ?? []), source])
  const groups: Segment[][] = []
  const order = (kind: string) => ['api', 'mock', 'agent'].indexOf(kind) >>> 0
  for (const [kind, members] of [...kinds].sort((a, b) => order(a[0]) - order(b[0]))) {
    const [only] = members
    if (members.length === 1 && only) {
      groups.push(sourceText(only))
      continue
    }
    const live = members.filter((source) => source.status === 'ok').length
    const connecting = members.filter((source) => source.status === 'connecting').length
    const failed = members.filter((source) => source.status === 'error')
    const group: Segment[] = [
      seg(`${members.length} ${kind}s `),
      seg(`● ${live} live`, { color: live > 0 ? 'green' : 'gray' }),
    ]
    if (connecting > 0) group.push(seg(` ○ ${connecting} connecting`, { color: 'yellow' }))
    const stale = members.filter((source) => source.status === 'stale').length
    if (stale > 0) group.push(seg(` ◌ ${stale} stale`, { color: 'yellow' }))
    const first = failed[0]
    if (first) {
      group.push(
        shrinkable(
          seg(
            ` ✗ ${failed.length} failing (${clean(first.target)}: ${clean(first.message ?? 'error')})`,
            { color: 'red', bold: true },
          ),
          12,
        ),
      )
    }
    groups.push(group)
  }
  return groups
}

const rate = (rps: number) =>
  rps >= 10 ? rps.toFixed(0) : rps >= 1 ? rps.toFixed(1) : rps.toFixed(2)

// How often each server is polled, and why when the fleet's budget stretches it.
function pollingSegments(state: WatchState): Segment[] {
  if (!state.intervalApplies) return [seg(' · push')]
  const every = effectiveIntervalMs(state)
  const out: Segment[] = [seg(` · every ${formatAge(every)}`)]
  const budget = state.budget
  if (!budget) return out
  const throttled = budget.rps < budget.maxRps
  out.push(
    seg(
      throttled
        ? ` (budget ${rate(budget.rps)} of ${rate(budget.maxRps)}/s after a 429)`
        : ` (budget ${rate(budget.maxRps)}/s)`,
      throttled ? { color: 'yellow' } : { dim: every <= state.intervalMs },
    ),
  )
  if (budget.heldUntil !== undefined && budget.heldUntil > state.now) {
    // A Retry-After pause: no poll goes out until then, whatever the rate says.
    out.push(seg(` held until ${formatClock(budget.heldUntil)}`, { color: 'yellow', bold: true }))
  }
  return out
}

/** A part of a header line; `drop` says which go first when the line is too long (0: never). */
interface HeaderPart {
  segments: Segment[]
  drop: number
}

/**
 * Joins header parts into a line of at most `cols` cells by leaving out the least important
 * parts first (highest `drop`), keeping the order of those that stay. Parts with `drop` 0 (the
 * budget, the interval, a stale marker) always stay; what still doesn't fit is cut at the edge.
 */
function fitHeader(parts: readonly HeaderPart[], cols: number): Line {
  const kept = [...parts]
  const width = () => kept.reduce((sum, part) => sum + lineWidth(part.segments), 0)
  while (width() > cols) {
    const victim = kept.reduce<HeaderPart | undefined>(
      (worst, part) => (part.drop > 0 && (!worst || part.drop >= worst.drop) ? part : worst),
      undefined,
    )
    if (!victim) break
    kept.splice(kept.indexOf(victim), 1)
  }
  return kept.flatMap((part) => part.segments)
}

function headerLines(state: WatchState): Line[] {
  const fleet = displayed(state)
  const totals = fleetTotals(fleet.servers.values())
  const first: Line = [seg(' sms-watch ', { bold: true, inverse: true }), seg(' ')]
  if (state.frozen) {
    first.push(
      seg(
        ` PAUSED · ${state.updatesWhilePaused} update${state.updatesWhilePaused === 1 ? '' : 's'} held `,
        {
          color: 'yellow',
          bold: true,
          inverse: true,
        },
      ),
      seg(' '),
    )
  }
  if (state.sources.length === 0) first.push(seg('no source', { color: 'red' }))
  sourceGroups(state.sources).forEach((group, index) => {
    if (index > 0) first.push(seg(' · '))
    first.push(...group)
  })

  // At 80 columns not everything fits: the budget and interval (why polls are slow, and when
  // they resume) matter more than the sort order or the per-command breakdown.
  const second: HeaderPart[] = [
    {
      segments: [
        seg(` ${totals.servers} server${totals.servers === 1 ? '' : 's'}`, { bold: true }),
      ],
      drop: 0,
    },
  ]
  const pending = totals.pendingByCommand.reduce((sum, [, count]) => sum + count, 0)
  second.push({ segments: [seg(' · pending '), seg(String(pending), { bold: true })], drop: 3 })
  if (totals.pendingByCommand.length > 0) {
    const breakdown: Segment[] = [seg(' (')]
    totals.pendingByCommand.forEach(([name, count], index) => {
      if (index > 0) breakdown.push(seg(' '))
      breakdown.push(seg(clean(name), { color: commandColor(name) }), seg(` ${count}`))
    })
    breakdown.push(seg(')'))
    second.push({ segments: breakdown, drop: 7 })
  }
  if (totals.byState.running > 0)
    second.push({
      segments: [seg(` · running ${totals.byState.running}`, { color: 'blue' })],
      drop: 4,
    })
  second.push({
    segments: [
      seg(' · errors '),
      seg(String(totals.failing), totals.failing > 0 ? { color: 'red', bold: true } : undefined),
    ],
    drop: 2,
  })
  second.push({
    segments: [
      seg(` · ${pollRate(state).toFixed(1)} ${state.intervalApplies ? 'polls' : 'events'}/s`),
    ],
    drop: 6,
  })
  second.push({ segments: pollingSegments(state), drop: 0 })
  if (state.filter)
    second.push({
      segments: [seg(' · filter '), seg(`"${clean(state.filter)}"`, { color: 'cyan' })],
      drop: 1,
    })
  second.push({
    segments: [seg(` · sort ${state.sort} ${state.sortReversed ? '▼' : '▲'}`, { dim: true })],
    drop: 8,
  })
  return [shortenMessages(first, state.terminal.cols), fitHeader(second, state.terminal.cols)]
}

/**
 * Fits the sources line to `cols` by cutting its long texts (error messages, then targets) a
 * step at a time, longest first, so one long message never pushes another source's status
 * (`● live`, `◌ stale since …`) off the edge.
 */
function shortenMessages(line: Line, cols: number): Line {
  const out = [...line]
  let pass = TARGET_PASS
  const room = (segment: Segment) => {
    const shrink = SHRINKABLE.get(segment)
    return shrink === undefined || shrink.pass !== pass ? 0 : cellWidth(segment.text) - shrink.min
  }
  for (;;) {
    const over = lineWidth(out) - cols
    if (over <= 0) return out
    let most = -1
    for (let index = 0; index < out.length; index++) {
      const segment = out[index] as Segment
      if (room(segment) > 0 && (most < 0 || room(segment) > room(out[most] as Segment)))
        most = index
    }
    if (most < 0) {
      if (pass === MESSAGE_PASS) return out
      pass = MESSAGE_PASS
      continue
    }
    const segment = out[most] as Segment
    const width = cellWidth(segment.text)
    const min = width - room(segment)
    const cut = shrinkable(
      { ...segment, text: truncateCells(clean(segment.text), Math.max(min, width - over)) },
      min,
      pass,
    )
    // A label keeps its trailing space, so the status after it doesn't run into it.
    if (segment.text.endsWith(' ') && !cut.text.endsWith(' '))
      cut.text = `${truncateCells(clean(segment.text), Math.max(min, width - over) - 1)} `
    out[most] = cut
  }
}

function tableHeaderLine(state: WatchState, columns: readonly Column[]): Line {
  const line: Line = [seg(' '.repeat(MARKER_WIDTH))]
  columns.forEach((column, index) => {
    if (index > 0) line.push(seg(' '))
    const marker = column.sort === state.sort ? (state.sortReversed ? '▼' : '▲') : ''
    line.push(
      seg(fit(column.title + marker, column.width, column.align), { bold: true, dim: !marker }),
    )
  })
  return line
}

function rowLine(
  server: ServerView,
  columns: readonly Column[],
  now: number,
  selected: boolean,
): Line {
  const state = serverState(server)
  const base: SegmentStyle = selected ? { inverse: true } : {}
  const line: Line = [seg(selected ? '› ' : '  ', { ...base, bold: true })]
  columns.forEach((column, index) => {
    if (index > 0) line.push(seg(' ', base))
    if (column.key === 'activity') {
      for (const cell of sparkline(server.activity, now, column.width)) {
        line.push(seg(cell.char, { ...base, color: cell.error ? 'red' : 'cyan' }))
      }
      return
    }
    const text = fit(cellText(column.key, server, now, state), column.width, column.align)
    let style: SegmentStyle = base
    if (column.key === 'state')
      style = { ...base, color: STATE_COLOR[state], bold: state === 'error' }
    if (column.key === 'command' && server.command)
      style = { ...base, color: commandColor(server.command.name), bold: true }
    if (column.key === 'error' && server.lastError)
      style = server.failing ? { ...base, color: 'red' } : { ...base, dim: true }
    if (column.key === 'server') style = { ...base, bold: selected }
    line.push(seg(text, style))
  })
  return line
}

function emptyTableLine(state: WatchState): Line {
  if (state.filter) {
    return [
      seg(`  No server matches "${clean(state.filter)}" (Esc clears the filter)`, { dim: true }),
    ]
  }
  const connecting = state.sources.some((source) => source.status === 'connecting')
  const failing = state.sources.find((source) => source.status === 'error')
  if (failing)
    return [seg(`  No servers: ${clean(failing.message ?? 'the source failed')}`, { color: 'red' })]
  return [
    seg(
      connecting || state.sources.length === 0
        ? '  Loading… waiting for the first data'
        : '  No servers yet',
      { dim: true },
    ),
  ]
}

function tableLines(
  state: WatchState,
  layout: FrameLayout,
  columns: readonly Column[],
  rows: readonly ServerView[],
): Line[] {
  const lines: Line[] = [tableHeaderLine(state, columns)]
  if (rows.length === 0) {
    lines.push(emptyTableLine(state))
  } else {
    const index = selectedIndex(state, rows)
    const window = windowRows(rows.length, index, layout.tableBody, state.scrollTop)
    for (let i = window.top; i < window.top + window.count; i++) {
      const server = rows[i]
      if (server) lines.push(rowLine(server, columns, state.now, i === index))
    }
    if (window.indicator) {
      const parts = [`… ${window.below} more`]
      if (window.above > 0) parts.push(`${window.above} above`)
      parts.push(`${index + 1}/${rows.length}`)
      lines.push([seg(`  ${parts.join(' · ')}`, { dim: true })])
    }
  }
  return padLines(lines, layout.tableHeader + layout.tableBody)
}

function ruleLine(title: string, cols: number, style?: SegmentStyle): Line {
  const text = `─ ${title} `
  return [
    seg(text, { bold: true, ...style }),
    seg('─'.repeat(Math.max(0, cols - cellWidth(clean(text)))), { dim: true }),
  ]
}

function logEntryLine(entry: LogEntry, servers: ReadonlyMap<string, ServerView> | null): Line {
  const line: Line = [seg(` ${formatClock(entry.at)} `, { dim: true })]
  if (servers && entry.serverId !== undefined) {
    const server = servers.get(entry.serverId)
    line.push(seg(`${clean(server ? displayName(server) : entry.serverId)} `, { bold: true }))
  }
  line.push(seg(clean(entry.text), { color: LEVEL_COLOR[entry.level] }))
  return line
}

// The id (the name is in the title), then SMS's own view of the server.
function smsLine(server: ServerView, now: number): Line {
  const line: Line = [seg(' id '), seg(clean(server.id), { bold: true })]
  const sms = server.sms
  if (!sms) return line
  if (sms.ip) line.push(seg(` · ${clean(sms.ip)}`))
  if (sms.state) line.push(seg(' · SMS '), seg(clean(sms.state), { bold: true }))
  if (sms.migrationCycle) line.push(seg(` · cycle ${clean(sms.migrationCycle)}`))
  if (sms.connected !== undefined) {
    line.push(
      seg(
        sms.connected ? ' · agent connected' : ' · agent not connected',
        sms.connected ? { color: 'green' } : { color: 'yellow' },
      ),
    )
    if (sms.connectedSince !== undefined)
      line.push(seg(` for ${formatAge(Math.max(0, now - sms.connectedSince))}`))
  }
  return line
}

function detailLines(state: WatchState, height: number, cols: number): Line[] {
  if (height <= 0) return []
  const rows = tableRows(state)
  const server = rows[selectedIndex(state, rows)]
  if (!server) return padLines([ruleLine('detail: no server selected', cols)], height)
  const status = serverState(server)
  const title = clean(displayName(server))
  const lines: Line[] = [
    [
      ...ruleLine(title, Math.min(cols, cellWidth(title) + 4)),
      seg(` ${status}`, { color: STATE_COLOR[status], bold: true }),
      seg(' ─', { dim: true }),
    ],
  ]
  if (server.name !== null || server.sms !== null) lines.push(smsLine(server, state.now))
  const command: Line = [seg(' command ')]
  if (server.command) {
    command.push(
      seg(clean(describeCommand(server.command)), {
        color: commandColor(server.command.name),
        bold: true,
      }),
    )
    if (server.commandSince !== null)
      command.push(seg(` for ${formatAge(state.now - server.commandSince)}`))
  } else {
    command.push(seg('none pending', { dim: true }))
  }
  if (server.queued !== null) command.push(seg(` · ${server.queued} queued behind`))
  lines.push(command)
  const polledAt = server.lastPollAt ?? server.lastSeenAt
  lines.push([
    seg(
      ` polls ${server.polls} · errors ${server.errors} · results ${server.results} · last seen ${polledAt === null ? 'never' : `${formatAge(state.now - polledAt)} ago`} · latency ${formatLatency(server.latencyMs)}`,
    ),
  ])
  if (server.lastResult) {
    const result = server.lastResult
    lines.push([
      seg(' last result '),
      seg(result.result, { color: result.result === 'success' ? 'green' : 'red', bold: true }),
      seg(` for ${clean(describeCommand(result.command))} ${formatAge(state.now - result.at)} ago`),
      ...(result.detail ? [seg(` (${clean(result.detail)})`, { dim: true })] : []),
    ])
  }
  if (server.lastError) {
    const error = server.lastError
    const code = shortError(error)
    lines.push([
      seg(
        server.failing ? ' error ' : ' last error ',
        server.failing ? { color: 'red', bold: true } : undefined,
      ),
      seg(`${code ? `${clean(code)} ` : ''}${formatAge(state.now - error.at)} ago: `),
      seg(clean(error.message), server.failing ? { color: 'red' } : { dim: true }),
    ])
  }
  const room = height - lines.length
  if (room > 0) {
    lines.push([seg(' history (newest first)', { dim: true })])
    const history = [...server.history].reverse().slice(0, room - 1)
    for (const entry of history) lines.push(logEntryLine(entry, null))
  }
  return padLines(lines.slice(0, height), height)
}

function eventLogLines(state: WatchState, height: number, cols: number): Line[] {
  if (height <= 0) return []
  const fleet = displayed(state)
  const { entries, hidden } = visibleLog(fleet.log, fleet.servers, state.filter)
  const title = state.filter
    ? `events (${entries.length} of ${fleet.log.length} kept · ${hidden} hidden by the filter)`
    : `events (${fleet.log.length} kept)`
  const lines: Line[] = [ruleLine(title, cols, { dim: true })]
  for (const entry of entries.slice(-(height - 1))) lines.push(logEntryLine(entry, fleet.servers))
  return padLines(lines, height)
}

function helpOverlayLines(height: number, cols: number): Line[] {
  const body = helpLines()
  const lines: Line[] = [ruleLine('keys: ? or Esc closes this help', cols, { color: 'cyan' })]
  const room = height - 1
  const shown = body.length > room ? body.slice(0, Math.max(0, room - 1)) : body
  for (const text of shown) {
    const isGroup = text !== '' && !text.startsWith(' ')
    lines.push([seg(` ${text}`, isGroup ? { bold: true, color: 'cyan' } : undefined)])
  }
  if (body.length > room && room > 0)
    lines.push([
      seg(` … ${body.length - shown.length} more lines: enlarge the terminal`, { dim: true }),
    ])
  return padLines(lines, height)
}

function footerLine(state: WatchState): Line {
  const mode = inputMode(state)
  if (mode === 'filter') {
    return [
      seg(' / ', { bold: true, inverse: true }),
      seg(` ${clean(state.filter)}`),
      seg('█', { dim: true }),
      seg(`   ${footerHints('filter').join(' · ')}`, { dim: true }),
    ]
  }
  const line: Line = []
  footerHints(mode).forEach((hint, index) => {
    const [key = '', ...words] = hint.split(' ')
    if (index > 0) line.push(seg('  '))
    line.push(seg(key, { bold: true, color: 'cyan' }), seg(` ${words.join(' ')}`, { dim: true }))
  })
  if (state.notice && state.now - state.notice.at < NOTICE_MS) {
    line.unshift(seg(` ${clean(state.notice.text)} `, { color: 'yellow', bold: true }), seg(' '))
  } else {
    line.unshift(seg(' '))
  }
  return line
}

function padLines(lines: Line[], height: number): Line[] {
  const out = lines.slice(0, height)
  while (out.length < height) out.push([])
  return out
}

/**
 * The frame for a state: exactly `layoutFrame(...).total` lines (the terminal's rows minus one),
 * none longer than the terminal's columns.
 *
 * @example
 * const lines = buildFrame(state)
 * lines.map(lineText).join('\n')
 */
export function buildFrame(state: WatchState): Line[] {
  const { rows, cols } = state.terminal
  const layout = layoutFrame(state.terminal, { detailOpen: state.detailOpen })
  if (layout.tooSmall) {
    if (layout.total === 0) return []
    return [
      [seg(`sms-watch needs at least 40×10; this terminal is ${cols}×${rows}. q quits.`)],
    ].map((line) => clip(line, cols))
  }
  const lines: Line[] = [...headerLines(state)]
  if (state.helpOpen) {
    lines.push(...helpOverlayLines(layout.help, cols))
  } else {
    const rows = tableRows(state)
    let longest = 0
    let sms = false
    // Judged over the whole table (as the longest name is), not the rows scrolled into view, so
    // columns don't come and go while scrolling.
    const empty = new Set(MAYBE_EMPTY_COLUMNS)
    for (const server of rows) {
      longest = Math.max(longest, cellWidth(clean(displayName(server))))
      if (server.sms !== null) sms = true
      if (empty.size === 0) continue
      const status = serverState(server)
      for (const key of empty) {
        if (cellText(key, server, state.now, status) !== '') empty.delete(key)
      }
    }
    const columns = fitColumns(cols, longest, { sms, sort: state.sort, empty })
    lines.push(...tableLines(state, layout, columns, rows))
    lines.push(...detailLines(state, layout.detail, cols))
    lines.push(...eventLogLines(state, layout.log, cols))
  }
  lines.push(footerLine(state))
  return lines.map((line) => merge(clip(line, cols)))
}
