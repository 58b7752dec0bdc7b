import { signRequest } from '@sms-command/core/signing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { passwordLogin } from '../test/conformance/helpers.ts'
import { createMockApp, type MockApp } from './app.ts'
import { ERROR_CODES } from './errors.ts'
import { mockOpenApiDocument } from './openapi-sources.ts'

const ORIGIN = 'http://localhost'
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const
const ROUTES = [
  { template: '/v3/sources', path: '/v3/sources', faultRoute: 'sources' },
  {
    template: '/v3/sources/{server_id}/command',
    path: '/v3/sources/s1/command',
    faultRoute: 'command',
  },
  {
    template: '/v3/sources/{server_id}/command_result',
    path: '/v3/sources/s1/command_result',
    faultRoute: 'command_result',
  },
  { template: '/v3/auth/tokens', path: '/v3/auth/tokens', faultRoute: 'iam' },
] as const
const RESULT = JSON.stringify({ command_name: 'START', result: 'success', result_detail: {} })
const AK = { ak: 'AKOPENAPI000000000', sk: 'openapi-secret-key' }

/** One answer the mock gave: where, how, and whether an injected fault made it. */
interface Observed {
  template: string
  method: string
  status: number
  code: string | undefined
  fault: boolean
  what: string
}

type Responses = Record<string, { description: string; content?: unknown }>

/** A body whose stream fails mid-read, as a client's dropped upload does. */
const unreadable = () =>
  new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error('upload aborted'))
    },
  })

const enumOf = (response: { content?: unknown } | undefined): string[] => {
  const schema = (
    response?.content as
      | { 'application/json'?: { schema?: { allOf?: { properties?: object }[] } } }
      | undefined
  )?.['application/json']?.schema
  const codes = schema?.allOf?.flatMap(
    (part) => (part.properties as { error_code?: { enum?: string[] } })?.error_code?.enum ?? [],
  )
  return codes ?? []
}

