import type { AgentEventFieldMap, AgentEventName } from './agent-events.ts'

/**
 * An agent event as a producer emits it: its name and exactly the fields
 * `@sms-command/core/events` declares for it (the logger adds `time`, `level`, `server_id`).
 */
export type EmittedAgentEvent = {
  [Name in AgentEventName]: { event: Name } & AgentEventFieldMap[Name]
}[AgentEventName]

/** The agent event named `Name`, as emitted. */
export type EmittedAgentEventOf<Name extends AgentEventName> = Extract<
  EmittedAgentEvent,
  { event: Name }
>

/** What a listener learns besides the event itself. */
export interface EmitContext {
  /** When it happened (ms since epoch, by the agent's clock). */
  at: number
  /** The error behind a failure event, for listeners that need more than its logged fields. */
  cause?: unknown
}

/** Receives every emitted event. */
export type AgentEventListener = (event: EmittedAgentEvent, context: EmitContext) => void

/** The one place the agent's loop sends its events; logs, metrics and `/healthz` subscribe. */
export interface AgentEvents {
  /** Sends `event` to every listener, in subscription order. */
  emit(event: EmittedAgentEvent, context?: Partial<EmitContext>): void
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: AgentEventListener): () => void
}

/**
 * Creates the agent's event emitter. A listener that throws is skipped for that event: a broken
 * observer never stops the loop.
 *
 * @example
 * const events = createAgentEvents({ now: scheduler.now })
 * events.subscribe(logAgentEvents(logger))
 * events.emit({ event: 'poll.idle', latency_ms: 12, delay: 10_000 })
 */
export function createAgentEvents(options: { now: () => number }): AgentEvents {
  const listeners = new Set<AgentEventListener>()
  return {
    emit(event, context = {}) {
      const full: EmitContext = { ...context, at: context.at ?? options.now() }
      for (const listener of listeners) {
        try {
          listener(event, full)
        } catch {
          // An observer's failure must not reach the loop.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
