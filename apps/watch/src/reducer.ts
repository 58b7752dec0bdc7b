/**
 * The watch's state and its one pure reducer: `(state, action) → state`, for keys (through the
 * keymap) and for data (source updates, clock ticks, resizes) alike.
 *
 * @module
 */

import { type InputMode, keyToAction, type UiAction } from './keymap.ts'
import {
  type BudgetView,
  type ErrorInfo,
  INTERVAL_LADDER_MS,
  LIMITS_WATCH,
  type LogEntry,
  type ServerUpdate,
  type ServerView,
  type SourceStatus,
} from './model.ts'
import {
  appendBounded,
  applyServerUpdate,
  emptyServer,
  formatAge,
  shortError,
} from './server-view.ts'
import { fleetRows, layoutFrame, SORT_KEYS, type SortKey, windowRows } from './view-model.ts'

/** What is displayed: the live fleet, or the snapshot taken when the display was paused. */
export interface FleetSnapshot {
  servers: ReadonlyMap<string, ServerView>
  log: readonly LogEntry[]
}

/** Polls counted per second over the last `LIMITS_WATCH.rateWindowSeconds` seconds. */
export interface PollRate {
  /** The second (epoch ms / 1000) of the newest slot. */
  second: number
  counts: readonly number[]
}

/** The whole state of the watch. */
export interface WatchState {
  now: number
  startedAt: number
  servers: ReadonlyMap<string, ServerView>
  log: readonly LogEntry[]
  /** Set while the display is paused: what stays on screen. Data keeps flowing into `servers`. */
  frozen: FleetSnapshot | null
  /** Updates received since the display was paused. */
  updatesWhilePaused: number
  sources: readonly SourceStatus[]
  rate: PollRate
  selectedId: string | null
  scrollTop: number
  detailOpen: boolean
  helpOpen: boolean
  filter: string
  filterEditing: boolean
  sort: SortKey
  sortReversed: boolean
  intervalMs: number
  /** False when no source polls (the mock and agent streams push): `+`/`-` then only say so. */
  intervalApplies: boolean
  /** The fleet's request budget, when polling under one. */
  budget: BudgetView | null
  terminal: { rows: number; cols: number }
  /** A short message for the footer (`sorted by age`), shown for a few seconds. */
  notice: { text: string; at: number } | null
  quit: boolean
}

/** Actions that carry data rather than a keypress. */
export type DataAction =
  /** Servers to show; with `replace`, servers not listed are dropped (discovery saw them go). */
  | { type: 'servers'; ids: readonly string[]; at: number; replace?: boolean }
  /**
   * The budget as it now is; with `throttled`, a throttling answer from that server just lowered
   * it (the event log names the server).
   */
  | {
      type: 'budget'
      budget: BudgetView
      at?: number
      throttled?: { serverId: string; error: ErrorInfo } | undefined
    }
  | { type: 'updates'; updates: readonly ServerUpdate[] }
  | { type: 'source'; status: SourceStatus }
  | { type: 'log'; entry: LogEntry }
  | { type: 'tick'; now: number }
  | { type: 'resize'; rows: number; cols: number }

/** Everything the reducer folds. */
export type WatchAction = UiAction | DataAction | { type: 'key'; name: string }

/** Options of {@link initialState}. */
export interface InitialStateOptions {
  now: number
  intervalMs?: number
  intervalApplies?: boolean
  terminal?: { rows: number; cols: number }
  serverIds?: readonly string[]
  sort?: SortKey
}

/**
 * Each server's pause between polls as it really is: the interval, or longer when the fleet's
 * budget can't poll every server that often (`servers / rate`).
 *
 * @example
 * effectiveIntervalMs({ ...state, intervalMs: 10_000, budget: { rps: 5, maxRps: 5, servers: 500 } }) // 100_000
 */
export function effectiveIntervalMs(state: WatchState): number {
  const budget = state.budget
  if (!budget || budget.rps <= 0) return state.intervalMs
  return Math.max(state.intervalMs, Math.ceil((Math.max(1, budget.servers) / budget.rps) * 1_000))
}

/** How long a footer notice stays. */
export const NOTICE_MS = 4_000

/**
 * A fresh state: no data yet, the first server (if any) selected.
 *
 * @example
 * const state = initialState({ now: Date.now(), serverIds: ['a', 'b'] })
 */
