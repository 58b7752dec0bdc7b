import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { fakeFetch, json, rejection, START, smsError } from '../../test/fake-fetch.ts'
import type { AuthHeaders, AuthProvider } from '../auth/auth-provider.ts'
import { staticToken } from '../auth/static-token.ts'
import { isSmsApiError, type SmsApiError } from '../errors/sms-api-error.ts'
import { isSmsInputError, type SmsInputError } from '../errors/sms-input-error.ts'
import { isSmsNetworkError, type SmsNetworkError } from '../errors/sms-network-error.ts'
import { isSmsResponseValidationError } from '../errors/sms-response-validation-error.ts'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { createSmsClient, type RetryInfo, type SmsClientOptions } from './create-sms-client.ts'

const TOKEN = 'MIIsecret-token-value'
const RESULT = {
  command_name: 'START',
  result: 'success',
  result_detail: { exit_code: 0 },
} as const

function setup(script: Parameters<typeof fakeFetch>[0], options: Partial<SmsClientOptions> = {}) {
  const api = fakeFetch(script)
  const scheduler = createVirtualScheduler()
  const client = createSmsClient({
    endpoint: 'https://sms.example.test',
    auth: staticToken(TOKEN),
    fetch: api.fetch,
    scheduler,
    random: () => 0.5,
    ...options,
  })
  return { client, api, scheduler }
}

/** Runs `promise` to completion while letting the virtual clock jump from sleep to sleep. */
async function drive<T>(
  scheduler: ReturnType<typeof createVirtualScheduler>,
  promise: Promise<T>,
): Promise<T> {
  let settled = false
  const tracked = promise.finally(() => {
    settled = true
  })
  tracked.catch(() => {})
  for (let turn = 0; !settled && turn < 100; turn++) {
    if (scheduler.pending > 0) await scheduler.runNext()
    else await scheduler.advance(0)
  }
  return tracked
}

