/**
 * `@sms-command/agent`: the SMS agent poller. Runs every command exactly once through a handler
 * executable and reports every result exactly once, on Node, Bun and Deno. The CLI is `sms-agent`;
 * these exports are for embedding and tests.
 *
 * @module
 */
export {
  Agent,
  type AgentDependencies,
  type AgentSettings,
  type CommandRunner,
  EXIT,
  type LoopStatus,
  type RunRequest,
} from './agent.ts'
export { createAuth } from './auth.ts'
export {
  type AgentConfig,
  type AuthConfig,
  ConfigError,
  type HandlerPaths,
  loadConfig,
  printableConfig,
} from './config/load-config.ts'
export { COMMAND_LINE, helpText, OPTIONS, type OptionSpec } from './config/options.ts'
export {
  commandKey,
  DeliveryJournal,
  type JournalEntry,
  type ReportOutcome,
} from './durable/delivery-journal.ts'
export { isStateError, StateError } from './durable/state-error.ts'
export { acquireStateLock } from './durable/state-lock.ts'
export {
  type FailReason,
  type HandlerDetail,
  type HandlerOutcome,
  handlerEnvironment,
  runHandler,
} from './handler/run-handler.ts'
export {
  type AgentEvent,
  createLogger,
  type EventFields,
  errorFields,
  type Logger,
  type PublishedEvent,
} from './logger.ts'
export { main } from './main.ts'
export {
  type AgentEventListener,
  type AgentEvents,
  createAgentEvents,
  type EmittedAgentEvent,
} from './observe/agent-events.ts'
export { AgentHealth, type HealthSnapshot } from './observe/agent-health.ts'
export { levelOf, logAgentEvents } from './observe/log-events.ts'
export { AgentMetrics } from './observe/metrics.ts'
export { type AgentObservers, observeAgent } from './observe/observe-agent.ts'
export { healthReport, startStatusServer } from './observe/status-server.ts'
export { currentPlatform, type Platform } from './platform/platform.ts'
export { VERSION } from './version.ts'
