// Node only: over real HTTP on 127.0.0.1, the spec's largest token (16,384 characters) against
// Node's fetch, whose default limit on response headers is 16 KiB.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { iamPasswordToken } from '../src/auth/iam-password-token.ts'
import { createSmsClient } from '../src/client/create-sms-client.ts'
import { isSmsNetworkError, type SmsNetworkError } from '../src/errors/sms-network-error.ts'

const TOKEN = `MII${'t'.repeat(16_384 - 3)}`
let server: Server
let base: string

beforeAll(async () => {
  // The server must accept the token as a request header too.
  server = createServer({ maxHeaderSize: 65_536 }, (request, response) => {
    if (request.method === 'POST' && request.url?.startsWith('/v3/auth/tokens')) {
      request.resume()
      response.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': TOKEN })
      response.end(JSON.stringify({ token: { expires_at: '2099-06-10T07:37:59.812000Z' } }))
      return
    }
    const authorized = request.headers['x-auth-token'] === TOKEN
    response.writeHead(authorized ? 200 : 401, { 'Content-Type': 'application/json' })
    response.end(
      JSON.stringify(
        authorized
          ? { command_name: 'START', command_param: { task_id: 't1' } }
          : { error_code: 'APIGW.0301', error_msg: 'bad token' },
      ),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const options = () => ({ iamEndpoint: `${base}/v3`, user: 'ops', password: 'pw', domain: 'acme' })
const request = {
  method: 'GET',
  url: new URL('http://x.test/'),
  headers: new Headers(),
  body: null,
}

describe('a 16,384-character IAM token over real HTTP on Node', () => {
  it("fails with Node's default fetch as its own clear error, not as a lost connection", async () => {
    const error = (await iamPasswordToken(options())
      .authorize(request)
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )) as SmsNetworkError
    expect(isSmsNetworkError(error)).toBe(true)
    expect(error.reason).toBe('headers-too-large')
    expect(error.service).toBe('iam')
    expect(error.message).toContain('headers are larger than this runtime')
    expect(error.message).toContain('maxHeaderSize')
  })

  it("works end to end with the documented fetch: undici's fetch with Agent({ maxHeaderSize })", async () => {
    const dispatcher = new Agent({ maxHeaderSize: 65_536 })
    const fetchWithLargeHeaders = ((input: string | URL, init?: RequestInit) =>
      undiciFetch(input, { ...init, dispatcher } as Parameters<
        typeof undiciFetch
      >[1])) as unknown as typeof fetch
    try {
      const client = createSmsClient({
        endpoint: base,
        auth: iamPasswordToken({ ...options(), fetch: fetchWithLargeHeaders }),
        fetch: fetchWithLargeHeaders,
      })
      expect(await client.getCommand('srv-1')).toEqual({
        command_name: 'START',
        command_param: { task_id: 't1' },
      })
    } finally {
      await dispatcher.close()
    }
  })
})