describe('createSmsClient: getCommand', () => {
  it('gets the pending command with the token header', async () => {
    const { client, api } = setup([json(START)])
    expect(await client.getCommand('f32ab4d6-d150-4fb3-aa55-edbb5cf9947f')).toEqual(START)
    expect(api.requests).toHaveLength(1)
    expect(api.requests[0]).toMatchObject({
      method: 'GET',
      url: 'https://sms.example.test/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command',
    })
    expect(api.requests[0]?.headers['x-auth-token']).toBe(TOKEN)
    expect(api.requests[0]?.headers.accept).toBe('application/json')
  })

  it('returns null when no command is pending', async () => {
    const { client } = setup([
      json({ command_name: '', command_param: {} }),
      new Response(null, { status: 204 }),
    ])
    expect(await client.getCommand('srv')).toBeNull()
    expect(await client.getCommand('srv')).toBeNull()
  })

  it('keeps a path prefix of the endpoint and sends the user agent', async () => {
    const { client, api } = setup([json(START)], {
      endpoint: 'http://127.0.0.1:8080/proxy/sms',
      userAgent: 'my-agent/1.0',
    })
    await client.getCommand('srv')
    expect(api.requests[0]?.url).toBe('http://127.0.0.1:8080/proxy/sms/v3/sources/srv/command')
    expect(api.requests[0]?.headers['user-agent']).toBe('my-agent/1.0')
  })

  it.each([
    ['a b', 'a%20b'],
    ['a/b', 'a%2Fb'],
    ['?#%', '%3F%23%25'],
    ['服务器', '%E6%9C%8D%E5%8A%A1%E5%99%A8'],
  ])('percent-encodes the server id %j as one path segment', async (id, encoded) => {
    const { client, api } = setup([json({})])
    await client.getCommand(id)
    expect(api.requests[0]?.url).toBe(`https://sms.example.test/v3/sources/${encoded}/command`)
  })

  it.each([
    ['an empty string', '', 'expected a non-empty string'],
    ['a 256-character id', 'x'.repeat(256), 'expected at most 255 characters'],
    ['a number', 42, 'expected a string'],
    ['undefined', undefined, 'expected a string'],
  ])('rejects %s as serverId before sending anything', async (_, id, expected) => {
    const { client, api } = setup([])
    const error = await rejection(client.getCommand(id as string))
    expect(isSmsInputError(error)).toBe(true)
    expect((error as SmsInputError).field).toBe('serverId')
    expect((error as Error).message).toContain(expected)
    expect(api.requests).toHaveLength(0)
  })

  it.each(['.', '..'])('rejects %j, which no URL can carry as a path segment', async (id) => {
    const { client, api } = setup([])
    const error = (await rejection(client.getCommand(id))) as SmsInputError
    expect(error.field).toBe('serverId')
    expect(error.message).toContain('dot segment')
    expect(api.requests).toHaveLength(0)
  })

  it('accepts a 255-character server id', async () => {
    const { client, api } = setup([json({})])
    await client.getCommand('x'.repeat(255))
    expect(api.requests).toHaveLength(1)
  })

  it('keeps HTTP failures and schema failures apart', async () => {
    const { client } = setup([
      json({ command_name: 'C'.repeat(256) }),
      smsError(404, 'SMS.9999', 'not found'),
    ])
    const schemaFailure = await rejection(client.getCommand('srv'))
    expect(isSmsResponseValidationError(schemaFailure)).toBe(true)
    expect(isSmsApiError(schemaFailure)).toBe(false)
    const httpFailure = await rejection(client.getCommand('srv'))
    expect(isSmsApiError(httpFailure)).toBe(true)
    expect(isSmsResponseValidationError(httpFailure)).toBe(false)
  })

  it('describes an API error with code, message, status, request id and server', async () => {
    const { client } = setup([
      json(
        {
          error_code: 'SMS.2002',
          error_msg: 'no permission',
          encoded_authorization_message: 'abc',
        },
        403,
        {
          'X-Request-Id': 'req-1',
        },
      ),
    ])
    const error = (await rejection(client.getCommand('srv-9'))) as SmsApiError
    expect(error.name).toBe('SmsApiError')
    expect(error).toMatchObject({
      status: 403,
      errorCode: 'SMS.2002',
      errorMsg: 'no permission',
      requestId: 'req-1',
    })
    expect(error.body?.encoded_authorization_message).toBe('abc')
    expect(error.message).toBe(
      'GET /v3/sources/srv-9/command failed with HTTP 403 SMS.2002: no permission (server "srv-9") [request id req-1]',
    )
  })

  it('reads the request id from the body when the header is absent', async () => {
    const { client } = setup([
      json({ error_code: 'APIGW.0301', error_msg: 'bad token', request_id: 'r-body' }, 401),
    ])
    const error = (await rejection(client.getCommand('srv'))) as SmsApiError
    expect(error.requestId).toBe('r-body')
  })

  it('surfaces a non-JSON error page as an API error without a code', async () => {
    const { client } = setup([new Response('<html>Bad gateway</html>', { status: 400 })])
    const error = (await rejection(client.getCommand('srv'))) as SmsApiError
    expect(error.status).toBe(400)
    expect(error.errorCode).toBeUndefined()
  })
})

