// Driving the mock server from a test: starting it on a free loopback port (or using an app in
// process) and calling its `/_mock` admin routes (servers, commands, faults) through the mock's
// own typed client.
import { createMockAdminClient, type MockAdminClient } from '@sms-command/mock-server/client'
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'

/**
 * The admin client of the mock at `mockUrl`, with the admin token when the mock was started
 * with one. Each call throws a `MockAdminError` when the mock refuses it.
 *
 * @example
 * await mockAdmin(mock.url).registerServer({ id: 'web-01' })
 */
export function mockAdmin(mockUrl: string, adminToken?: string): MockAdminClient {
  return createMockAdminClient(mockUrl, adminToken === undefined ? {} : { adminToken })
}

/**
 * The admin client of a mock app in this process (`createMockApp`), through its `app.request`.
 *
 * @example
 * const app = createMockApp({ tokens: ['t'], demo: false })
 * await inProcessAdmin(app).registerServer({ id: 'web-01' })
 */
export function inProcessAdmin(
  app: { request(request: Request): Response | Promise<Response> },
  adminToken?: string,
): MockAdminClient {
  return createMockAdminClient('http://mock.test', {
    fetch: async (request) => app.request(request),
    ...(adminToken === undefined ? {} : { adminToken }),
  })
}

/**
 * Starts the mock on 127.0.0.1 port 0 without demo data, has `cleanups` close it, and returns it
 * with `admin`, its admin client (with the admin token when one is given).
 *
 * @example
 * const { mock, admin } = await startMock(cleanups, { tokens: ['t'], adminToken: 'admin-tok' })
 * const throttling = await startMock(cleanups, { tokens: ['t'], rateLimit: '20/min' })
 * await admin.registerServer({ id: 'web-1' })
 */
export async function startMock(
  cleanups: (() => Promise<void> | void)[],
  options: { tokens: string[]; adminToken?: string; rateLimit?: string },
): Promise<{ mock: RunningNodeServer; admin: MockAdminClient }> {
  const mock = await startNodeServer({
    port: 0,
    tokens: options.tokens,
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    demo: false,
  })
  cleanups.push(() => mock.close())
  return { mock, admin: mockAdmin(mock.url, options.adminToken) }
}
