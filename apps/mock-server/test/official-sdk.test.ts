// An independent client: Huawei's own Node SDK core (axios transport, its own AK/SK signer)
// gets a command from the mock and reports its result, over a real socket.

import { GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/GlobalCredentials.js'
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js'
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js'
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
    return error
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
  })

  it('sees the gateway form of a skewed clock, naming both times', async () => {
    await mock.app.request('/_mock/clock', {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 30 * 60_000 }),
    })
    try {
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
      expect(error.httpStatusCode).toBe(401)
      expect(error.errorCode).toBe('APIGW.0301')
      expect(error.errorMsg).toMatch(
        /^Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:\d{8}T\d{6}Z,server time:\d{8}T\d{6}Z$/,
      )
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
})
