/**
 * The watch's requests over real HTTP on Node: through an egress proxy on 127.0.0.1 that alone
 * resolves the endpoint host names, and with a 16,384-character IAM token (docs/api.md §7), which
 * Node's own fetch refuses.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type EgressProxy, startEgressProxy } from '@sms-command/cli-kit/testing'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach, io } from '../test/main-io.ts'
import { startMock } from '../test/mock-admin.ts'
import { main } from './main.ts'

const cleanups = cleanupAfterEach()

async function proxyResolving(hosts: string[]): Promise<EgressProxy> {
  const proxy = await startEgressProxy(hosts)
  cleanups.push(() => proxy.close())
  return proxy
}

describe('sms-watch behind an egress proxy', () => {
  it('polls, discovers and follows the mock through HTTP_PROXY, naming the proxy without its credentials', async () => {
    const { mock, admin } = await startMock(cleanups, {
      tokens: ['watch-token'],
      adminToken: 'admin-tok',
    })
    for (const id of ['srv-proxy-1', 'srv-proxy-2']) await admin.registerServer({ id })
    await admin.enqueue('srv-proxy-1', {
      command_name: 'START',
      command_param: { task_id: 'via-proxy' },
    })
    const proxy = await proxyResolving(['sms.proxy-only.test', 'mock.proxy-only.test'])
    const port = new URL(mock.url).port
    const run = io({
      SMS_TOKEN: 'watch-token',
      HTTP_PROXY: proxy.url.replace('http://', 'http://ops-proxy:PROXY-SECRET-77@'),
    })
    const code = await main(
      [
        '--endpoint',
        `http://sms.proxy-only.test:${port}`,
        '--servers',
        'all',
        '--mock',
        `http://mock.proxy-only.test:${port}`,
        '--admin-token',
        'admin-tok',
        '--interval',
        '1s',
        '--max-rps',
        '20',
        '--duration',
        '3s',
      ],
      run.io,
    )
    expect(code).toBe(0)
    const lines = run.stdout.lines()
    const servers = lines.filter((line) => line.type === 'server')
    expect(servers.filter((line) => line.server_id === 'srv-proxy-1').at(-1)).toMatchObject({
      command: 'START',
      task_id: 'via-proxy',
    })
    expect(servers.some((line) => line.server_id === 'srv-proxy-2')).toBe(true)
    for (const kind of ['api', 'fleet', 'mock']) {
      expect(lines).toContainEqual(expect.objectContaining({ type: 'source', kind, status: 'ok' }))
    }
    const seen = proxy.seen.map((entry) => entry.request)
    expect(seen).toContain(`CONNECT sms.proxy-only.test:${port}`)
    expect(seen).toContain(`CONNECT mock.proxy-only.test:${port}`)
    expect(proxy.seen.every((entry) => entry.authorization?.startsWith('Basic '))).toBe(true)
    expect(run.stderr.text).toBe(
      `sms-watch: requests go through the egress proxy ${proxy.url} (SMS, mock), from HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured)\n`,
    )
    // The event log's announcement is an NDJSON line too.
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'log',
        server_id: null,
        level: 'info',
        text: `requests go through the egress proxy ${proxy.url} (SMS, mock), from HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured)`,
      }),
    )
    expect(run.stdout.text + run.stderr.text).not.toContain('PROXY-SECRET-77')
  })

  it('reads a scheme-less HTTP_PROXY=127.0.0.1:PORT as http:// and polls through it', async () => {
    const { mock } = await startMock(cleanups, { tokens: ['t'] })
    const proxy = await proxyResolving(['sms.proxy-only.test'])
    const port = new URL(mock.url).port
    const run = io({ SMS_TOKEN: 't', HTTP_PROXY: proxy.url.replace('http://', '') })
    const code = await main(
      [
        '--endpoint',
        `http://sms.proxy-only.test:${port}`,
        '--servers',
        'a',
        '--duration',
        '1500ms',
      ],
      run.io,
    )
    expect(code).toBe(0)
    expect(proxy.seen.map((entry) => entry.request)).toContain(
      `CONNECT sms.proxy-only.test:${port}`,
    )
    // The mock itself answered through the tunnel (its 404 for an unknown server).
    expect(run.stdout.lines()).toContainEqual(
      expect.objectContaining({
        type: 'server',
        server_id: 'a',
        error: expect.objectContaining({ status: 404, code: 'SMS.0404' }),
      }),
    )
    expect(run.stderr.text).toContain(`the egress proxy ${proxy.url} (SMS)`)
  })

  it('refuses an unusable proxy value with exit 2 and one line naming the variable', async () => {
    const run = io({ SMS_TOKEN: 't', https_proxy: 'socks5://ops:PROXY-SECRET-77@proxy.corp:1080' })
    const code = await main(
      ['--endpoint', 'https://sms.example', '--servers', 'a', '--duration', '1500ms'],
      run.io,
    )
    expect(code).toBe(2)
    expect(run.stderr.text).toBe(
      'sms-watch: Invalid https_proxy: expected an http:// or https:// proxy, received a socks5:// one ("…@proxy.corp:1080")\n',
    )
    expect(run.stdout.text).toBe('')
  })

  it('goes direct, and says nothing about a proxy, for a host in NO_PROXY', async () => {
    const { mock } = await startMock(cleanups, { tokens: ['t'] })
    const proxy = await proxyResolving([])
    const run = io({ SMS_TOKEN: 't', http_proxy: proxy.url, no_proxy: '127.0.0.1' })
    const code = await main(
      ['--endpoint', mock.url, '--servers', 'a', '--duration', '1500ms'],
      run.io,
    )
    expect(code).toBe(0)
    // The mock itself answered (its 404 for an unknown server), and the proxy saw nothing.
    expect(run.stdout.lines()).toContainEqual(
      expect.objectContaining({
        type: 'server',
        server_id: 'a',
        error: expect.objectContaining({ status: 404, code: 'SMS.0404' }),
      }),
    )
    expect(proxy.seen).toEqual([])
    expect(run.stderr.text).toBe('')
  })
})

const BIG_TOKEN = `MIIZ${'x'.repeat(16_380)}`

/** IAM and SMS in one: a 16,384-character X-Subject-Token, and polls that need exactly it. */
async function bigTokenCloud() {
  const seen = { logins: 0, polls: 0, pollsWithToken: 0 }
  // SMS takes the 16,384-character token back in X-Auth-Token: past Node's default 16 KiB.
  const server: Server = createServer({ maxHeaderSize: 65_536 }, (request, response) => {
    request.resume()
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      response
        .writeHead(status, { 'Content-Type': 'application/json', ...headers })
        .end(JSON.stringify(body))
    if (request.method === 'POST' && request.url?.startsWith('/v3/auth/tokens')) {
      seen.logins++
      const expires = new Date(Date.now() + 24 * 3_600_000).toISOString()
      return json(201, { token: { expires_at: expires } }, { 'X-Subject-Token': BIG_TOKEN })
    }
    if (/^\/v3\/sources\/[^/]+\/command$/.test(request.url ?? '')) {
      seen.polls++
      if (request.headers['x-auth-token'] !== BIG_TOKEN)
        return json(401, { error_code: 'APIGW.0301', error_msg: 'incorrect token' })
      seen.pollsWithToken++
      return json(200, { command_name: 'START', command_param: { task_id: 'big-token' } })
    }
    json(404, { error_code: 'SMS.0404', error_msg: 'not here' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

function iamArgs(url: string) {
  return [
    '--endpoint',
    url,
    '--servers',
    'a',
    '--iam-endpoint',
    `${url}/v3`,
    '--iam-user',
    'ops',
    '--iam-domain',
    'acme',
    '--duration',
    '1500ms',
  ]
}

describe('sms-watch with a 16,384-character IAM token on Node', () => {
  it('logs in to IAM and polls with the whole token', async () => {
    const cloud = await bigTokenCloud()
    const run = io({ SMS_IAM_PASSWORD: 'iam-SECRET-pw' })
    expect(await main(iamArgs(cloud.url), run.io)).toBe(0)
    const servers = run.stdout.lines().filter((line) => line.type === 'server')
    expect(servers.find((line) => line.server_id === 'a')).toMatchObject({
      state: 'pending',
      command: 'START',
      task_id: 'big-token',
      error: null,
    })
    expect(cloud.seen.logins).toBe(1)
    expect(cloud.seen.pollsWithToken).toBeGreaterThanOrEqual(1)
    expect(cloud.seen.polls).toBe(cloud.seen.pollsWithToken)
    const output = run.stdout.text + run.stderr.text
    expect(output).not.toContain(BIG_TOKEN.slice(0, 64))
    expect(output).not.toContain('iam-SECRET-pw')
  })

  it("fails the same login with Node's own fetch, so the runtime fetch is what makes it work", async () => {
    const cloud = await bigTokenCloud()
    const run = io({ SMS_IAM_PASSWORD: 'iam-SECRET-pw' }, (input, init) => fetch(input, init))
    expect(await main(iamArgs(cloud.url), run.io)).toBe(0)
    const servers = run.stdout.lines().filter((line) => line.type === 'server')
    expect(servers.find((line) => line.server_id === 'a')).toMatchObject({ state: 'error' })
    expect(cloud.seen.pollsWithToken).toBe(0)
  })
})
