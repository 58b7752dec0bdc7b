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
export { type CreateAuthOptions, createAuth } from './auth.ts'
export {
  type AgentConfig,
  type AuthConfig,
  ConfigError,
  type ConfigInputs,
  type CredentialKey,
  type HandlerKey,
  type HandlerPaths,
  type LoadedConfig,
  loadConfig,
  printableConfig,
  type Settings,
} from './config/load-config.ts'
export { COMMAND_LINE, helpText, OPTIONS, type OptionSpec } from './config/options.ts'
export {
  commandKey,
  DeliveryJournal,
  type EntryState,
  type JournalEntry,
  type JournalOptions,
  type MachineFingerprint,
  type RecoveredEntry,
  type RejectionReason,
  type ReportOutcome,
  type StoredResult,
} from './durable/delivery-journal.ts'
export { isStateError, StateError, type StateErrorKind } from './durable/state-error.ts'
export {
  acquireStateLock,
  type LockOptions,
  type LockOwner,
  type StateLock,
} from './durable/state-lock.ts'
export {
  type FailReason,
  type HandlerDetail,
  type HandlerOutcome,
  handlerEnvironment,
  type RunHandlerOptions,
  runHandler,
} from './handler/run-handler.ts'
export {
  type AgentEvent,
  createLogger,
  type EventFields,
  type EventMap,
  errorFields,
  type FieldsArgument,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type PublishedEvent,
  SYSLOG_PRIORITY,
} from './logger.ts'
export { type MainOptions, main } from './main.ts'
export type { PollAdvice } from './observe/advice.ts'
export {
  type AgentEventListener,
  type AgentEvents,
  createAgentEvents,
  type EmitContext,
  type EmittedAgentEvent,
} from './observe/agent-events.ts'
export {
  AgentHealth,
  type HandlerStartProblem,
  type HealthSnapshot,
} from './observe/agent-health.ts'
export { type FileIdentity, writesToJournal } from './observe/journal-stream.ts'
export { levelOf, logAgentEvents } from './observe/log-events.ts'
export {
  AgentMetrics,
  type BuildInfo,
  type Endpoint,
  LATENCY_BUCKETS_SECONDS,
  type PollOutcome,
} from './observe/metrics.ts'
export { type AgentObservers, observeAgent } from './observe/observe-agent.ts'
export {
  type HealthInputs,
  type HealthReport,
  healthReport,
  type StatusServer,
  type StatusServerOptions,
  startStatusServer,
} from './observe/status-server.ts'
export type { HostIdentity } from './platform/host-identity.ts'
export type { OutputStreamName } from './platform/output-streams.ts'
export {
  currentPlatform,
  type Grant,
  type ListenedSignal,
  type Platform,
  type RuntimeName,
  type SignalName,
} from './platform/platform.ts'
export { VERSION } from './version.ts'
