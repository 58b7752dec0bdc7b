import { describe, expect, it } from 'vitest'
import { createMockApp } from '../app.ts'
import { createMockAdminClient, isMockAdminError, MockAdminError } from './index.ts'

function inProcess(options: Parameters<typeof createMockApp>[0] = {}) {
  const app = createMockApp({ seed: 1, tokens: ['t0k3n'], demo: false, ...options })
  const client = createMockAdminClient('http://mock.test/', {
    fetch: async (request) => app.fetch(request),
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
  })
  return { app, client }
}

async function refusal(promise: Promise<unknown>): Promise<MockAdminError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!isMockAdminError(error)) throw new Error(`expected a MockAdminError, got ${String(error)}`)
  return error
}

describe('createMockAdminClient', () => {
  it('drives every admin route, each answer checked by its schema', async () => {
    const { app, client } = inProcess()
    expect((await client.info()).name).toBe('@sms-command/mock-server')
    expect(await client.updateSettings({ rateLimit: { limit: 20, windowMs: 60_000 } })).toEqual({
      authErrors: 'gateway',
      rateLimit: { limit: 20, windowMs: 60_000, text: '20/min' },
    })
    expect((await client.updateSettings({ rateLimit: null })).rateLimit).toBeNull()
    expect((await client.settings()).authErrors).toBe('gateway')
    expect((await client.registerServer({ id: 'srv-1', name: 'web' })).name).toBe('web')
    const [queued] = await client.enqueue('srv-1', {
      command_name: 'START',
      command_param: { task_id: 't-1' },
    })
    expect(queued?.seq).toBe(1)
    expect((await client.servers()).map((server) => server.id)).toEqual(['srv-1'])
    expect((await client.server('srv-1')).queue).toHaveLength(1)
    const poll = await app.request('/v3/sources/srv-1/command', {
      headers: { 'x-auth-token': 't0k3n' },
    })
    expect(poll.status).toBe(200)
    await app.request('/v3/sources/srv-1/command_result', {
      method: 'POST',
      headers: { 'x-auth-token': 't0k3n', 'content-type': 'application/json' },
      body: JSON.stringify({ command_name: 'START', result: 'success', result_detail: {} }),
    })
    const { results, resultsTotal } = await client.results('srv-1')
    expect(resultsTotal).toBe(1)
    expect(results[0]?.command.command_name).toBe('START')
    const log = await client.journal({ server: 'srv-1', status: ['2xx'], limit: 10 })
    expect(log.entries.map((entry) => entry.route)).toEqual(['command', 'command_result'])
    const [fault] = await client.addFaults({ kind: 'status', status: 503, count: 1 })
    expect(fault?.kind).toBe('status')
    expect(await client.faults()).toHaveLength(1)
    await client.removeFault(fault?.id ?? '')
    await client.addFaults([{ kind: 'latency', ms: 1, server: 'srv-1' }])
    expect(await client.clearFaults('srv-1')).toBe(1)
    expect(await client.expireTokens({ kind: 'issued' })).toBe(0)
    expect(await client.revokeTokens({ token: 't0k3n' })).toBe(1)
    expect((await client.addIdentity({ tokens: ['t2'] })).tokens).toHaveLength(2)
    expect((await client.identity()).tokens).toHaveLength(2)
    const before = await client.clock()
    const after = await client.setClock({ advanceMs: 60_000 })
    expect(after.offsetMs - before.offsetMs).toBeGreaterThanOrEqual(60_000)
    await client.deleteServer('srv-1')
    await client.reset()
    expect(client.eventsUrl({ server: ['a', 'b'], since: 4 }).href).toBe(
      'http://mock.test/_mock/events?server=a&server=b&since=4',
    )
  })

  it("throws a MockAdminError naming the method, the path, the status and the mock's code", async () => {
    const { client } = inProcess()
    const error = await refusal(client.server('ghost'))
    expect(error).toBeInstanceOf(MockAdminError)
    expect(error.name).toBe('MockAdminError')
    expect(error.status).toBe(404)
    expect(error.errorCode).toBe('MOCK.0404')
    expect(error.message).toBe(
      'mock admin GET /_mock/servers/ghost answered 404: MOCK.0404 server ghost is not registered',
    )
  })

  it('sends the admin token, and never shows it in an error', async () => {
    const { client } = inProcess({ adminToken: 'admin-secret' })
    expect((await client.info()).adminProtected).toBe(true)
    const stranger = createMockAdminClient('http://mock.test', {
      fetch: async (request) => inProcess({ adminToken: 'admin-secret' }).app.fetch(request),
      adminToken: 'wrong-secret',
    })
    const error = await refusal(stranger.info())
    expect(error.status).toBe(401)
    expect(error.message).not.toContain('secret')
    expect(client.headers).toEqual({ authorization: 'Bearer admin-secret' })
  })

  it('says so when no answer came (status 0, the cause kept) or the answer has another shape', async () => {
    const down = new TypeError('fetch failed')
    const offline = createMockAdminClient('http://127.0.0.1:9', {
      fetch: async () => {
        throw down
      },
    })
    const lost = await refusal(offline.clock())
    expect(lost.status).toBe(0)
    expect(lost.cause).toBe(down)
    expect(lost.message).toBe('mock admin GET /_mock/clock got no answer: fetch failed')
    const odd = createMockAdminClient('http://mock.test', {
      fetch: async () => Response.json({ now: 5, offsetMs: 0 }),
    })
    const shaped = await refusal(odd.clock())
    expect(shaped.status).toBe(200)
    expect(shaped.message).toMatch(
      /^mock admin GET \/_mock\/clock answered 200: unexpected answer at now: /,
    )
  })

  it('aborts its calls when its signal fires', async () => {
    const controller = new AbortController()
    const { app } = inProcess()
    const client = createMockAdminClient('http://mock.test', {
      fetch: async (request) => {
        if (request.signal.aborted) throw request.signal.reason
        return app.fetch(request)
      },
      signal: controller.signal,
    })
    expect(await client.servers()).toEqual([])
    controller.abort()
    const aborted = await refusal(client.servers())
    expect(aborted.status).toBe(0)
    expect((aborted.cause as Error).name).toBe('AbortError')
  })
})
