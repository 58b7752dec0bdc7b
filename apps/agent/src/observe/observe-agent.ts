import { type AgentEvents, createAgentEvents } from '@sms-command/core/events'
import type { Logger } from '../logger.ts'
import { AgentHealth, type LoopStatus } from './agent-health.ts'
import { logAgentEvents } from './log-events.ts'
import type { AgentMetrics } from './metrics.ts'

/** The agent's event emitter with its standard subscribers. */
export interface AgentObservers {
  /** Give this to the `Agent`. */
  events: AgentEvents
  /** Metrics and `/healthz` state, fed by the events. */
  health: AgentHealth
  /** Lets `/metrics` read the loop's own gauges (outbox, running handler). */
  watchLoop(loop: { status(): LoopStatus }): void
}

/**
 * Wires the agent's observers: every emitted event becomes a log line (and so an `/events`
 * message, which streams the logger's lines) and updates the metrics and `/healthz` state.
 *
 * @example
 * const { events, health, watchLoop } = observeAgent({ logger, metrics, now: scheduler.now })
 * const agent = new Agent({ settings, client, journal, events, runCommand, scheduler })
 * watchLoop(agent)
 */
export function observeAgent(options: {
  logger: Logger
  metrics: AgentMetrics
  now: () => number
}): AgentObservers {
  const events = createAgentEvents({ now: options.now })
  const health = new AgentHealth(options.metrics)
  events.subscribe(logAgentEvents(options.logger))
  events.subscribe(health.observe)
  return { events, health, watchLoop: (loop) => health.watchLoop(() => loop.status()) }
}