export function initialState(options: InitialStateOptions): WatchState {
  const servers = new Map<string, ServerView>()
  for (const id of options.serverIds ?? []) servers.set(id, emptyServer(id))
  return {
    now: options.now,
    startedAt: options.now,
    servers,
    log: [],
    frozen: null,
    updatesWhilePaused: 0,
    sources: [],
    rate: { second: Math.floor(options.now / 1000), counts: [0] },
    selectedId: null,
    scrollTop: 0,
    detailOpen: false,
    helpOpen: false,
    filter: '',
    filterEditing: false,
    sort: options.sort ?? 'server',
    sortReversed: false,
    intervalMs: options.intervalMs ?? 10_000,
    intervalApplies: options.intervalApplies ?? true,
    budget: null,
    terminal: options.terminal ?? { rows: 24, cols: 80 },
    notice: null,
    quit: false,
  }
}

/**
 * Which keymap mode input is in.
 *
 * @example
 * inputMode({ ...state, helpOpen: true }) // 'help'
 */
export function inputMode(state: WatchState): InputMode {
  if (state.helpOpen) return 'help'
  if (state.filterEditing) return 'filter'
  return 'table'
}

/**
 * What the screen shows: the frozen snapshot while paused, else the live fleet.
 *
 * @example
 * displayed(state).servers.size
 */
export function displayed(state: WatchState): FleetSnapshot {
  return state.frozen ?? { servers: state.servers, log: state.log }
}

/**
 * The table's rows as drawn now (displayed fleet, filter, sort).
 *
 * @example
 * tableRows(state).map((server) => server.id)
 */
export function tableRows(state: WatchState): readonly ServerView[] {
  return fleetRows(displayed(state).servers, state.filter, state.sort, state.sortReversed)
}

/**
 * The selected row's index in {@link tableRows} (0 when the selected server is filtered out).
 *
 * @example
 * selectedIndex(state, tableRows(state))
 */
export function selectedIndex(state: WatchState, rows: readonly ServerView[]): number {
  if (state.selectedId === null) return 0
  const index = rows.findIndex((server) => server.id === state.selectedId)
  return Math.max(index, 0)
}

/**
 * The selected server as displayed, if any row is visible.
 *
 * @example
 * selectedServer(state)?.id
 */
export function selectedServer(state: WatchState): ServerView | undefined {
  const rows = tableRows(state)
  return rows[selectedIndex(state, rows)]
}

/** Table body lines for the current terminal and panes. */
export function tableHeight(state: WatchState): number {
  return layoutFrame(state.terminal, { detailOpen: state.detailOpen }).tableBody
}

/**
 * Polls per second over the rate window, for the header.
 *
 * @example
 * pollRate(state) // 4.2
 */
export function pollRate(state: WatchState): number {
  const window = LIMITS_WATCH.rateWindowSeconds
  const nowSecond = Math.floor(state.now / 1000)
  const age = nowSecond - state.rate.second
  let sum = 0
  state.rate.counts.forEach((count, index) => {
    const second = state.rate.second - (state.rate.counts.length - 1 - index)
    // The current second is still filling: count only complete seconds.
    if (second < nowSecond && nowSecond - second <= window) sum += count
  })
  const elapsed = Math.min(window, Math.max(1, Math.floor((state.now - state.startedAt) / 1000)))
  return age > window ? 0 : sum / elapsed
}

// Polling sources count polls; push sources (mock, agents) count every event they stream.
function countPolls(
  rate: PollRate,
  updates: readonly ServerUpdate[],
  pollsOnly: boolean,
): PollRate {
  let { second } = rate
  let counts = rate.counts.slice()
  for (const update of updates) {
    if (pollsOnly && !update.poll) continue
    const at = Math.floor(update.at / 1000)
    if (at > second) {
      counts = [
        ...counts,
        ...new Array<number>(Math.min(at - second, LIMITS_WATCH.rateWindowSeconds + 1)).fill(0),
      ]
      second = at
    }
    const index = counts.length - 1 - (second - at)
    if (index >= 0) counts[index] = (counts[index] ?? 0) + 1
  }
  return { second, counts: counts.slice(-(LIMITS_WATCH.rateWindowSeconds + 1)) }
}