describe('createSmsClient: retries', () => {
  it.each([408, 421, 425, 429, 500, 502, 503, 504])(
    'retries HTTP %i and then succeeds',
    async (status) => {
      const { client, api, scheduler } = setup([smsError(status, 'SMS.2007'), json(START)])
      expect(await drive(scheduler, client.getCommand('srv'))).toEqual(START)
      expect(api.requests).toHaveLength(2)
    },
  )

  it.each([400, 403, 404])('never retries HTTP %i', async (status) => {
    const { client, api, scheduler } = setup([smsError(status, 'SMS.0000'), json(START)])
    const error = await rejection(drive(scheduler, client.getCommand('srv')))
    expect((error as SmsApiError).status).toBe(status)
    expect(api.requests).toHaveLength(1)
  })

  it('stops after the configured number of attempts and surfaces the last error', async () => {
    const failing = fakeFetch([], () => smsError(500, 'SMS.2007', 'background exception'))
    const { client, scheduler } = setup([], { fetch: failing.fetch, retry: { attempts: 3 } })
    const error = (await rejection(drive(scheduler, client.getCommand('srv')))) as SmsApiError
    expect(error.errorCode).toBe('SMS.2007')
    expect(failing.requests).toHaveLength(3)
  })

  it('backs off exponentially with full jitter, capped', async () => {
    const failing = fakeFetch([], () => smsError(503, 'SMS.2007'))
    const scheduler = createVirtualScheduler()
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken(TOKEN),
      fetch: failing.fetch,
      scheduler,
      random: () => 0.999999,
      retry: { attempts: 7, baseDelayMs: 100, maxDelayMs: 1000 },
    })
    await rejection(drive(scheduler, client.getCommand('srv')))
    // Caps: 100, 200, 400, 800, 1000, 1000 (random just below 1 gives the cap minus a hair).
    expect(scheduler.sleeps).toEqual([99, 199, 399, 799, 999, 999])
  })

  it('draws each delay uniformly below the cap (full jitter)', async () => {
    const failing = fakeFetch([], () => smsError(503, 'SMS.2007'))
    const scheduler = createVirtualScheduler()
    const draws = [0, 0.5, 0.25]
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken(TOKEN),
      fetch: failing.fetch,
      scheduler,
      random: () => draws.shift() ?? 0,
      retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 },
    })
    await rejection(drive(scheduler, client.getCommand('srv')))
    expect(scheduler.sleeps).toEqual([0, 1000, 1000])
  })

  it('honours Retry-After in seconds', async () => {
    const { client, scheduler } = setup([
      smsError(429, 'SMS.429', 'slow down', { 'Retry-After': '7' }),
      json(START),
    ])
    await drive(scheduler, client.getCommand('srv'))
    expect(scheduler.sleeps).toEqual([7000])
  })

  it('honours Retry-After as an HTTP date', async () => {
    const scheduler = createVirtualScheduler(Date.UTC(2026, 10, 27, 12, 0, 0))
    const when = new Date(Date.UTC(2026, 10, 27, 12, 0, 30)).toUTCString()
    const { client } = setup(
      [smsError(503, 'SMS.503', 'busy', { 'Retry-After': when }), json(START)],
      { scheduler },
    )
    await drive(scheduler, client.getCommand('srv'))
    expect(scheduler.sleeps).toEqual([30_000])
  })

  it('gives up at once when Retry-After exceeds maxRetryAfterMs', async () => {
    const { client, api, scheduler } = setup(
      [smsError(503, 'SMS.503', 'busy', { 'Retry-After': '3600' }), json(START)],
      {
        retry: { maxRetryAfterMs: 60_000 },
      },
    )
    const error = (await rejection(drive(scheduler, client.getCommand('srv')))) as SmsApiError
    // Issue 9: retryAfterMs is bounded (default 5 min); what the server asked for stays visible.
    expect(error.retryAfterMs).toBe(300_000)
    expect(error.retryAfterClampedFromMs).toBe(3_600_000)
    expect(api.requests).toHaveLength(1)
  })

  it.each([
    ['2592000 seconds', { 'Retry-After': '2592000' }, 2_592_000_000],
    [
      'a date 30 days after the server time',
      {
        Date: 'Sun, 29 Nov 2026 12:00:00 GMT',
        'Retry-After': 'Tue, 29 Dec 2026 12:00:00 GMT',
      },
      2_592_000_000,
    ],
  ])(
    'bounds a Retry-After of %s to maxServerDelayMs, even when the policy would wait',
    async (_label, headers, asked) => {
      const retries: RetryInfo[] = []
      const { client, api, scheduler } = setup(
        [smsError(429, 'APIGW.0308', 'over ratelimit', headers), json(START)],
        {
          retry: { maxRetryAfterMs: Number.POSITIVE_INFINITY },
          maxServerDelayMs: 90_000,
          onRetry: (info) => retries.push(info),
        },
      )
      expect(await drive(scheduler, client.getCommand('srv'))).toEqual(START)
      expect(scheduler.sleeps).toEqual([90_000])
      expect(retries[0]).toMatchObject({ delayMs: 90_000, retryAfterClampedFromMs: asked })
      expect(api.requests).toHaveLength(2)
    },
  )

  it('measures a Retry-After date from the server Date header, not the local clock', async () => {
    // The local clock (virtual, 2026-01-01) is eleven months behind the server's.
    const { client, scheduler } = setup([
      smsError(503, 'SMS.503', 'busy', {
        Date: 'Sun, 29 Nov 2026 12:00:00 GMT',
        'Retry-After': 'Sun, 29 Nov 2026 12:00:45 GMT',
      }),
      json(START),
    ])
    expect(await drive(scheduler, client.getCommand('srv'))).toEqual(START)
    expect(scheduler.sleeps).toEqual([45_000])
  })

  it('retries network errors and reports them as SmsNetworkError when attempts run out', async () => {
    const { client, api, scheduler } = setup(
      [new TypeError('fetch failed'), new TypeError('fetch failed')],
      {
        retry: 2,
      },
    )
    const error = (await rejection(drive(scheduler, client.getCommand('srv')))) as SmsNetworkError
    expect(isSmsNetworkError(error)).toBe(true)
    expect(error.reason).toBe('network')
    expect(error.isTimeout).toBe(false)
    expect(error.cause).toBeInstanceOf(TypeError)
    expect(error.message).toBe('GET /v3/sources/srv/command failed: fetch failed (server "srv")')
    expect(api.requests).toHaveLength(2)
  })

  it('turns an attempt past timeoutMs into a timeout error, then retries', async () => {
    let calls = 0
    const hanging = async (_input: RequestInfo | URL, init?: RequestInit) => {
      calls++
      if (calls === 2) return json(START)
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })
    }
    const scheduler = createVirtualScheduler()
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken(TOKEN),
      fetch: hanging as typeof fetch,
      scheduler,
      timeoutMs: 5000,
      random: () => 0,
    })
    expect(await drive(scheduler, client.getCommand('srv'))).toEqual(START)
    expect(calls).toBe(2)
  })

  it('times out even when fetch ignores its signal', async () => {
    const ignoring = () => new Promise<Response>(() => {})
    const scheduler = createVirtualScheduler()
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken(TOKEN),
      fetch: ignoring as typeof fetch,
      scheduler,
      timeoutMs: 2500,
      retry: false,
    })
    const error = (await rejection(drive(scheduler, client.getCommand('srv')))) as SmsNetworkError
    expect(error.reason).toBe('timeout')
    expect(error.isTimeout).toBe(true)
    expect(error.message).toBe('GET /v3/sources/srv/command timed out after 2500 ms (server "srv")')
  })

  it('rejects with the abort reason, not a network error, when the caller aborts', async () => {
    const hanging = (_: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      )
    const { client } = setup([], { fetch: hanging as typeof fetch })
    const controller = new AbortController()
    const pending = client.getCommand('srv', { signal: controller.signal })
    controller.abort(new DOMException('stop', 'AbortError'))
    const error = await rejection(pending)
    expect((error as Error).name).toBe('AbortError')
    expect(isSmsNetworkError(error)).toBe(false)
  })

  it('stops waiting between retries when the caller aborts', async () => {
    const { client, scheduler } = setup([smsError(503, 'SMS.503'), json(START)])
    const controller = new AbortController()
    const pending = client.getCommand('srv', { signal: controller.signal })
    while (scheduler.pending === 0) await scheduler.advance(0)
    controller.abort(new DOMException('stop', 'AbortError'))
    expect(((await rejection(pending)) as Error).name).toBe('AbortError')
  })

  it('reports each retry to onRetry', async () => {
    const seen: unknown[] = []
    const { client, scheduler } = setup([smsError(502, 'GW'), json(START)], {
      onRetry: (info) =>
        seen.push({ attempt: info.attempt, delayMs: info.delayMs, path: info.path }),
    })
    await drive(scheduler, client.getCommand('srv'))
    expect(seen).toEqual([{ attempt: 1, delayMs: 250, path: '/v3/sources/srv/command' }])
  })

  it('lets one call override the retry policy', async () => {
    const { client, api, scheduler } = setup([smsError(503, 'X'), json(START)])
    await rejection(drive(scheduler, client.getCommand('srv', { retry: false })))
    expect(api.requests).toHaveLength(1)
  })
})

