/**
 * The detail pane (Enter): everything the watch knows about the selected server.
 *
 * @module
 */
import type { ServerView } from '../model.ts'
import { selectedIndex, tableRows, type WatchState } from '../reducer.ts'
import { describeCommand, displayName, formatAge, serverState, shortError } from '../server-view.ts'
import { logEntryLine } from './event-log.ts'
import { cellWidth, clean, formatLatency } from './format.ts'
import { type Line, padLines, ruleLine, seg } from './line.ts'
import { commandColor, STATE_COLOR } from './palette.ts'

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

/**
 * The detail pane of the selected server: title and state, SMS's view, the current command, poll
 * counts, the last result and error, then its history, padded to `height`.
 *
 * @example
 * const lines = detailLines(state, layout.detail, state.terminal.cols)
 */
export function detailLines(state: WatchState, height: number, cols: number): Line[] {
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
