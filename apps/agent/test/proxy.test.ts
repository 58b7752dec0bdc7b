/**
 * Egress proxies end to end: the real agent, the real mock, and a real proxy on 127.0.0.1 that
 * alone resolves the SMS and IAM host names, so nothing reaches the mock except through it.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Runtime, runtimeAvailable, startAgentProcess } from './agent-process.ts'
import { type EgressProxy, startEgressProxy } from './egress-proxy.ts'
import { type Mock, startMock } from './mock.ts'

const PASSWORD = 'pw-SECRET-proxy-41d2'
const PROXY_PASSWORD = 'proxy-SECRET-9f1e'
let mock: Mock
let proxy: EgressProxy
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-proxy-'))
  mock = await startMock({ users: [`ops:${PASSWORD}`] })
  proxy = await startEgressProxy(['sms.proxy-only.test', 'iam.proxy-only.test'])
})

afterAll(async () => {
  await proxy?.close()
  await mock?.close()
})

describe.each(['node', 'bun', 'deno'] as const)('through an egress proxy on %s', (runtime) => {
  it.runIf(runtimeAvailable(runtime as Runtime))(
    'polls, reports and logs in to IAM through http_proxy, logging the proxy without its credentials',
    async () => {
      const serverId = `srv-proxy-${runtime}`
      await mock.register(serverId)
      await mock.enqueue(serverId, [{ command_name: 'SYNC', command_param: { task_id: runtime } }])
      const port = new URL(mock.url).port
      const proxyUrl = proxy.url.replace('http://', `http://ops-proxy:${PROXY_PASSWORD}@`)
      const before = proxy.seen.length
      const agent = startAgentProcess(
        runtime,
        [
          ...['--endpoint', `http://sms.proxy-only.test:${port}`, '--server-id', serverId],
          ...['--iam-user', 'ops', '--iam-domain', 'demo'],
          ...['--iam-endpoint', `http://iam.proxy-only.test:${port}`],
          ...['--state-dir', join(dir, runtime), '--handler', '/bin/true', '--once'],
        ],
        // Lower case for one, upper case for the other: both spellings are honoured.
        runtime === 'node'
          ? { SMS_IAM_PASSWORD: PASSWORD, http_proxy: proxyUrl, NO_PROXY: 'localhost' }
          : { SMS_IAM_PASSWORD: PASSWORD, HTTP_PROXY: proxyUrl, no_proxy: 'localhost' },
      )
      expect(await agent.exited, agent.lines.join('\n')).toBe(0)
      expect(await mock.results(serverId)).toMatchObject([
        { result: 'success', result_detail: { task_id: runtime } },
      ])
      const seen = proxy.seen.slice(before).map((entry) => entry.request)
      expect(seen.some((request) => request.includes('sms.proxy-only.test'))).toBe(true)
      expect(seen.some((request) => request.includes('iam.proxy-only.test'))).toBe(true)
      expect(agent.events().find((event) => event.event === 'proxy.configured')).toMatchObject({
        proxy: proxy.url,
      })
      expect(agent.lines.join('\n')).not.toContain(PROXY_PASSWORD)
    },
    60_000,
  )
})

describe('proxy variables written the way people write them (node)', () => {
  it('reads a scheme-less HTTP_PROXY=127.0.0.1:PORT as http://, polls through it and logs it', async () => {
    const serverId = 'srv-proxy-schemeless'
    await mock.register(serverId)
    await mock.enqueue(serverId, [{ command_name: 'SYNC', command_param: { task_id: 'bare' } }])
    const port = new URL(mock.url).port
    const before = proxy.seen.length
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', `http://sms.proxy-only.test:${port}`, '--server-id', serverId],
        ...['--iam-user', 'ops', '--iam-domain', 'demo'],
        ...['--iam-endpoint', `http://iam.proxy-only.test:${port}`],
        ...['--state-dir', join(dir, 'schemeless'), '--handler', '/bin/true', '--once'],
      ],
      { SMS_IAM_PASSWORD: PASSWORD, HTTP_PROXY: proxy.url.replace('http://', '') },
    )
    expect(await agent.exited, agent.lines.join('\n')).toBe(0)
    expect(await mock.results(serverId)).toMatchObject([
      { result: 'success', result_detail: { task_id: 'bare' } },
    ])
    const seen = proxy.seen.slice(before).map((entry) => entry.request)
    expect(seen.some((request) => request.includes('sms.proxy-only.test'))).toBe(true)
    expect(agent.events().find((event) => event.event === 'proxy.configured')).toMatchObject({
      proxy: proxy.url,
    })
  }, 60_000)

  it('refuses an unusable proxy value with exit 2 and a line naming the variable, no crash', async () => {
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', 'http://sms.proxy-only.test:1', '--server-id', 'srv-bad-proxy'],
        ...['--state-dir', join(dir, 'bad-proxy'), '--handler', '/bin/true', '--once'],
      ],
      { SMS_TOKEN: 't', https_proxy: `socks5://ops:${PROXY_PASSWORD}@proxy.corp:1080` },
    )
    expect(await agent.exited).toBe(2)
    const output = agent.lines.join('\n')
    expect(output).toContain(
      'sms-agent: Invalid https_proxy: expected an http:// or https:// proxy, received a socks5:// one',
    )
    expect(output).not.toContain('internal error')
    expect(output).not.toContain(PROXY_PASSWORD)
  })
})
