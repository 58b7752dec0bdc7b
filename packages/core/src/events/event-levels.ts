import type { AgentEventLevel } from './agent-events.ts'
import type { EmittedAgentEvent, EmittedAgentEventOf } from './emitter.ts'

/** The events the agent's loop emits (the rest are logged by `main` and `auth` directly). */
export type LoopEventName =
  | 'agent.stopping'
  | 'handler.terminating'
  | 'handler.orphan-stopped'
  | 'handler.start-deferred'
  | 'handler.output-held'
  | 'status.unavailable'
  | 'log.stream-closed'
  | 'journal.recovered'
  | 'journal.error'
  | 'poll.idle'
  | 'poll.command'
  | 'poll.error'
  | 'poll.recovered'
  | 'command.received'
  | 'command.dry-run'
  | 'command.rejected'
  | 'command.start'
  | 'command.finish'
  | 'command.interrupted'
  | 'command.rerun'
  | 'command.superseded'
  | 'report.send'
  | 'report.trimmed'
  | 'report.acknowledged'
  | 'report.rejected'
  | 'report.invalid'
  | 'report.refused'
  | 'report.error'
  | 'report.superseded'
  | 'report.held'
  | 'report.presumed-recorded'
  | 'outbox.flush'
  | 'outbox.pending'

/** How loud an event is: a level, or a function of the event. */
export type LevelRule<Name extends LoopEventName> =
  | AgentEventLevel
  | ((event: EmittedAgentEventOf<Name>) => AgentEventLevel)

/**
 * How loud each loop event is. Warn: something an operator may have to act on or should know
 * went differently than planned; error: a result or the journal is at stake.
 */
export const LOOP_EVENT_LEVELS: { readonly [Name in LoopEventName]: LevelRule<Name> } = {
  'agent.stopping': 'info',
  'handler.terminating': 'warn',
  'handler.orphan-stopped': 'warn',
  // A command waits for its handler file to be fixed: someone deploying it should hear of it.
  'handler.start-deferred': 'warn',
  'handler.output-held': 'info',
  // The first failed try is a warning; the retries after it are debug lines.
  'status.unavailable': (event) => ((event.attempt ?? 1) <= 1 ? 'warn' : 'debug'),
  'log.stream-closed': 'warn',
  'journal.recovered': 'info',
  // A journal write the loop retries (`attempt`) blocks every run and report; a pid that could
  // not be journaled only weakens the clean-up after a crash.
  'journal.error': (event) => (event.attempt !== undefined ? 'error' : 'warn'),
  'poll.idle': 'debug',
  'poll.command': 'debug',
  'poll.error': 'warn',
  'poll.recovered': 'info',
  'command.received': 'info',
  'command.dry-run': 'info',
  'command.rejected': 'warn',
  'command.start': 'info',
  'command.finish': (event) => (event.result === 'success' ? 'info' : 'warn'),
  'command.interrupted': 'warn',
  'command.rerun': 'warn',
  'command.superseded': 'warn',
  'report.send': 'debug',
  'report.trimmed': 'info',
  'report.acknowledged': 'info',
  'report.rejected': 'warn',
  'report.invalid': 'error',
  'report.refused': 'error',
  'report.error': 'warn',
  'report.superseded': 'warn',
  // Every poll while SMS keeps a refused command current: a warning at a bounded rate only.
  'report.held': (event) => (event.reminder ? 'warn' : 'debug'),
  'report.presumed-recorded': 'info',
  'outbox.flush': 'info',
  'outbox.pending': 'warn',
}

/**
 * The log level of an emitted event (`info` for an event the loop does not emit).
 *
 * @example
 * agentEventLevel({ event: 'command.finish', result: 'fail' }) // 'warn'
 */
export function agentEventLevel(event: EmittedAgentEvent): AgentEventLevel {
  const rule = (LOOP_EVENT_LEVELS as Partial<Record<string, LevelRule<LoopEventName>>>)[event.event]
  if (rule === undefined) return 'info'
  return typeof rule === 'string'
    ? rule
    : (rule as (event: EmittedAgentEvent) => AgentEventLevel)(event)
}
