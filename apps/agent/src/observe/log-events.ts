import { type AgentEventListener, agentEventLevel } from '@sms-command/core/events'
import type { Logger } from '../logger.ts'

/**
 * The logger as a subscriber: each event becomes one log line (and one `/events` message) at its
 * level, with its fields in the order they were emitted.
 *
 * @example
 * events.subscribe(logAgentEvents(logger))
 */
export function logAgentEvents(logger: Logger): AgentEventListener {
  return (emitted) => {
    const { event, ...fields } = emitted
    logger.log(agentEventLevel(emitted), event, fields as never)
  }
}