describe('createSmsClient: reportResult', () => {
  it('posts the result as JSON and returns the receipt', async () => {
    const { client, api } = setup([new Response('"OK"', { headers: { 'X-Request-Id': 'r2' } })])
    const receipt = await client.reportResult('srv', RESULT)
    expect(receipt).toEqual({ status: 200, requestId: 'r2', body: '"OK"' })
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v3/sources/srv/command_result',
    })
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual(RESULT)
    expect(api.requests[0]?.headers['content-type']).toBe('application/json;charset=utf8')
  })

  it.each([
    ['result.result', { ...RESULT, result: 'ok' }, 'expected "success" or "fail"'],
    [
      'result.command_name',
      { ...RESULT, command_name: 'C'.repeat(256) },
      'expected at most 255 characters',
    ],
    ['result.result_detail', { ...RESULT, result_detail: 'done' }, 'expected a JSON object'],
    ['result.result_detail', { ...RESULT, result_detail: [1, 2] }, 'expected a JSON object'],
    ['result.result_detail', { ...RESULT, result_detail: null }, 'expected a JSON object'],
    ['result.result_detail', { command_name: 'START', result: 'fail' }, 'the field is required'],
  ])('rejects a bad %s before sending', async (field, body, expected) => {
    const { client, api } = setup([])
    const error = (await rejection(client.reportResult('srv', body as never))) as SmsInputError
    expect(error.field).toBe(field)
    expect(error.message).toContain(expected)
    expect(api.requests).toHaveLength(0)
  })

  it('refuses a result over 10,240 bytes of JSON before sending (SMS would answer SMS.2004)', async () => {
    const { client, api } = setup([new Response('OK')])
    const error = (await rejection(
      client.reportResult('srv', {
        command_name: 'START',
        result: 'fail',
        // 5,200 two-byte characters: 10,400 bytes, though only 5,200 characters.
        result_detail: { log: 'é'.repeat(5_200) },
      }),
    )) as SmsInputError
    expect(isSmsInputError(error)).toBe(true)
    expect(error.field).toBe('result')
    expect(error.message).toContain('10240 bytes')
    expect(api.requests).toHaveLength(0)
  })

  it('surfaces SMS.2009 (result for another command) without retrying', async () => {
    const { client, api, scheduler } = setup([smsError(400, 'SMS.2009', 'inconsistent')])
    const error = (await rejection(
      drive(scheduler, client.reportResult('srv', RESULT)),
    )) as SmsApiError
    expect(error.errorCode).toBe('SMS.2009')
    expect(api.requests).toHaveLength(1)
  })

  it('retries 429 and 503, which prove the result was not applied', async () => {
    const { client, api, scheduler } = setup([
      smsError(429, 'X'),
      smsError(503, 'X'),
      new Response('OK'),
    ])
    await drive(scheduler, client.reportResult('srv', RESULT))
    expect(api.requests).toHaveLength(3)
  })

  it('retries a gateway 408 three times over and reports on the fourth try', async () => {
    const { client, api, scheduler } = setup([
      smsError(408, 'APIGW.0408'),
      smsError(408, 'APIGW.0408'),
      smsError(408, 'APIGW.0408'),
      new Response('OK'),
    ])
    const answer = await drive(scheduler, client.reportResult('srv', RESULT))
    expect(answer.status).toBe(200)
    expect(api.requests).toHaveLength(4)
  })

  it.each([421, 425])('retries %i, which also says the result was not applied', async (status) => {
    const { client, api, scheduler } = setup([smsError(status, 'X'), new Response('OK')])
    await drive(scheduler, client.reportResult('srv', RESULT))
    expect(api.requests).toHaveLength(2)
  })

  it('does not retry ambiguous failures unless asked to', async () => {
    const first = setup([smsError(500, 'SMS.2007'), new Response('OK')])
    await rejection(drive(first.scheduler, first.client.reportResult('srv', RESULT)))
    expect(first.api.requests).toHaveLength(1)
    const network = setup([new TypeError('socket hang up'), new Response('OK')])
    expect(
      isSmsNetworkError(
        await rejection(drive(network.scheduler, network.client.reportResult('srv', RESULT))),
      ),
    ).toBe(true)
    const optedIn = setup([smsError(500, 'SMS.2007'), new TypeError('reset'), new Response('OK')])
    await drive(
      optedIn.scheduler,
      optedIn.client.reportResult('srv', RESULT, { retryAmbiguous: true }),
    )
    expect(optedIn.api.requests).toHaveLength(3)
  })
})

