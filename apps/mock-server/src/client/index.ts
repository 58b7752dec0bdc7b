/**
 * `@sms-command/mock-server/client`: a typed client of the mock's admin API and the schemas of
 * its answers, for tests and tools that drive the mock (no server code comes with it).
 *
 * @example
 * import { createMockAdminClient } from '@sms-command/mock-server/client'
 * const mock = createMockAdminClient('http://127.0.0.1:8080', { adminToken })
 * await mock.addFaults({ kind: 'status', status: 503, route: 'command', count: 1 })
 *
 * @module
 */
export * from './client.ts'
export * from './schemas.ts'
