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
  type AgentStatus,
  type CommandRunner,
  EXIT,
  type RunRequest,
} from './agent.ts'
export { createAuth } from './auth.ts'
export {
  type AgentConfig,
  type AuthConfig,
  ConfigError,
  type HandlerPaths,
  loadConfig,
  redactConfig,
} from './config/load-config.ts'
export { COMMAND_LINE, helpText, OPTIONS, type OptionSpec } from './config/options.ts'
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
export { AgentMetrics } from './observe/metrics.ts'
export { healthReport, startStatusServer } from './observe/status-server.ts'
export { currentPlatform, type Platform } from './platform.ts'
export {
  commandKey,
  Journal,
  type JournalEntry,
  type ReportOutcome,
} from './state/journal.ts'
export { isStateError, StateError } from './state/state-error.ts'
export { acquireStateLock } from './state/state-lock.ts'
export { VERSION } from './version.ts'
