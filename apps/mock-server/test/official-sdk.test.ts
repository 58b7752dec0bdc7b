// An independent client: Huawei's own Node SDK core (axios transport, its own AK/SK signer)
// gets a command from the mock and reports its result, over a real socket. Node only: the SDK
// core needs Node (axios's http adapter, `process.env`, node:crypto).

import { GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/GlobalCredentials.js'
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js'
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js'
import { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js'
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js'
import { formatSdkDate } from '@sms-command/core/signing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningNodeServer, startNodeServer } from '../src/node-server.ts'

const DOMAIN_ID = '0123456789abcdef0123456789abcdef'

describe('the official @huaweicloud/huaweicloud-sdk-core client against the mock', () => {
  let mock: RunningNodeServer
  let client: HcClient

  beforeAll(async () => {
    mock = await startNodeServer({
      port: 0,
      scenario: {
        accounts: [{ name: 'demo', id: DOMAIN_ID }],
        accessKeys: [{ ak: 'SDKTESTAK0000000000', sk: 'sdk-test-secret-key' }],
        tokens: [{ token: 'sdk-test-token', account: 'demo' }],
        servers: [
          {
            id: 'sdk-server',
            commands: [
              {
                command_name: 'START',
                command_param: { task_id: '2c0689c860ad4728a497c91ec0844384' },
              },
              {
                command_name: 'SYNC',
                command_param: { task_id: '2c0689c860ad4728a497c91ec0844384' },
              },
            ],
          },
        ],
      },
    })
    const credentials = new GlobalCredentials()
      .withAk('SDKTESTAK0000000000')
      .withSk('sdk-test-secret-key')
      .withDomainId(DOMAIN_ID)
    client = new ClientBuilder((hc: HcClient) => hc, 'GlobalCredentials')
      .withCredential(credentials)
      .withEndpoint(mock.url)
      .build()
  })

  afterAll(async () => {
    await mock?.close()
  })

  const showCommand = () =>
    client.sendRequest<Record<string, unknown>>({
      method: 'GET',
      url: '/v3/sources/{server_id}/command',
      contentType: 'application/json',
      pathParams: { server_id: 'sdk-server' },
      queryParams: {},
      headers: {},
    })

  it('gets the current command with an AK/SK-signed request', async () => {
    const response = await showCommand()
    expect(response.httpStatusCode).toBe(200)
    expect(response.command_name).toBe('START')
    expect(response.command_param).toEqual({ task_id: '2c0689c860ad4728a497c91ec0844384' })
  })

  it('reports the result (signed body), after which the next command is current', async () => {
    const response = await client.sendRequest<Record<string, unknown>>({
      method: 'POST',
      url: '/v3/sources/{server_id}/command_result',
      contentType: 'application/json',
      pathParams: { server_id: 'sdk-server' },
      queryParams: {},
      headers: {},
      data: { command_name: 'START', result: 'success', result_detail: { progress: 100 } },
    })
    expect(response.httpStatusCode).toBe(200)
    expect((await showCommand()).command_name).toBe('SYNC')
    const journal = await mock.app.request('/_mock/journal?route=command_result')
    const entries = (await journal.json()).entries
    expect(entries.at(-1)).toMatchObject({
      status: 200,
      auth: { kind: 'ak-sk', name: 'SDKTESTAK0000000000' },
    })
  })

  const clientWith = (sk: string) =>
    new ClientBuilder((hc: HcClient) => hc, 'GlobalCredentials')
      .withCredential(
        new GlobalCredentials().withAk('SDKTESTAK0000000000').withSk(sk).withDomainId(DOMAIN_ID),
      )
      .withEndpoint(mock.url)
      .build()

  const failureOf = async (request: Promise<unknown>) => {
    const error = (await request.then(
      () => undefined,
      (e: unknown) => e,
    )) as { httpStatusCode?: number; errorCode?: string; errorMsg?: string; requestId?: string }
    expect(error, 'the SDK should have thrown').toBeDefined()
    // The SDK's own class for a 4xx answer, as its users catch it.
    expect(error).toBeInstanceOf(ClientRequestException)
    expect((error as Error).name).toBe('ClientRequestException')
    return error
  }

  /** The request id the mock journaled for its latest answer (the X-Request-Id it sent). */
  const lastRequestId = async () => {
    const journal = await mock.app.request('/_mock/journal')
    const entries = (await journal.json()).entries as { requestId: string }[]
    return entries.at(-1)?.requestId
  }

  /** The headers the SDK sent with its latest request (its signer's X-Sdk-Date among them). */
  const sentHeaders = (sdk: HcClient) =>
    (sdk as unknown as { httpClient: { httpRequest: { headers: Record<string, string> } } })
      .httpClient.httpRequest.headers

  const mockNow = async () => {
    const clock = await mock.app.request('/_mock/clock')
    return Date.parse((await clock.json()).now)
  }

  it('sees the gateway form of a wrong SK: 401 APIGW.0301 with its text and request id', async () => {
    const error = await failureOf(
      clientWith('not-the-secret').sendRequest({
        method: 'GET',
        url: '/v3/sources/{server_id}/command',
        contentType: 'application/json',
        pathParams: { server_id: 'sdk-server' },
        queryParams: {},
        headers: {},
      }),
    )
    expect(error.httpStatusCode).toBe(401)
    expect(error.errorCode).toBe('APIGW.0301')
    expect(error.errorMsg).toBe(
      'Incorrect IAM authentication information: verify aksk signature fail',
    )
    expect(error.requestId).toMatch(/^[0-9a-f]{32}$/)
    expect(error.requestId).toBe(await lastRequestId())
  })

  it('sees the gateway form of a skewed clock, naming both times', async () => {
    await mock.app.request('/_mock/clock', {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 30 * 60_000 }),
    })
    try {
      const before = formatSdkDate(new Date(await mockNow()))
      const error = await failureOf(
        client.sendRequest({
          method: 'GET',
          url: '/v3/sources/{server_id}/command',
          contentType: 'application/json',
          pathParams: { server_id: 'sdk-server' },
          queryParams: {},
          headers: {},
        }),
      )
      const after = formatSdkDate(new Date(await mockNow()))
      expect(error.httpStatusCode).toBe(401)
      expect(error.errorCode).toBe('APIGW.0301')
      const times =
        /^Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:(\d{8}T\d{6}Z),server time:(\d{8}T\d{6}Z)$/.exec(
          error.errorMsg ?? '',
        )
      expect(times, error.errorMsg).not.toBeNull()
      // signature time is the X-Sdk-Date the SDK signed with; server time the mock clock's now.
      expect(times?.[1]).toBe(sentHeaders(client)['X-Sdk-Date'])
      const serverTime = times?.[2] ?? ''
      expect(
        serverTime >= before && serverTime <= after,
        `${before} ≤ ${serverTime} ≤ ${after}`,
      ).toBe(true)
      expect(error.requestId).toMatch(/^[0-9a-f]{32}$/)
      expect(error.requestId).toBe(await lastRequestId())
    } finally {
      await mock.app.request('/_mock/reset', { method: 'POST' })
    }
  })

  it('lists the fleet with GET /v3/sources, signed by the SDK', async () => {
    const response = await client.sendRequest<Record<string, unknown>>({
      method: 'GET',
      url: '/v3/sources',
      contentType: 'application/json',
      pathParams: {},
      queryParams: { limit: 10, offset: 0 },
      headers: {},
    })
    expect(response.httpStatusCode).toBe(200)
    expect(response.count).toBe(1)
    expect(response.source_servers).toMatchObject([{ id: 'sdk-server', name: 'sdk-server' }])
  })

  // The SDK core has no IAM-token credential (only AK/SK: BasicCredentials, GlobalCredentials);
  // a token goes as a header through its own HcClient and axios transport, unsigned.
  const tokenClient = () =>
    new HcClient(new DefaultHttpClient({}, [mock.url])).withEndpoints([mock.url])

  const showCommandWithToken = (token: string) =>
    tokenClient().sendRequest<Record<string, unknown>>({
      method: 'GET',
      url: '/v3/sources/{server_id}/command',
      contentType: 'application/json',
      pathParams: { server_id: 'sdk-server' },
      queryParams: {},
      headers: { 'X-Auth-Token': token },
    })

  it('gets the current command with X-Auth-Token sent through the SDK transport', async () => {
    const response = await showCommandWithToken('sdk-test-token')
    expect(response.httpStatusCode).toBe(200)
    // The skewed-clock test's reset made the scenario's first command current again.
    expect(response.command_name).toBe('START')
    const journal = await mock.app.request('/_mock/journal?route=command')
    expect((await journal.json()).entries.at(-1)).toMatchObject({
      status: 200,
      auth: { kind: 'static-token' },
    })
  })

  it('sees the gateway form of an unknown token: ClientRequestException 401 APIGW.0301', async () => {
    const error = await failureOf(showCommandWithToken('not-a-token'))
    expect(error.httpStatusCode).toBe(401)
    expect(error.errorCode).toBe('APIGW.0301')
    expect(error.errorMsg).toBe('Incorrect IAM authentication information: decrypt token fail')
    expect(error.requestId).toBe(await lastRequestId())
  })

  it('sees a throttled request as ClientRequestException 429 APIGW.0308 with the gateway text', async () => {
    const set = await mock.app.request('/_mock/settings', {
      method: 'POST',
      body: JSON.stringify({ rateLimit: '1/hour' }),
    })
    expect(set.status).toBe(200)
    try {
      // The budget of 1 is spent by the first request, or already was by the tests before.
      const error = await failureOf(
        showCommandWithToken('sdk-test-token').then(() => showCommandWithToken('sdk-test-token')),
      )
      expect(error.httpStatusCode).toBe(429)
      expect(error.errorCode).toBe('APIGW.0308')
      expect(error.errorMsg).toBe(
        'The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 hour',
      )
      expect(error.requestId).toBe(await lastRequestId())
    } finally {
      await mock.app.request('/_mock/settings', {
        method: 'POST',
        body: JSON.stringify({ rateLimit: null }),
      })
    }
  })
})
