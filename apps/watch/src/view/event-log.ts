/**
 * The event log pane, and the log line the detail pane's history reuses.
 *
 * @module
 */
import type { LogEntry, ServerView } from '../model.ts'
import { displayed, type WatchState } from '../reducer.ts'
import { displayName } from '../server-view.ts'
import { visibleLog } from '../view-model.ts'
import { clean, formatClock } from './format.ts'
import { type Line, padLines, ruleLine, seg } from './line.ts'
import { LEVEL_COLOR } from './palette.ts'

/**
 * One event-log line: time, the server's name when `servers` is given, the text in its level's
 * colour.
 *
 * @example
 * logEntryLine({ at, level: 'warn', text: 'stale' }, null)
 */
export function logEntryLine(
  entry: LogEntry,
  servers: ReadonlyMap<string, ServerView> | null,
): Line {
  const line: Line = [seg(` ${formatClock(entry.at)} `, { dim: true })]
  if (servers && entry.serverId !== undefined) {
    const server = servers.get(entry.serverId)
    line.push(seg(`${clean(server ? displayName(server) : entry.serverId)} `, { bold: true }))
  }
  line.push(seg(clean(entry.text), { color: LEVEL_COLOR[entry.level] }))
  return line
}

/**
 * The event log pane: a rule with the counts, then the newest entries that fit (filtered as the
 * table is).
 *
 * @example
 * const lines = eventLogLines(state, layout.log, state.terminal.cols)
 */
export function eventLogLines(state: WatchState, height: number, cols: number): Line[] {
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