describe('createSmsClient: 401 and refreshable credentials', () => {
  function rotatingAuth() {
    let generation = 1
    let refreshes = 0
    const auth: AuthProvider = {
      kind: 'test',
      authorize: async () => ({ 'X-Auth-Token': `token-${generation}` }),
      async refresh(rejected: AuthHeaders) {
        if (rejected['X-Auth-Token'] !== `token-${generation}`) return
        refreshes++
        await new Promise((resolve) => setTimeout(resolve, 5))
        generation++
      },
    }
    return { auth, refreshes: () => refreshes }
  }

  /** An API that refuses the first token and accepts any later one. */
  const refusingFirstToken = () =>
    fakeFetch([], (request) =>
      request.headers.get('X-Auth-Token') === 'token-1'
        ? smsError(401, 'APIGW.0301', 'expired')
        : json(START),
    )

  it('refreshes once and retries after a 401', async () => {
    const { auth, refreshes } = rotatingAuth()
    const api = refusingFirstToken()
    const client = createSmsClient({ endpoint: 'https://sms.example.test', auth, fetch: api.fetch })
    expect(await client.getCommand('srv')).toEqual(START)
    expect(refreshes()).toBe(1)
    expect(api.requests.map((request) => request.headers['x-auth-token'])).toEqual([
      'token-1',
      'token-2',
    ])
  })

  it.each([
    ['SMS.2003', 'HTTP method is not allowed'],
    ['SMS.2004', 'larger than 10,240 bytes'],
    ['SMS.2005', 'no Content-Type header'],
    ['SMS.2006', 'Content-Type is not application/json'],
  ])(
    'never refreshes on a 401 %s (about the request, not the credentials)',
    async (code, explanation) => {
      const { auth, refreshes } = rotatingAuth()
      const api = fakeFetch([smsError(401, code, 'request refused'), json(START)])
      const client = createSmsClient({
        endpoint: 'https://sms.example.test',
        auth,
        fetch: api.fetch,
      })
      const error = (await rejection(client.getCommand('srv'))) as SmsApiError
      expect(isSmsApiError(error)).toBe(true)
      expect(error.errorCode).toBe(code)
      expect(error.message).toContain(explanation)
      expect(error.message).toContain('not an authentication failure')
      expect(refreshes()).toBe(0)
      expect(api.requests).toHaveLength(1)
    },
  )

  it('shares one refresh among concurrent calls', async () => {
    const { auth, refreshes } = rotatingAuth()
    const api = refusingFirstToken()
    const client = createSmsClient({ endpoint: 'https://sms.example.test', auth, fetch: api.fetch })
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.getCommand(`srv-${i}`)),
    )
    expect(results.every((result) => result?.command_name === 'START')).toBe(true)
    expect(refreshes()).toBe(1)
  })

  it('surfaces a second 401 as an error', async () => {
    const { auth, refreshes } = rotatingAuth()
    const api = fakeFetch([], () => smsError(401, 'APIGW.0301', 'still bad'))
    const client = createSmsClient({ endpoint: 'https://sms.example.test', auth, fetch: api.fetch })
    const error = (await rejection(client.getCommand('srv'))) as SmsApiError
    expect(error.status).toBe(401)
    expect(refreshes()).toBe(1)
    expect(api.requests).toHaveLength(2)
  })

  it('surfaces a 401 at once when the credentials cannot be refreshed', async () => {
    const { client, api } = setup([smsError(401, 'APIGW.0301', 'bad token')])
    expect(((await rejection(client.getCommand('srv'))) as SmsApiError).status).toBe(401)
    expect(api.requests).toHaveLength(1)
  })
})

