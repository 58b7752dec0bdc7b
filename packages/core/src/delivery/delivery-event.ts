import type { AgentEventLevel } from '../events/agent-events.ts'
import type { EmitContext, EmittedAgentEvent } from '../events/emitter.ts'
import { agentEventLevel } from '../events/event-levels.ts'

/**
 * An event of a delivery as `deliverCommands` yields it: one of the agent's events
 * (`@sms-command/core/events`) with the envelope its log lines carry.
 */
export type DeliveryEvent = EmittedAgentEvent & {
  /** ISO 8601, by the delivery's clock. */
  time: string
  level: AgentEventLevel
  server_id: string
}

/**
 * Wraps an emitted event in its envelope.
 *
 * @example
 * events.subscribe((event, context) => queue.push(deliveryEvent(event, context, serverId)))
 */
export function deliveryEvent(
  event: EmittedAgentEvent,
  context: EmitContext,
  serverId: string,
): DeliveryEvent {
  return {
    time: new Date(context.at).toISOString(),
    level: agentEventLevel(event),
    ...event,
    server_id: serverId,
  }
}
