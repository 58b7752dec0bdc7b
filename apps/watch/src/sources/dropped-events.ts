/**
 * Events a source drops because they broke their schema (core's `@sms-command/core/events`),
 * counted and said in the event log, so a malformed or hostile stream never crashes the UI and
 * never floods the log either.
 *
 * @module
 */
import type { Scheduler } from '@sms-command/core'
import type { EventValidationError } from '@sms-command/core/events'
import type { LogEntry } from '../model.ts'

/**
 * Counts events a source drops because they broke their schema, and says so in the event log:
 * on the 1st, 10th, 100th, … drop, with the count and why the last one was refused (field and
 * expectation, never the value).
 *
 * @example
 * const dropped = countDropped('mock', log, scheduler)
 * if (!parsed.success) dropped(parsed.error)
 */
export function countDropped(
  kind: string,
  log: (entry: LogEntry) => void,
  scheduler: Scheduler,
): (error: EventValidationError) => void {
  let count = 0
  return (error) => {
    count++
    if (!Number.isInteger(Math.log10(count))) return
    const why = error.message.length > 300 ? `${error.message.slice(0, 299)}…` : error.message
    log({
      at: scheduler.now(),
      level: 'warn',
      text: `dropped ${count} malformed ${kind} event${count === 1 ? '' : 's'} (last: ${why})`,
    })
  }
}
