import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createRuntimeFetch,
  describeProxies,
  detectFetchRuntime,
  MAX_RESPONSE_HEADER_BYTES,
  readProxyEnvironment,
} from './proxy-fetch.ts'
import { type EgressProxy, startEgressProxy } from './testing/egress-proxy.ts'

const env = (values: Record<string, string>) => (name: string) => values[name]
const TOKEN = 'T'.repeat(16_384)

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** An IAM-like server that answers every request with a 16,384-character token header. */
async function bigTokenServer(): Promise<{ url: string; hosts: string[] }> {
  const hosts: string[] = []
  const server: Server = createServer((request, response) => {
    hosts.push(request.headers.host ?? '')
    request.resume()
    response.writeHead(201, { 'X-Subject-Token': TOKEN }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hosts }
}

/** A server that answers every request with `{}` and small headers. */
async function plainServer(): Promise<{ url: string }> {
  const server: Server = createServer((request, response) => {
    request.resume()
    response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function proxyResolving(hosts: string[]): Promise<EgressProxy> {
  const proxy = await startEgressProxy(hosts)
  cleanups.push(() => proxy.close())
  return proxy
}

describe('createRuntimeFetch on Node', () => {
  it('runs on Node in this test run', () => {
    expect(detectFetchRuntime()).toBe('node')
  })

  it('accepts a 16,384-character X-Subject-Token, which plain Node fetch refuses', async () => {
    const iam = await bigTokenServer()
    const url = `${iam.url}/v3/auth/tokens`
    await expect(fetch(url)).rejects.toThrow()
    const response = await createRuntimeFetch({ env: env({}) })(url, {
      method: 'POST',
      body: '{}',
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('x-subject-token')).toBe(TOKEN)
    expect(MAX_RESPONSE_HEADER_BYTES).toBeGreaterThan(TOKEN.length)
  })

  it('still refuses headers past its maxHeaderSize', async () => {
    const iam = await bigTokenServer()
    const fetchSmall = createRuntimeFetch({ env: env({}), maxHeaderSize: 8_192 })
    await expect(fetchSmall(`${iam.url}/v3/auth/tokens`)).rejects.toThrow()
  })

  it('goes through HTTP_PROXY (upper case) to a host only the proxy resolves, with the big token', async () => {
    const iam = await bigTokenServer()
    const proxy = await proxyResolving(['iam.proxy-only.test'])
    const port = new URL(iam.url).port
    const fetchViaProxy = createRuntimeFetch({ env: env({ HTTP_PROXY: proxy.url }) })
    const response = await fetchViaProxy(`http://iam.proxy-only.test:${port}/v3/auth/tokens`, {
      method: 'POST',
      body: '{}',
    })
    expect(response.headers.get('x-subject-token')).toBe(TOKEN)
    expect(proxy.seen.map((entry) => entry.request)).toEqual([
      `CONNECT iam.proxy-only.test:${port}`,
    ])
    expect(iam.hosts).toEqual([`iam.proxy-only.test:${port}`])
  })

  it('sends the proxy credentials of http_proxy (lower case) to the proxy only', async () => {
    const iam = await bigTokenServer()
    const proxy = await proxyResolving(['sms.proxy-only.test'])
    const withCredentials = proxy.url.replace('http://', 'http://alice:s3cret@')
    const port = new URL(iam.url).port
    const response = await createRuntimeFetch({ env: env({ http_proxy: withCredentials }) })(
      `http://sms.proxy-only.test:${port}/v3/sources`,
    )
    expect(response.status).toBe(201)
    expect(proxy.seen[0]?.authorization).toBe(
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    )
  })

  it('routes a Request object by its URL', async () => {
    const iam = await bigTokenServer()
    const proxy = await proxyResolving(['sms.proxy-only.test'])
    const port = new URL(iam.url).port
    const response = await createRuntimeFetch({ env: env({ HTTP_PROXY: proxy.url }) })(
      new Request(`http://sms.proxy-only.test:${port}/v3/sources`),
    )
    expect(response.headers.get('x-subject-token')).toBe(TOKEN)
    expect(proxy.seen.map((entry) => entry.request)).toEqual([
      `CONNECT sms.proxy-only.test:${port}`,
    ])
  })

  it("sends direct requests through Node's own fetch with largeResponseHeaders: false", async () => {
    const iam = await bigTokenServer()
    const small = createRuntimeFetch({ env: env({}), largeResponseHeaders: false })
    // Node's own Response (undici's is another class), and Node's own 16 KiB limit.
    const { url } = await plainServer()
    const response = await small(`${url}/v3/sources/s/command`, { redirect: 'manual' })
    expect(response).toBeInstanceOf(Response)
    expect(await response.text()).toBe('{}')
    await expect(small(`${iam.url}/v3/auth/tokens`)).rejects.toThrow()
    // The default still takes the large head, through undici.
    const large = await createRuntimeFetch({ env: env({}) })(`${iam.url}/v3/auth/tokens`)
    expect(large).not.toBeInstanceOf(Response)
    expect(large.headers.get('x-subject-token')).toBe(TOKEN)
  })

  it('still goes through a proxy, with the big token, with largeResponseHeaders: false', async () => {
    const iam = await bigTokenServer()
    const proxy = await proxyResolving(['sms.proxy-only.test'])
    const port = new URL(iam.url).port
    const small = createRuntimeFetch({
      env: env({ HTTP_PROXY: proxy.url }),
      largeResponseHeaders: false,
    })
    const response = await small(`http://sms.proxy-only.test:${port}/v3/sources`)
    expect(response.headers.get('x-subject-token')).toBe(TOKEN)
    expect(proxy.seen.map((entry) => entry.request)).toEqual([
      `CONNECT sms.proxy-only.test:${port}`,
    ])
  })

  it('rejects a URL fetch refuses, as fetch does', async () => {
    await expect(createRuntimeFetch({ env: env({}) })('not a url')).rejects.toThrow()
  })

  it('goes direct for a NO_PROXY host and ignores the process environment when env is given', async () => {
    const iam = await bigTokenServer()
    const proxy = await proxyResolving([])
    const before = process.env.HTTP_PROXY
    process.env.HTTP_PROXY = proxy.url
    try {
      const direct = createRuntimeFetch({
        env: env({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }),
      })
      expect((await direct(`${iam.url}/a`)).status).toBe(201)
      const noProxyAtAll = createRuntimeFetch({ env: env({}) })
      expect((await noProxyAtAll(`${iam.url}/b`)).status).toBe(201)
      expect(proxy.seen).toEqual([])
    } finally {
      if (before === undefined) delete process.env.HTTP_PROXY
      else process.env.HTTP_PROXY = before
    }
  })
})

describe('createRuntimeFetch on Bun and Deno', () => {
  it("returns the runtime's own fetch, which honours the proxy variables itself", async () => {
    const calls: string[] = []
    const original = globalThis.fetch
    globalThis.fetch = (async (input: string | URL | Request) => {
      calls.push(String(input))
      return new Response('own')
    }) as typeof fetch
    try {
      for (const runtime of ['bun', 'deno'] as const) {
        const response = await createRuntimeFetch({
          runtime,
          env: env({ HTTP_PROXY: 'http://127.0.0.1:9' }),
        })(`http://${runtime}.example/`)
        expect(await response.text()).toBe('own')
      }
    } finally {
      globalThis.fetch = original
    }
    expect(calls).toEqual(['http://bun.example/', 'http://deno.example/'])
  })
})

describe('describeProxies', () => {
  it('names the proxy of each endpoint without its credentials', () => {
    const description = describeProxies(
      { SMS: 'https://sms.example', IAM: 'https://iam.example/v3', mock: 'http://localhost:4010' },
      readProxyEnvironment(
        env({ HTTPS_PROXY: 'http://ops:pa55word@proxy.corp:3128', NO_PROXY: 'localhost' }),
      ),
    )
    expect(description).toEqual({
      proxy: 'http://proxy.corp:3128',
      byLabel: { SMS: 'http://proxy.corp:3128', IAM: 'http://proxy.corp:3128' },
      message:
        'requests go through the egress proxy http://proxy.corp:3128 (SMS, IAM), from HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured)',
    })
    expect(JSON.stringify(description)).not.toContain('pa55word')
  })

  it('lists two proxies and skips endpoints that are unset or not URLs', () => {
    const description = describeProxies(
      { SMS: 'https://sms.example', agent: 'http://10.0.0.5:9464', IAM: undefined, bad: 'nope' },
      readProxyEnvironment(env({ https_proxy: 'http://secure:1', http_proxy: 'http://plain:2' })),
    )
    expect(description?.message).toContain('http://secure:1 (SMS), http://plain:2 (agent)')
    expect(description?.byLabel).toEqual({ SMS: 'http://secure:1', agent: 'http://plain:2' })
  })

  it('is undefined when everything goes direct', () => {
    expect(describeProxies({ SMS: 'https://sms.example' }, readProxyEnvironment(env({})))).toBe(
      undefined,
    )
  })
})
