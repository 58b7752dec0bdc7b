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
  helpText,
  OPTIONS,
  type ParsedCommand,
  parseCommandLine,
  type WatchConfig,
} from './config.ts'
export * from './server-view.ts'
export * from './keymap.ts'
export { main, version } from './main.ts'
export * from './model.ts'
export { escapeInvisible, serverRecord, startNdjson } from './ndjson.ts'
export * from './reducer.ts'
export { runWatch, startSources, type WatchIo } from './run.ts'
export { agentEventUpdates, startAgentSource } from './sources/agent-source.ts'
export {
  type BudgetReport,
  createSemaphore,
  isThrottled,
  startApiSource,
} from './sources/api-source.ts'
export {
  type ListedServer,
  listFleet,
  type ServerLister,
  startDiscovery,
  toListedServer,
} from './sources/discovery.ts'
export { toErrorInfo } from './sources/errors.ts'
export { type BudgetStatus, createFleetBudget, type FleetBudget } from './sources/fleet-budget.ts'
export { createMockProjection, startMockSource, summarizeDetail } from './sources/mock-source.ts'
export { createStore, createUpdateBatcher, type WatchStore } from './store.ts'
export { buildFrame, lineText, lineWidth } from './view/frame.ts'
export { cellWidth, fit, safeText, truncateCells } from './view/text.ts'
export { WatchView } from './view/WatchView.tsx'
export * from './view-model.ts'