// After anything that can move rows or resize the table: keep the selection on an existing row
// and the scroll position such that it is visible.
function normalizeSelection(
  state: WatchState,
  moveTo?: (index: number, total: number, page: number) => number,
): WatchState {
  const rows = tableRows(state)
  if (rows.length === 0) return state.scrollTop === 0 ? state : { ...state, scrollTop: 0 }
  const height = tableHeight(state)
  const current = selectedIndex(state, rows)
  const page = Math.max(1, windowRows(rows.length, current, height, state.scrollTop).count)
  const target = moveTo
    ? Math.min(rows.length - 1, Math.max(0, moveTo(current, rows.length, page)))
    : current
  const window = windowRows(rows.length, target, height, state.scrollTop)
  const selectedId = rows[target]?.id ?? null
  if (selectedId === state.selectedId && window.top === state.scrollTop) return state
  return { ...state, selectedId, scrollTop: window.top }
}

function notice(state: WatchState, text: string): WatchState {
  return { ...state, notice: { text, at: state.now } }
}

function stepInterval(current: number, by: 1 | -1): number {
  const ladder = INTERVAL_LADDER_MS as readonly number[]
  if (by > 0) return ladder.find((value) => value > current) ?? ladder[ladder.length - 1] ?? current
  return [...ladder].reverse().find((value) => value < current) ?? ladder[0] ?? current
}

function applyUpdates(state: WatchState, updates: readonly ServerUpdate[]): WatchState {
  if (updates.length === 0) return state
  const servers = new Map(state.servers)
  const entries: LogEntry[] = []
  let now = state.now
  for (const update of updates) {
    const previous = servers.get(update.serverId) ?? emptyServer(update.serverId)
    const applied = applyServerUpdate(previous, update)
    servers.set(update.serverId, applied.server)
    for (const entry of applied.entries) entries.push(entry)
    if (update.at > now) now = update.at
  }
  return {
    ...state,
    now,
    servers,
    log: entries.length > 0 ? appendBounded(state.log, entries, LIMITS_WATCH.eventLog) : state.log,
    rate: countPolls(state.rate, updates, state.intervalApplies),
    updatesWhilePaused: state.frozen ? state.updatesWhilePaused + updates.length : 0,
  }
}

function applyUi(state: WatchState, action: UiAction): WatchState {
  switch (action.type) {
    case 'move':
      return normalizeSelection(state, (index) => index + action.by)
    case 'page':
      return normalizeSelection(state, (index, _total, page) => index + action.by * page)
    case 'jump':
      return normalizeSelection(state, (_index, total) => (action.to === 'top' ? 0 : total - 1))
    case 'detail-toggle':
      return normalizeSelection({ ...state, detailOpen: !state.detailOpen })
    case 'back':
      if (state.detailOpen) return normalizeSelection({ ...state, detailOpen: false })
      if (state.filter) return normalizeSelection({ ...state, filter: '' })
      return state
    case 'filter-start':
      return { ...state, filterEditing: true }
    case 'filter-input':
      return normalizeSelection({
        ...state,
        filter: (state.filter + action.text).slice(0, LIMITS_WATCH.filterLength),
      })
    case 'filter-backspace':
      return normalizeSelection({
        ...state,
        filter: Array.from(state.filter).slice(0, -1).join(''),
      })
    case 'filter-commit':
      return { ...state, filterEditing: false }
    case 'filter-clear':
      return normalizeSelection({ ...state, filter: '', filterEditing: false })
    case 'sort-cycle': {
      const next = SORT_KEYS[(SORT_KEYS.indexOf(state.sort) + 1) % SORT_KEYS.length] ?? 'server'
      return normalizeSelection(notice({ ...state, sort: next }, `sorted by ${next}`))
    }
    case 'sort-reverse':
      return normalizeSelection(
        notice(
          { ...state, sortReversed: !state.sortReversed },
          `sorted by ${state.sort}${state.sortReversed ? '' : ', reversed'}`,
        ),
      )
    case 'pause-toggle':
      if (state.frozen) {
        return normalizeSelection(
          notice({ ...state, frozen: null, updatesWhilePaused: 0 }, 'display resumed'),
        )
      }
      return notice(
        { ...state, frozen: { servers: state.servers, log: state.log }, updatesWhilePaused: 0 },
        'display paused; polling carries on',
      )
    case 'interval-step': {
      if (!state.intervalApplies) {
        return notice(state, 'the interval applies to --endpoint polling; streams push events')
      }
      const intervalMs = stepInterval(state.intervalMs, action.by)
      return notice({ ...state, intervalMs }, `poll interval ${formatAge(intervalMs)}`)
    }
    case 'help-toggle':
      return { ...state, helpOpen: !state.helpOpen }
    case 'quit':
      return { ...state, quit: true }
  }
}

