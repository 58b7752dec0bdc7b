/**
 * `@sms-command/agent`: the SMS agent poller. Runs every command exactly once through a handler
 * executable and reports every result exactly once, on Node, Bun and Deno. The CLI is `sms-agent`.
 * The delivery protocol itself is `@sms-command/core/delivery`; these exports are what an embedder
 * adds to it: the agent as a whole, its file journal store and its handler runner.
 *
 * @example
 * import { FileJournalStore, runHandler } from '@sms-command/agent'
 * import { deliverOnce } from '@sms-command/core/delivery'
 *
 * const journal = await FileJournalStore.open({ dir: '/var/lib/my-tool', serverId })
 * await deliverOnce(client, serverId, { journal, run: myRun })
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
export {
  type AgentConfig,
  ConfigError,
  type ConfigInputs,
  type CredentialKey,
  type HandlerKey,
  type HandlerPaths,
  type LoadedConfig,
  loadConfig,
  type Settings,
} from './config/load-config.ts'
export { OPTIONS } from './config/options.ts'
export {
  FileJournalStore,
  JOURNAL_FILE,
  type JournalFile,
  type JournalOptions,
} from './durable/file-journal.ts'
export type { MachineFingerprint } from './durable/machine-fingerprint.ts'
export { isStateError, StateError, type StateErrorKind } from './durable/state-error.ts'
export {
  type FailReason,
  type HandlerDetail,
  type HandlerOutcome,
  type RunHandlerOptions,
  runHandler,
} from './handler/run-handler.ts'
export { type MainOptions, main } from './main.ts'
export type { Grant } from './platform/grant.ts'
export type { HostIdentity } from './platform/host-identity-types.ts'
export type { OutputStreamName } from './platform/output-streams.ts'
export type {
  ListenedSignal,
  Platform,
  RuntimeName,
  SafeFetchOptions,
  SignalName,
} from './platform/platform.ts'
export { VERSION } from './version.ts'
