import { createSmsClient, staticToken } from '@sms-command/core'
import { createMockApp } from '@sms-command/mock-server' // any runtime
import { createMockAdminClient } from '@sms-command/mock-server/client' // any runtime
import { startNodeServer } from '@sms-command/mock-server/node' // Node only

const scenario = {
  servers: [
    { id: 'srv-1', commands: [{ command_name: 'START', command_param: { task_id: 't-1' } }] },
  ],
}

// In process: no port, no network. Hono's app.request answers a Request like a server would.
const app = createMockApp({ tokens: ['t0k3n'], demo: false, scenario })
const raw = await app.request('/v3/sources/srv-1/command', { headers: { 'X-Auth-Token': 't0k3n' } })
console.log(raw.status, await raw.json()) // 200 { command_name: 'START', command_param: { task_id: 't-1' } }

// core's client against the same app: its fetch is the app (app.request may answer synchronously,
// so wrap it in an async function to get the Promise<Response> a fetch returns).
const client = createSmsClient({
  endpoint: 'http://mock.test',
  auth: staticToken('t0k3n'),
  fetch: async (input, init) => app.request(input, init),
})
const command = await client.getCommand('srv-1')
await client.reportResult('srv-1', { command_name: 'START', result: 'success', result_detail: {} })
console.log(command?.command_name, await client.getCommand('srv-1')) // START null

// The admin API through the mock's typed client (here on the same in-process app).
const admin = createMockAdminClient('http://mock.test', { fetch: async (req) => app.fetch(req) })
await admin.enqueue('srv-1', { command_name: 'SYNC', command_param: { task_id: 't-2' } })
const { resultsTotal } = await admin.results('srv-1')
console.log((await admin.server('srv-1')).queue.length, resultsTotal) // 1 1

// Over HTTP on Node: a real port (0 picks a free one), options as createMockApp's plus host/port.
const mock = await startNodeServer({ port: 0, tokens: ['t0k3n'], demo: false, scenario })
console.log(mock.url) // e.g. http://127.0.0.1:41234
await mock.close()
