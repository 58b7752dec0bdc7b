/**
 * The colours of states, commands and log levels, in one place so the table, the detail pane and
 * the event log agree.
 *
 * @module
 */
import type { LogEntry, ServerState } from '../model.ts'

/** The colour of each server state. */
export const STATE_COLOR: Record<ServerState, string> = {
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

/** The colour of each event-log level. */
export const LEVEL_COLOR: Record<LogEntry['level'], string> = {
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
