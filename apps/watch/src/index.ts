/**
 * `@sms-command/watch`: a live terminal UI for a fleet's SMS commands (`sms-watch`), and the
 * pieces it is built from, for embedding or testing.
 *
 * @module
 */
export { WatchApp, type WatchAppProps } from './app.tsx'
export {
  COMMAND_LINE,
  ConfigError,
  type ConfigInputs,
  helpText,
  OPTIONS,
  type ParsedCommand,
  parseCommandLine,
  type WatchConfig,
} from './config.ts'
export * from './fleet.ts'
export * from './keymap.ts'
export { main, version } from './main.ts'
export * from './model.ts'
export { escapeInvisible, serverRecord, startNdjson } from './ndjson.ts'
export * from './reducer.ts'
export { runWatch, startSources, type WatchIo } from './run.ts'
export {
  type AgentSourceOptions,
  agentEventUpdates,
  startAgentSource,
} from './sources/agent-source.ts'
export {
  type ApiSource,
  type ApiSourceOptions,
  type BudgetReport,
  createSemaphore,
  isThrottled,
  startApiSource,
} from './sources/api-source.ts'
export {
  type DiscoveryFilters,
  type DiscoveryOptions,
  type ListedServer,
  listFleet,
  retryDelayMs,
  type ServerLister,
  startDiscovery,
  toListedServer,
} from './sources/discovery.ts'
export { toErrorInfo } from './sources/errors.ts'
export {
  type BudgetGrant,
  type BudgetStatus,
  createFleetBudget,
  type FleetBudget,
  type FleetBudgetOptions,
} from './sources/fleet-budget.ts'
export {
  createMockProjection,
  type MockSourceOptions,
  startMockSource,
  summarizeDetail,
} from './sources/mock-source.ts'
export {
  createStore,
  createUpdateBatcher,
  type StoreListener,
  type UpdateBatcher,
  type WatchStore,
} from './store.ts'
export {
  buildFrame,
  type Line,
  lineText,
  lineWidth,
  type Segment,
  type SegmentStyle,
} from './view/frame.ts'
export { cellWidth, fit, safeText, truncateCells } from './view/text.ts'
export { WatchView, type WatchViewProps } from './view/WatchView.tsx'
export * from './view-model.ts'