/**
 * The reducer. Keys go through the keymap (`{ type: 'key', name }`), so every binding is tested
 * here; data actions fold source updates, ticks and resizes.
 *
 * @example
 * let state = initialState({ now: 0, serverIds: ['a', 'b'] })
 * state = reduce(state, { type: 'key', name: 'j' }) // selects 'b'
 */
export function reduce(state: WatchState, action: WatchAction): WatchState {
  switch (action.type) {
    case 'key': {
      const ui = keyToAction(inputMode(state), action.name)
      return ui ? applyUi(state, ui) : state
    }
    case 'servers': {
      const missing = action.ids.filter((id) => !state.servers.has(id))
      const wanted = action.replace ? new Set(action.ids) : null
      const gone = wanted ? [...state.servers.keys()].filter((id) => !wanted.has(id)) : []
      if (missing.length === 0 && gone.length === 0) return state
      const servers = new Map(state.servers)
      for (const id of missing) servers.set(id, emptyServer(id))
      for (const id of gone) servers.delete(id)
      return normalizeSelection({ ...state, servers })
    }
    case 'budget': {
      const previous = state.budget
      const next = action.budget
      if (action.throttled) {
        const code = shortError(action.throttled.error)
        const entry: LogEntry = {
          at: action.at ?? action.throttled.error.at,
          serverId: action.throttled.serverId,
          level: 'warn',
          text: `${code || 'throttled'}: the fleet's request rate is lowered to ${next.rps.toFixed(2)}/s (of ${next.maxRps}/s)`,
        }
        return {
          ...state,
          budget: next,
          log: appendBounded(state.log, [entry], LIMITS_WATCH.eventLog),
        }
      }
      if (
        previous &&
        previous.rps === next.rps &&
        previous.maxRps === next.maxRps &&
        previous.servers === next.servers &&
        previous.throttledAt === next.throttledAt &&
        previous.heldUntil === next.heldUntil
      )
        return state
      return { ...state, budget: next }
    }
    case 'updates':
      return applyUpdates(state, action.updates)
    case 'source': {
      const others = state.sources.filter(
        (source) => source.kind !== action.status.kind || source.target !== action.status.target,
      )
      const previous = state.sources.find(
        (source) => source.kind === action.status.kind && source.target === action.status.target,
      )
      const changed =
        previous?.status !== action.status.status || previous?.message !== action.status.message
      let next: WatchState = { ...state, sources: [...others, action.status].sort(bySource) }
      if (changed && action.status.status !== 'connecting') {
        const { kind, target, status, message } = action.status
        // The fleet list says what it found ("12 servers listed"); streams say they connected.
        const okText = kind === 'fleet' && message ? message : 'connected'
        const text = `${kind} ${target}: ${status === 'ok' ? okText : (message ?? 'error')}`
        next = {
          ...next,
          log: appendBounded(
            state.log,
            [
              {
                at: action.status.at,
                level: action.status.status === 'ok' ? 'info' : 'error',
                text,
              },
            ],
            LIMITS_WATCH.eventLog,
          ),
        }
      }
      return next
    }
    case 'log':
      return { ...state, log: appendBounded(state.log, [action.entry], LIMITS_WATCH.eventLog) }
    case 'tick': {
      if (action.now <= state.now) return state
      const expired = state.notice !== null && action.now - state.notice.at >= NOTICE_MS
      return { ...state, now: action.now, notice: expired ? null : state.notice }
    }
    case 'resize': {
      const rows = Math.max(1, Math.floor(action.rows))
      const cols = Math.max(1, Math.floor(action.cols))
      if (rows === state.terminal.rows && cols === state.terminal.cols) return state
      return normalizeSelection({ ...state, terminal: { rows, cols } })
    }
    default:
      return applyUi(state, action)
  }
}

function bySource(a: SourceStatus, b: SourceStatus): number {
  return a.kind.localeCompare(b.kind) || a.target.localeCompare(b.target)
}

/**
 * True for actions that come from the user rather than from data: the UI redraws at once for
 * them, and batches the rest.
 *
 * @example
 * isUserAction({ type: 'key', name: 'j' }) // true
 */
export function isUserAction(action: WatchAction): boolean {
  return !['servers', 'budget', 'updates', 'source', 'log', 'tick'].includes(action.type)
}
