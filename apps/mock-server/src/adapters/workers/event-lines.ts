import { type MockEvent, parseMockEvent } from '@sms-command/core/events'

/** What a subscription did with the control object's event lines. */
export interface EventLineTally {
  /** Lines that were not a mock event core's schema accepts, dropped. */
  dropped: number
  /** Why the last line was dropped (field and expectation; never the line itself). */
  lastProblem?: string
}

/**
 * Reads one line of the control object's event stream (a JSON mock event per line): the event,
 * or `undefined` for a line that is not one, which is counted in `tally` and dropped rather than
 * handed on as if it were valid (a stream subscriber must never crash on it).
 *
 * @example
 * const tally = { dropped: 0 }
 * decodeEventLine('{"type":"nope"}', tally) // undefined; tally.dropped === 1
 */
export function decodeEventLine(line: string, tally: EventLineTally): MockEvent | undefined {
  const parsed = parseMockEvent(line)
  if (parsed.success) return parsed.event
  tally.dropped++
  tally.lastProblem = parsed.error.message
  return undefined
}
