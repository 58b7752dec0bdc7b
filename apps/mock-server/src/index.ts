/**
 * `@sms-command/mock-server`: a stateful, fault-injecting mock of the Huawei Cloud SMS command
 * channel, as a Hono app that runs in process and on Node, Bun, Deno and Cloudflare Workers.
 *
 * @module
 */
export { createMockApp, type MockApp, type MockControls } from './app.ts'
export {
  ADMIN_CODES,
  ERROR_CODES,
  type ErrorPayload,
  errorBody,
  MockConfigError,
} from './errors.ts'
export { isLoopbackHost, MAX_BODY_BYTES } from './http.ts'
export {
  ConnectionDroppedError,
  DEMO_CREDENTIALS,
  inProcessRuntime,
  type MockOptions,
  type RuntimeAdapter,
  resolveSettings,
} from './options.ts'
export { type FaultSpec, FaultSpecSchema } from './rules/faults.ts'
export {
  DEFAULT_ACCOUNT,
  parseScenario,
  parseScenarioText,
  type Scenario,
  ScenarioSchema,
} from './scenario.ts'
export { MemoryStore } from './store/memory-store.ts'
export type * from './store/store.ts'
export type * from './types.ts'