describe("the mock's /openapi.json against what the mock answers", () => {
  let app: MockApp
  const observed: Observed[] = []

  // A fresh mock per route and method: five signature failures lock an AK (docs/api.md §5), which
  // would turn the later SMS.0205 into SMS.0202.
  const fresh = () => {
    app?.mock.dispose()
    app = createMockApp({
      demo: false,
      scenario: {
        accounts: [{ name: 'demo' }, { name: 'other' }],
        tokens: ['tok-demo'],
        users: [{ name: 'ops', password: 'ops-password' }],
        accessKeys: [AK],
        servers: [
          { id: 's1', commands: [{ command_name: 'START', command_param: { task_id: 't1' } }] },
          { id: 'idle', idle: 'no-content' },
          { id: 'theirs', domain: 'other' },
        ],
      },
    })
  }

  beforeEach(() => {
    fresh()
    observed.length = 0
  })
  afterEach(() => app.mock.dispose())

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(`/_mock${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    expect(response.status, `${method} /_mock${path}`).toBeLessThan(300)
    return response.json()
  }

  const signed = async (method: string, url: string, body: string | undefined, sk = AK.sk) => {
    const headers: Record<string, string> = { host: new URL(url).host }
    if (body !== undefined) headers['content-type'] = 'application/json'
    return { ...headers, ...(await signRequest({ method, url, headers, body }, { ...AK, sk })) }
  }

  /** Sends a request and records its (status, error_code), read from the journal for a HEAD. */
  const send = async (
    route: (typeof ROUTES)[number],
    method: string,
    what: string,
    init: {
      path?: string | undefined
      headers?: Record<string, string> | undefined
      body?: string | Uint8Array | ReadableStream<Uint8Array> | undefined
    } = {},
    injected?: number,
  ) => {
    const url = `${ORIGIN}${init.path ?? route.path}`
    const body = method === 'GET' || method === 'HEAD' ? undefined : init.body
    const response = await app.request(
      new Request(url, { method, headers: init.headers, body, duplex: 'half' } as RequestInit),
    )
    const text = await response.text()
    let code: string | undefined
    if (method === 'HEAD') {
      const { entries } = await admin('GET', '/journal')
      code = entries.at(-1)?.errorCode
    } else if (response.status >= 400) {
      code = (JSON.parse(text) as { error_code?: string }).error_code
    }
    // A route that refuses the method before faults are drawn answers its refusal instead.
    const fault = injected !== undefined && response.status === injected
    observed.push({ template: route.template, method, status: response.status, code, fault, what })
  }

  const bodyOf = (method: string) => (method === 'GET' || method === 'HEAD' ? undefined : RESULT)

  const driveEveryRefusal = async () => {
    for (const route of ROUTES) {
      for (const method of METHODS) {
        fresh()
        const url = `${ORIGIN}${route.path}`
        const body = bodyOf(method)
        const token = { 'x-auth-token': 'tok-demo', 'content-type': 'application/json' }
        await send(route, method, 'no credential', { body })
        await send(route, method, 'unknown token', { headers: { 'x-auth-token': 'nope' }, body })
        await send(route, method, 'valid token', { headers: token, body })
        if (body !== undefined) {
          await send(route, method, 'unreadable body', { headers: token, body: unreadable() })
        }
        await send(route, method, 'wrong SK', {
          headers: await signed(method, url, body, 'wrong'),
          body,
        })
        if (body !== undefined) {
          const huge = JSON.stringify({ pad: 'x'.repeat(1_100_000) })
          await send(route, method, 'signed body over 1 MiB', {
            headers: await signed(method, url, huge),
            body: huge,
          })
        }
        await admin('POST', '/settings', { authErrors: 'sms' })
        await send(route, method, 'wrong SK, sms style', {
          headers: await signed(method, url, body, 'wrong'),
          body,
        })
        const skewed = await signRequest(
          { method, url, headers: { host: 'localhost' }, body },
          AK,
          new Date(Date.now() - 3_600_000),
        )
        await send(route, method, 'skewed clock, sms style', {
          headers: { host: 'localhost', ...skewed },
          body,
        })
        await admin('POST', '/settings', { authErrors: 'gateway', rateLimit: '1/hour' })
        await send(route, method, 'first of a budget of 1', { headers: token, body })
        await send(route, method, 'past the budget', { headers: token, body })
        await admin('POST', '/settings', { rateLimit: null })
        for (const status of [400, 418, 429, 500, 502, 503, 599]) {
          await admin('POST', '/faults', {
            kind: 'status',
            status,
            route: route.faultRoute,
            count: 1,
          })
          await send(route, method, `fault ${status}`, { headers: token, body }, status)
          await admin('DELETE', '/faults')
        }
      }
    }
    const token = { 'x-auth-token': 'tok-demo' }
    const [sources, command, result, iam] = ROUTES
    const login = (password: string) => passwordLogin('ops', password).body as string
    await send(iam, 'POST', 'login', { body: login('ops-password') })
    await send(iam, 'POST', 'wrong password', { body: login('wrong') })
    for (const method of ['GET', 'HEAD']) {
      await send(sources, method, 'bad limit', { path: '/v3/sources?limit=x', headers: token })
      await send(command, method, 'idle no-content', {
        path: '/v3/sources/idle/command',
        headers: token,
      })
      await send(command, method, 'server_id too long', {
        path: `/v3/sources/${'a'.repeat(256)}/command`,
        headers: token,
      })
      await send(command, method, 'unknown server', {
        path: '/v3/sources/nowhere/command',
        headers: token,
      })
      await send(command, method, "another account's server", {
        path: '/v3/sources/theirs/command',
        headers: token,
      })
    }
    const post = async (
      what: string,
      headers: Record<string, string>,
      body: string,
      path?: string,
    ) =>
      send(result, 'POST', what, {
        headers: { ...token, ...headers },
        body,
        ...(path ? { path } : {}),
      })
    const json = { 'content-type': 'application/json' }
    // Bytes: a string body would get Request's own text/plain.
    await send(result, 'POST', 'no Content-Type', {
      headers: token,
      body: new TextEncoder().encode(RESULT),
    })
    await post('text/plain', { 'content-type': 'text/plain' }, RESULT)
    await post('body over 10,240 bytes', json, JSON.stringify({ pad: 'x'.repeat(11_000) }))
    await post('not JSON', json, '{')
    await post('fails the schema', json, '{"command_name":"START"}')
    await post('server_id too long', json, RESULT, `/v3/sources/${'a'.repeat(256)}/command_result`)
    await post('unknown server', json, RESULT, '/v3/sources/nowhere/command_result')
    await post("another account's server", json, RESULT, '/v3/sources/theirs/command_result')
    await post('another command', json, RESULT.replace('START', 'STOP'))
  }

  it('documents, per path and method, every status and error_code the mock answers', async () => {
    await driveEveryRefusal()
    const paths = mockOpenApiDocument(ORIGIN).paths as unknown as Record<
      string,
      Record<string, { responses: Responses }>
    >
    const missing: string[] = []
    for (const answer of observed) {
      const operation = paths[answer.template]?.[answer.method.toLowerCase()]
      const where = `${answer.method} ${answer.template} (${answer.what}): ${answer.status} ${answer.code ?? ''}`
      if (!operation) {
        missing.push(`${where}: no operation`)
        continue
      }
      const response = operation.responses[String(answer.status)]
      if (answer.fault) {
        // An injected fault may answer any status 400–599: `default` says how, and names the
        // code the mock picks for it.
        const text = operation.responses.default?.description ?? ''
        if (!text.includes('400–599') || (answer.code && !text.includes(answer.code))) {
          missing.push(`${where}: not in default`)
        }
      } else if (!response) {
        missing.push(`${where}: status not documented`)
      } else if (answer.code !== undefined && !enumOf(response).includes(answer.code)) {
        missing.push(`${where}: code not documented`)
      }
    }
    expect(missing).toEqual([])
    // The drive went through every refusal the mock has a code for: a new code the routes use
    // but the drive does not reach fails here, not silently.
    const codes = new Set(observed.map((a) => a.code))
    for (const code of Object.values(ERROR_CODES)) expect(codes, code).toContain(code)
  })

  it('documents no status or error_code the mock never answers on that operation', async () => {
    await driveEveryRefusal()
    const paths = mockOpenApiDocument(ORIGIN).paths as unknown as Record<
      string,
      Record<string, { responses: Responses }>
    >
    const unused: string[] = []
    for (const [template, item] of Object.entries(paths)) {
      for (const method of METHODS) {
        const operation = item[method.toLowerCase()]
        if (!operation) continue
        const seen = observed.filter(
          (a) => a.template === template && a.method === method && !a.fault,
        )
        for (const [status, response] of Object.entries(operation.responses)) {
          // 500 SMS.2007 answers an unexpected failure, which no request can cause on purpose.
          if (status === 'default' || status === '500') continue
          const answered = seen.filter((a) => String(a.status) === status)
          if (answered.length === 0) unused.push(`${method} ${template} ${status}`)
          for (const code of enumOf(response)) {
            if (!answered.some((a) => a.code === code)) {
              unused.push(`${method} ${template} ${status} ${code}`)
            }
          }
        }
      }
    }
    expect(unused).toEqual([])
  })

  it('names every code of ERROR_CODES on some operation, and X-Auth-Token on every SMS path', () => {
    const document = JSON.stringify(mockOpenApiDocument(ORIGIN))
    for (const code of Object.values(ERROR_CODES)) expect(document).toContain(`"${code}"`)
    const paths = mockOpenApiDocument(ORIGIN).paths as unknown as Record<
      string,
      { parameters?: { name: string }[]; get?: { parameters?: { name: string }[] } }
    >
    for (const [template, item] of Object.entries(paths)) {
      // IAM's token API is how a token is got: it takes none.
      if (template === '/v3/auth/tokens') continue
      const names = [...(item.parameters ?? []), ...(item.get?.parameters ?? [])].map((p) => p.name)
      expect(names, template).toContain('X-Auth-Token')
    }
  })
})
