import { isKnownCommand } from '@sms-command/core'
import type { HandlerPaths } from '../config/load-config.ts'
import type { FailReason } from './run-handler.ts'

/** The executable for a command, or why there is none (the command is then reported `fail`). */
export type HandlerChoice = { path: string } | { reason: FailReason; message: string }

/**
 * Picks the executable for a command: its own (`--on-start`, …), else `--handler`. A command this
 * agent does not know, or one without a handler, gets a reason instead.
 *
 * @example
 * chooseHandler('START', { default: '/opt/h' }) // { path: '/opt/h' }
 * chooseHandler('PREMIGRATE', { default: '/opt/h' }).reason // 'unknown-command'
 */
export function chooseHandler(name: string, handlers: HandlerPaths): HandlerChoice {
  if (!isKnownCommand(name)) {
    return {
      reason: 'unknown-command',
      message: `this agent does not know the command ${JSON.stringify(name)} (known: START, STOP, DELETE, SYNC)`,
    }
  }
  const path = handlers[name] ?? handlers.default
  if (!path) {
    const flag = `--on-${name.toLowerCase()}`
    return {
      reason: 'no-handler',
      message: `no handler is configured for ${name} (set ${flag} or --handler)`,
    }
  }
  return { path }
}

/**
 * What a dry run would do about a command: settle or report a journaled entry, or run (or
 * refuse) a new one.
 *
 * @example
 * dryRunPlan(undefined, { path: '/opt/h' }) // 'would run /opt/h'
 */
export function dryRunPlan(
  journaled: { state: string } | undefined,
  choice: HandlerChoice,
): string {
  if (journaled) {
    return `journal has it as ${journaled.state}: would ${journaled.state === 'done' ? 'report its stored result' : 'settle it'}`
  }
  return 'reason' in choice
    ? `would report fail (${choice.reason}): ${choice.message}`
    : `would run ${choice.path}`
}