describe('createSmsClient: options and secrets', () => {
  it.each([
    ['endpoint', { endpoint: 'not a url' }],
    ['endpoint', { endpoint: 'ftp://sms.example.test' }],
    ['auth', { auth: undefined as unknown as AuthProvider }],
  ])('rejects a bad %s at creation', (field, options) => {
    let caught: unknown
    try {
      createSmsClient({
        endpoint: 'https://sms.example.test',
        auth: staticToken(TOKEN),
        ...options,
      })
    } catch (error) {
      caught = error
    }
    expect((caught as SmsInputError).field).toBe(field)
  })

  it('never puts the token in an error message, cause, JSON or inspection', async () => {
    const { client, scheduler } = setup(
      [
        smsError(401, 'APIGW.0301', 'bad token'),
        new TypeError('connect ECONNREFUSED'),
        json({ command_name: 7 }),
      ],
      { retry: false },
    )
    const errors = [
      await rejection(client.getCommand('srv')),
      await rejection(drive(scheduler, client.getCommand('srv'))),
      await rejection(client.getCommand('srv')),
    ]
    for (const error of errors) {
      const views = [
        String(error),
        JSON.stringify(error),
        inspect(error, { depth: null, showHidden: true }),
      ]
      for (const view of views) expect(view).not.toContain(TOKEN)
    }
    expect(inspect(client, { depth: null, showHidden: true })).not.toContain(TOKEN)
  })
})
