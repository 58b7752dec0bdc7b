// Driving the mock server from a test: starting it on a free loopback port and posting to its
// `/_mock` admin routes (servers, commands, faults).
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'

/**
 * POSTs `body` as JSON to the mock's `/_mock` admin `path`, with the admin token when the mock
 * was started with one.
 *
 * @example
 * await postToMock(mock.url, '/servers', { id: 'web-01' })
 */
export function postToMock(
  mockUrl: string,
  path: string,
  body: unknown,
  adminToken?: string,
): Promise<Response> {
  return fetch(`${mockUrl}/_mock${path}`, {
    method: 'POST',
    ...(adminToken === undefined
      ? {}
      : {
          headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        }),
    body: JSON.stringify(body),
  })
}

/**
 * Starts the mock on 127.0.0.1 port 0 without demo data, has `cleanups` close it, and returns it
 * with `post`, which sends to its admin routes (with the admin token when one is given).
 *
 * @example
 * const { mock, post } = await startMock(cleanups, { tokens: ['t'], adminToken: 'admin-tok' })
 * const throttling = await startMock(cleanups, { tokens: ['t'], rateLimit: '20/min' })
 * await post('/servers', { id: 'web-1' })
 */
export async function startMock(
  cleanups: (() => Promise<void> | void)[],
  options: { tokens: string[]; adminToken?: string; rateLimit?: string },
): Promise<{ mock: RunningNodeServer; post: (path: string, body: unknown) => Promise<Response> }> {
  const mock = await startNodeServer({
    port: 0,
    tokens: options.tokens,
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    demo: false,
  })
  cleanups.push(() => mock.close())
  return { mock, post: (path, body) => postToMock(mock.url, path, body, options.adminToken) }
}
