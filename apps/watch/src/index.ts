/**
 * `@sms-command/watch`: a live terminal UI for a fleet's SMS commands (`sms-watch`), for
 * embedding. What is exported is what an embedder wires together: the CLI's `main`, `runWatch`
 * for a parsed configuration, the sources that produce {@link ServerUpdate}s, the store they feed,
 * and the Ink components that draw it (or the NDJSON printer). The reducer's helpers, the keymap,
 * the view model and the frame builder are internals: they change with the screen.
 *
 * @example
 * import { createStore, initialState, startMockSource, WatchApp } from '@sms-command/watch'
 * const store = createStore(initialState({ now: Date.now(), terminal: { rows: 40, cols: 120 } }))
 * void startMockSource({ url, signal, emit: (update) => store.dispatch({ type: 'updates', updates: [update] }), ... })
 * render(<WatchApp store={store} color refreshMs={500} />)
 *
 * @module
 */
export { WatchApp, type WatchAppProps } from './app.tsx'
export {
  ConfigError,
  type ConfigInputs,
  helpText,
  type ParsedCommand,
  parseCommandLine,
  type WatchConfig,
} from './config.ts'
export type { UiAction } from './keymap.ts'
export { main, version } from './main.ts'
export type {
  Activity,
  BudgetView,
  CommandInfo,
  ErrorInfo,
  LogEntry,
  Phase,
  ResultInfo,
  ServerState,
  ServerUpdate,
  ServerView,
  SmsServerInfo,
  SourceStatus,
} from './model.ts'
export { startNdjson } from './ndjson.ts'
export {
  type DataAction,
  type FleetSnapshot,
  type InitialStateOptions,
  initialState,
  type PollRate,
  reduce,
  type WatchAction,
  type WatchState,
} from './reducer.ts'
export { runWatch, type WatchIo } from './run.ts'
export { type AgentSourceOptions, startAgentSource } from './sources/agent-source.ts'
export {
  type ApiSource,
  type ApiSourceOptions,
  type BudgetReport,
  startApiSource,
} from './sources/api-source.ts'
export {
  type DiscoveryFilters,
  type DiscoveryOptions,
  type ListedServer,
  type ServerLister,
  startDiscovery,
} from './sources/discovery.ts'
export {
  type BudgetGrant,
  type BudgetStatus,
  createFleetBudget,
  type FleetBudget,
  type FleetBudgetOptions,
} from './sources/fleet-budget.ts'
export { type MockSourceOptions, startMockSource } from './sources/mock-source.ts'
export {
  createStore,
  createUpdateBatcher,
  type StoreListener,
  type UpdateBatcher,
  type WatchStore,
} from './store.ts'
export { WatchView, type WatchViewProps } from './view/WatchView.tsx'
