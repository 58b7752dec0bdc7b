// The conformance suite: one set of behaviours every runtime of the mock must show, run
// against the in-memory app and over HTTP on Node, Bun, Deno and workerd.
import {
  akSk,
  createSmsClient,
  iamPasswordToken,
  isSmsApiError,
  isSmsNetworkError,
  isSmsResponseValidationError,
  openApiDocument,
  parseCommandResponse,
  staticToken,
} from '@sms-command/core'
import { formatSdkDate, signRequest } from '@sms-command/core/signing'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  type ConformanceTarget,
  expectCommand,
  expectError,
  http,
  passwordLogin,
  readEvents,
  uniqueId,
} from './helpers.ts'

const IDLE = { command_name: '', command_param: {} }

/** Registers the conformance tests; `getTarget` is called once the target is up. */
export function conformanceSuite(getTarget: () => ConformanceTarget): void {
  let target: ConformanceTarget
  let api: ReturnType<typeof http>

  beforeEach(async () => {
    target = getTarget()
    api = http(target)
    const reset = await api.admin('POST', '/reset')
    expect(reset.status).toBe(200)
  })

  /** Switches to the SMS-coded auth failures (SMS.0202/SMS.0205) until the next reset. */
  const useSmsAuthErrors = async () => {
    const res = await api.admin('POST', '/settings', { authErrors: 'sms' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.authErrors).toBe('sms')
  }

  const client = (auth = staticToken('tok-demo')) =>
    createSmsClient({ endpoint: target.baseUrl, auth, fetch: target.fetch, retry: false })

  const signedHeaders = async (
    method: string,
    url: string,
    body: string | undefined,
    credentials = { ak: 'AKDEMO0000000000', sk: 'sk-demo-secret' },
    date = new Date(),
  ) => {
    const headers: Record<string, string> = { host: new URL(url).host }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const signed = await signRequest({ method, url, headers, body }, credentials, date)
    return { ...headers, ...signed }
  }

  describe('GET command and POST command_result', () => {
    it('answers the idle shape with X-Request-Id when nothing is pending', async () => {
      const id = uniqueId()
      await api.register(id)
      const response = await api.getCommand(id)
      expect(await expectCommand(response)).toEqual(IDLE)
    })

    it('keeps the head current for every GET until a matching result clears it (ack)', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, [
        { command_name: 'START', command_param: { task_id: 't1' } },
        { command_name: 'SYNC', command_param: { task_id: 't1' } },
      ])
      expect(await expectCommand(await api.getCommand(id))).toEqual({
        command_name: 'START',
        command_param: { task_id: 't1' },
      })
      expect((await expectCommand(await api.getCommand(id))).command_name).toBe('START')
      await expectError(
        await api.postResult(id, { command_name: 'SYNC', result: 'success', result_detail: {} }),
        400,
        'SMS.2009',
        /SYNC/,
      )
      const ok = await api.postResult(id, {
        command_name: 'START',
        result: 'fail',
        result_detail: { reason: 'disk full' },
      })
      expect(ok.status).toBe(200)
      expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
      await ok.text()
      expect((await expectCommand(await api.getCommand(id))).command_name).toBe('SYNC')
      const view = await api.admin('GET', `/servers/${id}`)
      expect(view.body.results).toHaveLength(1)
      expect(view.body.results[0]).toMatchObject({
        command: { command_name: 'START', command_param: { task_id: 't1' } },
        result: 'fail',
        result_detail: { reason: 'disk full' },
      })
      expect(view.body.current).toMatchObject({ command_name: 'SYNC', deliveries: 1 })
    })

    it('rejects a result when no command is current with SMS.2009', async () => {
      const id = uniqueId()
      await api.register(id)
      await expectError(
        await api.postResult(id, { command_name: 'START', result: 'success', result_detail: {} }),
        400,
        'SMS.2009',
      )
    })

    it('hands a command out once in pop mode and takes its result after', async () => {
      const id = uniqueId()
      await api.register(id, { delivery: 'pop' })
      await api.enqueue(id, { command_name: 'STOP' })
      expect((await expectCommand(await api.getCommand(id))).command_name).toBe('STOP')
      expect(await expectCommand(await api.getCommand(id))).toEqual(IDLE)
      const ok = await api.postResult(id, {
        command_name: 'STOP',
        result: 'success',
        result_detail: {},
      })
      expect(ok.status).toBe(200)
      await ok.text()
      await expectError(
        await api.postResult(id, { command_name: 'STOP', result: 'success', result_detail: {} }),
        400,
        'SMS.2009',
      )
    })

    it('serves every idle shape, each read as "no command" by core', async () => {
      for (const idle of [
        'empty-name',
        'empty-object',
        'null-name',
        'null-body',
        'empty-body',
        'no-content',
      ]) {
        const id = uniqueId(idle)
        await api.register(id, { idle })
        const response = await api.getCommand(id)
        expect(response.status).toBe(idle === 'no-content' ? 204 : 200)
        expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
        expect(parseCommandResponse(response.status, await response.text())).toBeNull()
      }
    })

    it('carries unknown commands and extra params through unchanged', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, {
        command_name: 'UPLOAD_LOG',
        command_param: { bucket: 'b', extra: 'x' },
      })
      expect(await client().getCommand(id)).toEqual({
        command_name: 'UPLOAD_LOG',
        command_param: { bucket: 'b', extra: 'x' },
      })
    })

    it('runs the closed loop with core’s client: get, report, next', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, [
        { command_name: 'START', command_param: { task_id: 'a' } },
        { command_name: 'STOP' },
      ])
      const sms = client()
      const first = await sms.getCommand(id)
      expect(first?.command_name).toBe('START')
      const receipt = await sms.reportResult(id, {
        command_name: 'START',
        result: 'success',
        result_detail: { ok: 1 },
      })
      expect(receipt.status).toBe(200)
      expect(receipt.requestId).toMatch(/^[0-9a-f]{32}$/)
      expect((await sms.getCommand(id))?.command_name).toBe('STOP')
    })

    it('starts with the scenario’s servers and commands', async () => {
      expect((await client().getCommand('seeded-1'))?.command_param).toEqual({
        task_id: 'seed-task',
      })
    })
  })

  describe('errors', () => {
    it('answers 404 SMS.0404 for an unknown server', async () => {
      await expectError(await api.getCommand(uniqueId('nobody')), 404, 'SMS.0404')
    })

    it('answers 403 SMS.2002 to a valid credential of another account', async () => {
      const id = uniqueId()
      await api.register(id)
      await expectError(await api.getCommand(id, { 'x-auth-token': 'tok-other' }), 403, 'SMS.2002')
      await expectError(
        await api.postResult(
          id,
          { command_name: 'X', result: 'success', result_detail: {} },
          { 'x-auth-token': 'tok-other' },
        ),
        403,
        'SMS.2002',
      )
    })

    it('answers 401 APIGW.0301 for a missing or unknown token', async () => {
      const id = uniqueId()
      await api.register(id)
      await expectError(await api.getCommand(id, {}), 401, 'APIGW.0301')
      await expectError(await api.getCommand(id, { 'x-auth-token': 'nope' }), 401, 'APIGW.0301')
      await expectError(
        await api.getCommand(id, { authorization: 'Bearer x' }),
        401,
        'APIGW.0301',
        /Authorization/,
      )
    })

    it('answers 400 naming server_id for an id over 255 characters, and accepts 255', async () => {
      await expectError(await api.getCommand('x'.repeat(256)), 400, 'SMS.0400', /server_id/)
      await expectError(await api.getCommand('y'.repeat(255)), 404, 'SMS.0404')
    })

    it('answers 400 naming the field for malformed result bodies', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, { command_name: 'START' })
      await expectError(await api.postResult(id, 'not json'), 400, 'SMS.0400', /^body/)
      await expectError(await api.postResult(id, '[1]'), 400, 'SMS.0400', /^body/)
      await expectError(await api.postResult(id, ''), 400, 'SMS.0400', /^body/)
      await expectError(
        await api.postResult(id, {
          command_name: 'START',
          result: 'success',
          result_detail: {},
          pad: 'x'.repeat(10_240),
        }),
        401,
        'SMS.2004',
        /10240 bytes/,
      )
      await expectError(
        await api.postResult(id, { command_name: 'START', result: 'success' }),
        400,
        'SMS.0400',
        /^result_detail/,
      )
      await expectError(
        await api.postResult(id, { command_name: 'START', result: 'ok', result_detail: {} }),
        400,
        'SMS.0400',
        /^result:/,
      )
      await expectError(
        await api.postResult(id, { result: 'success', result_detail: {} }),
        400,
        'SMS.0400',
        /^command_name/,
      )
      await expectError(
        await api.postResult(id, { command_name: 'START', result: 'success', result_detail: [] }),
        400,
        'SMS.0400',
        /^result_detail/,
      )
      // None of them touched the current command.
      expect((await expectCommand(await api.getCommand(id))).command_name).toBe('START')
    })

    it('answers 404 APIGW.0101 for an unknown API, with the gateway’s request_id', async () => {
      const response = await target.fetch(`${target.baseUrl}/v3/nothing`)
      const requestId = response.headers.get('x-request-id')
      const body = await expectError(response, 404, 'APIGW.0101')
      expect((body as { request_id?: string }).request_id).toBe(requestId)
    })

    it('answers 401 SMS.2003 for a method the command routes do not take', async () => {
      for (const [method, route] of [
        ['DELETE', 'command'],
        ['PUT', 'command'],
        ['POST', 'command'],
        ['GET', 'command_result'],
        ['PATCH', 'command_result'],
      ] as const) {
        await expectError(
          await target.fetch(`${target.baseUrl}/v3/sources/seeded-1/${route}`, {
            method,
            headers: { 'x-auth-token': 'tok-demo', 'content-type': 'application/json' },
            ...(method === 'GET' ? {} : { body: '{}' }),
          }),
          401,
          'SMS.2003',
          new RegExp(`${method}.*use ${route === 'command' ? 'GET' : 'POST'}`),
        )
      }
    })

    it('serves core’s OpenAPI document with the mock’s own answers per operation', async () => {
      const response = await target.fetch(`${target.baseUrl}/openapi.json`)
      expect(response.status).toBe(200)
      const document = await response.json()
      const core = JSON.parse(JSON.stringify(openApiDocument))
      expect(document.components).toEqual(core.components)
      // Core's operations keep their parameters, body and success answers; the error answers
      // are the mock's (openapi-sources.test.ts checks them against what the mock answers).
      for (const [path, item] of Object.entries(core.paths as Record<string, object>)) {
        for (const [method, operation] of Object.entries(item)) {
          if (typeof operation !== 'object' || operation === null || !('responses' in operation))
            continue
          const { responses, ...rest } = operation as { responses: Record<string, unknown> }
          expect(document.paths[path][method]).toMatchObject(rest)
          expect(document.paths[path][method].responses['200']).toEqual(responses['200'])
        }
      }
      expect(document.paths['/v3/sources']?.get?.responses?.['200']).toBeDefined()
      expect(document.openapi).toBe('3.1.0')
    })
  })

  describe('IAM password tokens', () => {
    const login = (user = 'alice', password = 'alice-password', domain = 'demo') =>
      target.fetch(
        `${target.baseUrl}/v3/auth/tokens?nocatalog=true`,
        passwordLogin(user, password, { domain, scoped: true }),
      )

    it('issues a token (201, X-Subject-Token, expires_at in 24 h) that SMS accepts', async () => {
      const response = await login()
      expect(response.status).toBe(201)
      const token = response.headers.get('x-subject-token')
      expect(token).toBeTruthy()
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
      const body = await response.json()
      const expiresIn = Date.parse(body.token.expires_at) - Date.now()
      expect(expiresIn).toBeGreaterThan(23.9 * 3600_000)
      expect(expiresIn).toBeLessThan(24.1 * 3600_000)
      const id = uniqueId()
      await api.register(id)
      expect(
        await expectCommand(await api.getCommand(id, { 'x-auth-token': token ?? '' })),
      ).toEqual(IDLE)
    })

    it('refuses a wrong password with 401 and a malformed body with 400 naming the field', async () => {
      expect((await login('alice', 'wrong')).status).toBe(401)
      const bad = await target.fetch(`${target.baseUrl}/v3/auth/tokens`, {
        method: 'POST',
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'alice', domain: { name: 'demo' } } },
            },
          },
        }),
      })
      expect(bad.status).toBe(400)
      expect((await bad.json()).error.message).toMatch(/auth\.identity\.password\.user\.password/)
    })

    it('expires tokens when the mock clock passes expires_at, and core’s client refreshes', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, { command_name: 'START' })
      const token = (await login()).headers.get('x-subject-token') ?? ''
      expect((await api.getCommand(id, { 'x-auth-token': token })).status).toBe(200)
      const clock = await api.admin('POST', '/clock', { advanceMs: 24 * 3600_000 + 1000 })
      expect(clock.status).toBe(200)
      await expectError(
        await api.getCommand(id, { 'x-auth-token': token }),
        401,
        'APIGW.0301',
        /expired/,
      )
      // A fresh login is valid 24 h from the *mock* clock.
      const sms = client(
        iamPasswordToken({
          iamEndpoint: target.baseUrl,
          user: 'alice',
          password: 'alice-password',
          domain: 'demo',
          fetch: target.fetch,
        }),
      )
      expect((await sms.getCommand(id))?.command_name).toBe('START')
    })

    it('revokes and expires tokens on demand; core’s client recovers with one refresh', async () => {
      const id = uniqueId()
      await api.register(id)
      const sms = client(
        iamPasswordToken({
          iamEndpoint: target.baseUrl,
          user: 'alice',
          password: 'alice-password',
          domain: 'demo',
          fetch: target.fetch,
        }),
      )
      expect(await sms.getCommand(id)).toBeNull()
      const revoked = await api.admin('POST', '/tokens/revoke', { user: 'alice' })
      expect(revoked.body.revoked).toBe(1)
      expect(await sms.getCommand(id)).toBeNull()
      const journal = await api.admin('GET', `/journal?server=${id}&status=401`)
      expect(journal.body.entries).toHaveLength(1)
      // The journal keeps the precise reason the answer does not give.
      expect(journal.body.entries[0].authFailure).toBe('revoked-token')
      // A repeated filter means any of: both polls answered and the refused one.
      const polls = await api.admin('GET', `/journal?server=${id}&status=2xx&status=401`)
      expect(polls.body.entries.map((entry: { status: number }) => entry.status)).toEqual([
        200, 401, 200,
      ])
      const expired = await api.admin('POST', '/tokens/expire', { token: 'tok-demo' })
      expect(expired.body.expired).toBe(1)
      await expectError(await api.getCommand(id), 401, 'APIGW.0301', /expired/)
    })

    it('keeps a token expired by the admin API expired when the mock clock moves back', async () => {
      const id = uniqueId()
      await api.register(id)
      const expired = await api.admin('POST', '/tokens/expire', { token: 'tok-demo' })
      expect(expired.body.expired).toBe(1)
      await expectError(await api.getCommand(id), 401, 'APIGW.0301', /token expired/)
      const back = await api.admin('POST', '/clock', { to: '2020-01-01T00:00:00Z' })
      expect(back.status).toBe(200)
      await expectError(await api.getCommand(id), 401, 'APIGW.0301', /token expired/)
    })
  })

  describe('AK/SK signatures', () => {
    it('accepts core’s signer (host, X-Sdk-Date, X-Domain-Id) for GET and POST', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, { command_name: 'START' })
      const sms = client(akSk({ ak: 'AKDEMO0000000000', sk: 'sk-demo-secret' }))
      expect((await sms.getCommand(id))?.command_name).toBe('START')
      expect(
        (
          await sms.reportResult(id, {
            command_name: 'START',
            result: 'success',
            result_detail: {},
          })
        ).status,
      ).toBe(200)
    })

    it('answers 401 SMS.0202 for a wrong signature and an unknown AK (sms style)', async () => {
      await useSmsAuthErrors()
      const id = uniqueId()
      await api.register(id)
      const url = `${target.baseUrl}/v3/sources/${id}/command`
      await expectError(
        await target.fetch(url, {
          headers: await signedHeaders('GET', url, undefined, {
            ak: 'AKDEMO0000000000',
            sk: 'wrong',
          }),
        }),
        401,
        'SMS.0202',
      )
      await expectError(
        await target.fetch(url, {
          headers: await signedHeaders('GET', url, undefined, { ak: 'AKNOBODY', sk: 'x' }),
        }),
        401,
        'SMS.0202',
      )
    })

    it('(sms style) signs the body: a POST whose body changed after signing is refused', async () => {
      await useSmsAuthErrors()
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, { command_name: 'START' })
      const url = `${target.baseUrl}/v3/sources/${id}/command_result`
      const body = JSON.stringify({ command_name: 'START', result: 'success', result_detail: {} })
      const headers = await signedHeaders('POST', url, body)
      await expectError(
        await target.fetch(url, { method: 'POST', headers, body: body.replace('success', 'fail') }),
        401,
        'SMS.0202',
      )
      const ok = await target.fetch(url, { method: 'POST', headers, body })
      expect(ok.status).toBe(200)
      await ok.text()
    })

    it('answers 401 SMS.0205 when X-Sdk-Date is more than 15 minutes off, on the mock clock (sms style)', async () => {
      await useSmsAuthErrors()
      const id = uniqueId()
      await api.register(id)
      const url = `${target.baseUrl}/v3/sources/${id}/command`
      const late = new Date(Date.now() - 16 * 60_000)
      await expectError(
        await target.fetch(url, {
          headers: await signedHeaders('GET', url, undefined, undefined, late),
        }),
        401,
        'SMS.0205',
      )
      const fine = await target.fetch(url, {
        headers: await signedHeaders(
          'GET',
          url,
          undefined,
          undefined,
          new Date(Date.now() - 14 * 60_000),
        ),
      })
      expect(fine.status).toBe(200)
      await fine.text()
      await api.admin('POST', '/clock', { advanceMs: 20 * 60_000 })
      await expectError(
        await target.fetch(url, { headers: await signedHeaders('GET', url, undefined) }),
        401,
        'SMS.0205',
      )
    })

    it('(sms style) locks an AK for 5 minutes after 5 consecutive bad signatures', async () => {
      await useSmsAuthErrors()
      const id = uniqueId()
      await api.register(id)
      const url = `${target.baseUrl}/v3/sources/${id}/command`
      const good = { ak: 'AKLOCK0000000000', sk: 'sk-lock-secret' }
      for (let i = 0; i < 5; i++) {
        const bad = await target.fetch(url, {
          headers: await signedHeaders('GET', url, undefined, { ...good, sk: 'bad' }),
        })
        expect(bad.status).toBe(401)
        await bad.text()
      }
      await expectError(
        await target.fetch(url, { headers: await signedHeaders('GET', url, undefined, good) }),
        401,
        'SMS.0202',
        /locked/,
      )
      await api.admin('POST', '/clock', { advanceMs: 5 * 60_000 + 1000 })
      const later = new Date(Date.now() + 5 * 60_000 + 1000)
      const ok = await target.fetch(url, {
        headers: await signedHeaders('GET', url, undefined, good, later),
      })
      expect(ok.status).toBe(200)
      await ok.text()
    })

    it('(sms style) refuses X-Domain-Id of another account', async () => {
      await useSmsAuthErrors()
      const id = uniqueId()
      await api.register(id)
      const url = `${target.baseUrl}/v3/sources/${id}/command`
      const headers = { host: new URL(url).host, 'x-domain-id': 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }
      const signed = await signRequest(
        { method: 'GET', url, headers },
        { ak: 'AKDEMO0000000000', sk: 'sk-demo-secret' },
      )
      await expectError(
        await target.fetch(url, { headers: { ...headers, ...signed } }),
        401,
        'SMS.0202',
        /X-Domain-Id/,
      )
    })
  })

  describe('admin API', () => {
    it('refuses admin calls without the bearer token', async () => {
      const res = await api.admin('GET', '/servers', undefined, 'wrong')
      expect(res.status).toBe(401)
      expect(res.body.error_code).toBe('MOCK.0401')
    })

    it('lists, shows and deletes servers; 404 and 409 where due', async () => {
      const id = uniqueId()
      await api.register(id)
      expect((await api.admin('POST', '/servers', { id })).status).toBe(200)
      expect((await api.admin('POST', '/servers', { id, domain: 'other' })).status).toBe(409)
      const list = await api.admin('GET', '/servers')
      expect(list.body.servers.map((s: { id: string }) => s.id)).toContain(id)
      expect((await api.admin('GET', '/servers/nope-x')).status).toBe(404)
      expect(
        (await api.admin('POST', '/servers/nope-x/commands', { command_name: 'A' })).status,
      ).toBe(404)
      expect((await api.admin('DELETE', `/servers/${id}`)).status).toBe(200)
      expect((await api.admin('GET', `/servers/${id}`)).status).toBe(404)
    })

    it('validates admin input with a message naming the field', async () => {
      const res = await api.admin('POST', '/servers', { id: 'x'.repeat(300) })
      expect(res.status).toBe(400)
      expect(res.body.error_msg).toMatch(/^id/)
      const bad = await api.admin('POST', '/faults', { kind: 'status', status: 200 })
      expect(bad.status).toBe(400)
      expect(bad.body.error_msg).toMatch(/^status/)
    })

    it('resets to the scenario state', async () => {
      const id = uniqueId()
      await api.register(id)
      expect((await api.admin('POST', '/reset')).status).toBe(200)
      expect((await api.admin('GET', `/servers/${id}`)).status).toBe(404)
      expect((await api.admin('GET', '/servers/seeded-1')).body.queue).toHaveLength(1)
    })

    it('journals requests without secrets, filterable by server and status', async () => {
      const id = uniqueId()
      await api.register(id)
      await (await api.getCommand(id)).text()
      await (await api.getCommand(id, { 'x-auth-token': 'bad-token' })).text()
      await (await api.getCommand(uniqueId('ghost'))).text()
      const all = await api.admin('GET', `/journal?server=${id}`)
      expect(all.body.entries.map((e: { status: number }) => e.status)).toEqual([200, 401])
      const failed = await api.admin('GET', `/journal?server=${id}&status=4xx`)
      expect(failed.body.entries).toHaveLength(1)
      expect(failed.body.entries[0]).toMatchObject({
        route: 'command',
        errorCode: 'APIGW.0301',
        method: 'GET',
      })
      expect(JSON.stringify(all.body)).not.toContain('tok-demo')
      expect(JSON.stringify(all.body)).not.toContain('bad-token')
    })

    it('refuses a mock clock date past 9999 naming `to`, and keeps dating answers', async () => {
      const far = await api.admin('POST', '/clock', { to: '+275760-09-13T00:00:00.000Z' })
      expect(far.status).toBe(400)
      expect(far.body.error_code).toBe('MOCK.0400')
      expect(far.body.error_msg).toMatch(/^to: /)
      const clock = await api.admin('GET', '/clock')
      expect(clock.status).toBe(200)
      expect(Number.isNaN(Date.parse(clock.headers.get('date') ?? ''))).toBe(false)
      const moved = await api.admin('POST', '/clock', { advanceMs: 60_000 })
      expect(moved.status).toBe(200)
      const long = await api.admin('POST', '/clock', { advanceMs: 20 * 365 * 86_400_000 })
      expect(long.body.error_msg).toMatch(/^advanceMs: /)
      const id = uniqueId()
      await api.register(id)
      const late = await api.admin('POST', `/servers/${id}/commands`, {
        command_name: 'LATE',
        releaseAfterMs: 8.64e15,
      })
      expect(late.status).toBe(400)
      expect(late.body.error_msg).toMatch(/^releaseAfterMs: /)
    })

    it('refuses a fault scoped to a server on the fleet list (which names no server), naming server', async () => {
      const res = await api.admin('POST', '/faults', {
        kind: 'status',
        status: 503,
        server: 'seeded-1',
        route: 'sources',
      })
      expect(res.status).toBe(400)
      expect(res.body.error_code).toBe('MOCK.0400')
      expect(res.body.error_msg).toMatch(/^server: /)
      expect((await api.admin('GET', '/faults')).body.faults).toEqual([])
    })

    it('updates a server of another account without repeating its domain, keeping the account', async () => {
      const id = uniqueId()
      expect((await api.admin('POST', '/servers', { id, domain: 'other' })).status).toBe(201)
      const updated = await api.admin('POST', '/servers', { id, name: 'db-01', state: 'finished' })
      expect(updated.status).toBe(200)
      expect(updated.body).toMatchObject({ id, domain: 'other', name: 'db-01', state: 'finished' })
      expect((await api.admin('POST', '/servers', { id, domain: 'demo' })).status).toBe(409)
    })

    it('refuses unknown fields in admin bodies with 400 naming the field', async () => {
      const id = uniqueId()
      const res = await api.admin('POST', '/servers', { id, bogus: 1 })
      expect(res.status).toBe(400)
      expect(res.body.error_msg).toBe('bogus: unknown field')
      expect((await api.admin('GET', `/servers/${id}`)).status).toBe(404)
      const fault = await api.admin('POST', '/faults', { kind: 'status', status: 503, bogus: 1 })
      expect(fault.body.error_msg).toBe('bogus: unknown field')
    })

    it('releases scheduled commands when the mock clock reaches them', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, { command_name: 'SYNC', releaseAfterMs: 3_600_000 })
      expect(await expectCommand(await api.getCommand(id))).toEqual(IDLE)
      await api.admin('POST', '/clock', { advanceMs: 3_600_000 })
      expect((await expectCommand(await api.getCommand(id))).command_name).toBe('SYNC')
    })

    it('streams enqueues, deliveries, results, auth failures and faults as SSE, filtered by server', async () => {
      const id = uniqueId()
      const other = uniqueId()
      await api.register(id)
      await api.register(other)
      const response = await target.fetch(`${target.baseUrl}/_mock/events?server=${id}`, {
        headers: { authorization: `Bearer ${target.adminToken}` },
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/)
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
      const events = readEvents(response)
      try {
        await events.next((m) => m.event === 'ready')
        await api.enqueue(other, { command_name: 'STOP' })
        await api.enqueue(id, { command_name: 'START', command_param: { task_id: 'e' } })
        const enqueued = await events.next((m) => m.event === 'enqueue')
        expect(enqueued.data).toMatchObject({ serverId: id, command: { command_name: 'START' } })
        await (await api.getCommand(id)).text()
        expect((await events.next((m) => m.event === 'delivery')).data.serverId).toBe(id)
        await (
          await api.postResult(id, { command_name: 'START', result: 'success', result_detail: {} })
        ).text()
        expect((await events.next((m) => m.event === 'result')).data).toMatchObject({
          result: 'success',
        })
        await (await api.getCommand(id, { 'x-auth-token': 'wrong' })).text()
        expect((await events.next((m) => m.event === 'auth-failure')).data.reason).toBe(
          'unknown-token',
        )
        await api.admin('POST', '/faults', { kind: 'status', status: 500, server: id, count: 1 })
        await (await api.getCommand(id)).text()
        expect((await events.next((m) => m.event === 'fault')).data.fault).toMatchObject({
          kind: 'status',
        })
      } finally {
        await events.close()
      }
    })
  })

  describe('faults', () => {
    it('answers status S for the next N requests, with Retry-After for 503, then recovers', async () => {
      const id = uniqueId()
      const bystander = uniqueId()
      await api.register(id)
      await api.register(bystander)
      const added = await api.admin('POST', '/faults', {
        kind: 'status',
        status: 503,
        count: 2,
        server: id,
      })
      expect(added.status).toBe(201)
      for (let i = 0; i < 2; i++) {
        const response = await api.getCommand(id)
        expect(response.headers.get('retry-after')).toBe('1')
        await expectError(response, 503, 'SMS.2007')
        expect((await api.getCommand(bystander)).status).toBe(200)
      }
      expect((await api.getCommand(id)).status).toBe(200)
      expect((await api.admin('GET', '/faults')).body.faults).toHaveLength(0)
    })

    it('core’s client retries a 429 honouring Retry-After', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, { command_name: 'START' })
      await api.admin('POST', '/faults', {
        kind: 'status',
        status: 429,
        count: 1,
        retryAfterSeconds: 0,
      })
      const sms = createSmsClient({
        endpoint: target.baseUrl,
        auth: staticToken('tok-demo'),
        fetch: target.fetch,
        retry: 3,
      })
      expect((await sms.getCommand(id))?.command_name).toBe('START')
    })

    it('replays a probabilistic fault exactly from its seed', async () => {
      const id = uniqueId()
      const outcomes = async () => {
        await api.admin('POST', '/reset')
        await api.register(id)
        await api.admin('POST', '/faults', {
          kind: 'status',
          status: 500,
          probability: 0.5,
          seed: 99,
          server: id,
        })
        const statuses: number[] = []
        for (let i = 0; i < 16; i++) {
          const response = await api.getCommand(id)
          statuses.push(response.status)
          await response.text()
        }
        return statuses
      }
      const first = await outcomes()
      expect(first).toContain(500)
      expect(first).toContain(200)
      expect(await outcomes()).toEqual(first)
      const journal = await api.admin('GET', `/journal?server=${id}&status=500`)
      expect(journal.body.entries[0].faults[0]).toMatchObject({ kind: 'status', seed: 99 })
      expect(journal.body.entries[0].faults[0].draw).toBeGreaterThan(0)
    })

    it('adds latency', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.admin('POST', '/faults', { kind: 'latency', ms: 300, server: id, count: 1 })
      const started = Date.now()
      await (await api.getCommand(id)).text()
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    })

    it('sends malformed JSON and truncated bodies, which core reports as validation errors', async () => {
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, { command_name: 'START', command_param: { task_id: 'abcdef' } })
      await api.admin('POST', '/faults', [
        { kind: 'malformed-json', server: id, count: 1 },
        { kind: 'truncated-body', server: id, count: 1 },
      ])
      const sms = client()
      for (let i = 0; i < 2; i++) {
        const error = await sms.getCommand(id).catch((e: unknown) => e)
        expect(isSmsResponseValidationError(error), String(error)).toBe(true)
      }
      expect((await sms.getCommand(id))?.command_name).toBe('START')
    })

    it('drops the connection before or after the effect where the runtime can, and says so where not', async () => {
      const info = await api.admin('GET', '')
      const id = uniqueId()
      await api.register(id)
      await api.enqueue(id, [{ command_name: 'START' }, { command_name: 'STOP' }])
      const added = await api.admin('POST', '/faults', {
        kind: 'drop-connection',
        when: 'after',
        server: id,
        route: 'command_result',
        count: 1,
      })
      if (!info.body.capabilities.dropConnection) {
        expect(added.status).toBe(501)
        expect(added.body.error_code).toBe('MOCK.0501')
        expect(added.body.error_msg).toContain(info.body.capabilities.dropConnectionUnsupported)
        return
      }
      expect(added.status).toBe(201)
      const sms = client()
      const error = await sms
        .reportResult(id, { command_name: 'START', result: 'success', result_detail: {} })
        .catch((e: unknown) => e)
      expect(isSmsNetworkError(error), String(error)).toBe(true)
      // The result was recorded although its answer was lost.
      const view = await api.admin('GET', `/servers/${id}`)
      expect(view.body.results).toHaveLength(1)
      expect(view.body.current.command_name).toBe('STOP')
      await api.admin('POST', '/faults', {
        kind: 'drop-connection',
        when: 'before',
        server: id,
        count: 1,
      })
      const before = await sms.getCommand(id).catch((e: unknown) => e)
      expect(isSmsNetworkError(before), String(before)).toBe(true)
      expect((await api.admin('GET', `/servers/${id}`)).body.deliveriesTotal).toBe(0)
      expect((await sms.getCommand(id))?.command_name).toBe('STOP')
    })

    it('scopes IAM faults to the IAM route', async () => {
      await api.admin('POST', '/faults', {
        kind: 'status',
        status: 503,
        route: 'iam',
        count: 1,
        retryAfterSeconds: 0,
      })
      const provider = iamPasswordToken({
        iamEndpoint: target.baseUrl,
        user: 'alice',
        password: 'alice-password',
        domain: 'demo',
        fetch: target.fetch,
      })
      const failed = await provider
        .authorize({
          method: 'GET',
          url: new URL(target.baseUrl),
          headers: new Headers(),
          body: null,
        })
        .catch((e: unknown) => e)
      expect(isSmsApiError(failed) && failed.status === 503).toBe(true)
      const headers = await provider.authorize({
        method: 'GET',
        url: new URL(target.baseUrl),
        headers: new Headers(),
        body: null,
      })
      expect(headers['X-Auth-Token']).toBeTruthy()
    })
  })

  describe('faults take effect wherever they fire', () => {
    const fleet = (token = 'tok-demo') =>
      target.fetch(`${target.baseUrl}/v3/sources`, { headers: { 'x-auth-token': token } })
    const canDrop = async () =>
      Boolean((await api.admin('GET', '')).body.capabilities.dropConnection)
    const addFault = async (spec: Record<string, unknown>) => {
      const added = await api.admin('POST', '/faults', spec)
      expect(added.status, JSON.stringify(added.body)).toBe(201)
    }
    const journalOf = async (route: string) =>
      (await api.admin('GET', `/journal?route=${route}`)).body.entries.map(
        (e: { status: number; faults?: { id: string; kind: string }[] }) => [
          e.status,
          e.faults?.map((f) => f.id) ?? [],
        ],
      )

    it('acts on the fleet list with every fault kind, as on the command routes, and journals the hits', async () => {
      const whole = await (await fleet()).text()
      expect(JSON.parse(whole).count).toBe(1)
      await addFault({ id: 'mj', kind: 'malformed-json', route: 'sources', count: 1 })
      const malformed = await fleet()
      expect(malformed.status).toBe(200)
      const malformedText = await malformed.text()
      expect(() => JSON.parse(malformedText)).toThrow()
      // route "any" fires on the fleet list too.
      await addFault({ id: 'tb', kind: 'truncated-body', route: 'any', count: 1 })
      const truncated = await fleet()
      expect(truncated.status).toBe(200)
      expect(await truncated.text()).toBe(whole.slice(0, Math.floor(whole.length / 2)))
      await addFault({ id: 'st', kind: 'status', status: 503, route: 'sources', count: 1 })
      await expectError(await fleet(), 503, 'SMS.2007')
      const expected = [
        [200, []],
        [200, ['mj']],
        [200, ['tb']],
        [503, ['st']],
      ]
      if (await canDrop()) {
        for (const when of ['before', 'after']) {
          await addFault({
            id: `d-${when}`,
            kind: 'drop-connection',
            when,
            route: 'sources',
            count: 1,
          })
          const dropped = await fleet().then(
            (r) => r.text(),
            (e: unknown) => e,
          )
          expect(dropped, when).toBeInstanceOf(TypeError)
          expected.push([0, [`d-${when}`]])
        }
      }
      expect((await fleet()).status).toBe(200)
      expected.push([200, []])
      expect(await journalOf('sources')).toEqual(expected)
      expect((await api.admin('GET', '/faults')).body.faults).toEqual([])
    })

    it('corrupts the answer of a refused request too, on every route that draws faults', async () => {
      const id = uniqueId()
      await api.register(id)
      await addFault({ id: 'cmd', kind: 'malformed-json', server: id, count: 1 })
      const refused = await api.getCommand(id, { 'x-auth-token': 'bad-token' })
      expect(refused.status).toBe(401)
      const refusedText = await refused.text()
      expect(() => JSON.parse(refusedText)).toThrow()
      expect(refusedText).toContain('APIGW.0301')
      await expectCommand(await api.getCommand(id))
      await addFault({ id: 'lst', kind: 'truncated-body', route: 'sources', count: 1 })
      const unauthorized = await fleet('bad-token')
      expect(unauthorized.status).toBe(401)
      const cut = await unauthorized.text()
      expect(() => JSON.parse(cut)).toThrow()
      expect(cut).toMatch(/^\{"error_code":"APIGW\.0301"/)
      await addFault({ id: 'iam', kind: 'malformed-json', route: 'iam', count: 1 })
      const login = await target.fetch(
        `${target.baseUrl}/v3/auth/tokens`,
        passwordLogin('alice', 'wrong'),
      )
      expect(login.status).toBe(401)
      const loginText = await login.text()
      expect(() => JSON.parse(loginText)).toThrow()
      expect(await journalOf('command')).toContainEqual([401, ['cmd']])
      expect(await journalOf('sources')).toEqual([[401, ['lst']]])
      expect(await journalOf('iam')).toEqual([[401, ['iam']]])
      expect((await api.admin('GET', '/faults')).body.faults).toEqual([])
    })

    it('lets one decisive fault act per request, leaving a later one for the next request', async () => {
      const id = uniqueId()
      await api.register(id)
      await addFault({ id: 'first', kind: 'malformed-json', count: 1 })
      await addFault({ id: 'second', kind: 'status', status: 503, server: id, count: 1 })
      const corrupted = await api.getCommand(id)
      expect(corrupted.status).toBe(200)
      const corruptedText = await corrupted.text()
      expect(() => JSON.parse(corruptedText)).toThrow()
      expect(
        (await api.admin('GET', '/faults')).body.faults.map((f: { id: string }) => f.id),
      ).toEqual(['second'])
      await expectError(await api.getCommand(id), 503, 'SMS.2007')
      await expectCommand(await api.getCommand(id))
    })

    it('deleting a server removes every fault scoped to it, added before or after it was registered', async () => {
      const existing = uniqueId('e')
      const later = uniqueId('g')
      const never = uniqueId('k')
      await api.register(existing)
      await addFault({ id: 'fe', kind: 'status', status: 503, server: existing })
      await addFault({ id: 'fg', kind: 'status', status: 503, server: later })
      await addFault({ id: 'fk', kind: 'status', status: 503, server: never })
      await api.register(later)
      for (const id of [existing, later]) {
        expect((await api.admin('DELETE', `/servers/${id}`)).status).toBe(200)
      }
      // A fault for a server never registered stays until used or that server is deleted.
      expect((await api.admin('DELETE', `/servers/${never}`)).status).toBe(404)
      const ids = (await api.admin('GET', '/faults')).body.faults.map((f: { id: string }) => f.id)
      expect(ids).toEqual(['fk'])
      // Nothing fires on a server registered again with a deleted one's id.
      for (const id of [existing, later]) {
        await api.register(id)
        await expectCommand(await api.getCommand(id))
      }
    })
  })

  describe('gateway forms (API Gateway as Huawei runs it)', () => {
    /** A gateway 401/429: `request_id` in the body equals X-Request-Id; a Date header. */
    const expectGateway = async (
      response: Response,
      status: number,
      code: string,
      message: string | RegExp,
    ) => {
      const requestId = response.headers.get('x-request-id')
      const date = response.headers.get('date')
      const body = (await expectError(response, status, code)) as {
        error_msg: string
        request_id?: string
      }
      if (typeof message === 'string') expect(body.error_msg).toBe(message)
      else expect(body.error_msg).toMatch(message)
      expect(body.request_id).toMatch(/^[0-9a-f]{32}$/)
      expect(body.request_id).toBe(requestId)
      expect(date).not.toBeNull()
      return { body, dateMs: Date.parse(date ?? '') }
    }

    it('answers a wrong SK with 401 APIGW.0301 "verify aksk signature fail"', async () => {
      const url = `${target.baseUrl}/v3/sources/seeded-1/command`
      const headers = await signedHeaders('GET', url, undefined, {
        ak: 'AKDEMO0000000000',
        sk: 'wrong',
      })
      await expectGateway(
        await target.fetch(url, { headers }),
        401,
        'APIGW.0301',
        'Incorrect IAM authentication information: verify aksk signature fail',
      )
      // An unknown AK and another account's X-Domain-Id look the same from outside.
      await expectGateway(
        await target.fetch(url, {
          headers: await signedHeaders('GET', url, undefined, { ak: 'AKNOBODY', sk: 'x' }),
        }),
        401,
        'APIGW.0301',
        'Incorrect IAM authentication information: verify aksk signature fail',
      )
    })

    it('answers a skewed X-Sdk-Date with the gateway text naming both times, on the mock clock', async () => {
      const url = `${target.baseUrl}/v3/sources/seeded-1/command`
      await api.admin('POST', '/clock', { advanceMs: 20 * 60_000 })
      const headers = await signedHeaders('GET', url, undefined)
      const sent = headers['X-Sdk-Date']
      expect(sent).toMatch(/^\d{8}T\d{6}Z$/)
      const response = await target.fetch(url, { headers })
      const { body, dateMs } = await expectGateway(
        response,
        401,
        'APIGW.0301',
        /^Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:\d{8}T\d{6}Z,server time:\d{8}T\d{6}Z$/,
      )
      const [, signatureTime, serverTime] =
        /signature time:(\w+),server time:(\w+)$/.exec(body.error_msg) ?? []
      expect(signatureTime).toBe(sent)
      // The server time and the Date header are both the mock clock: 20 minutes ahead.
      expect(serverTime).toBe(formatSdkDate(new Date(dateMs)))
      expect(dateMs - Date.now()).toBeGreaterThan(19 * 60_000)
      expect(dateMs - Date.now()).toBeLessThan(21 * 60_000)
    })

    it('answers missing, unknown and expired tokens in the gateway form', async () => {
      const id = 'seeded-1'
      await expectGateway(
        await api.getCommand(id, {}),
        401,
        'APIGW.0301',
        /^Incorrect IAM authentication information: .*not found$/,
      )
      await expectGateway(
        await api.getCommand(id, { 'x-auth-token': 'nope' }),
        401,
        'APIGW.0301',
        'Incorrect IAM authentication information: decrypt token fail',
      )
      const token = await target.fetch(
        `${target.baseUrl}/v3/auth/tokens`,
        passwordLogin('alice', 'alice-password'),
      )
      expect(token.status).toBe(201)
      const issued = token.headers.get('x-subject-token') ?? ''
      await token.text()
      await api.admin('POST', '/clock', { advanceMs: 25 * 3_600_000 })
      await expectGateway(
        await api.getCommand(id, { 'x-auth-token': issued }),
        401,
        'APIGW.0301',
        'Incorrect IAM authentication information: token expired',
      )
    })

    it('answers an empty X-Auth-Token as missing and an over-long one as invalid: 401, never 400', async () => {
      const missing = 'Incorrect IAM authentication information: x-auth-token not found'
      const invalid = 'Incorrect IAM authentication information: decrypt token fail'
      const command = `${target.baseUrl}/v3/sources/seeded-1/command`
      const tooLong = 't'.repeat(16_385)
      const response = await target.fetch(`${target.baseUrl}/_mock/events`, {
        headers: { authorization: `Bearer ${target.adminToken}` },
      })
      const events = readEvents(response)
      try {
        await events.next((m) => m.event === 'ready')
        await expectGateway(
          await api.getCommand('seeded-1', { 'x-auth-token': '' }),
          401,
          'APIGW.0301',
          missing,
        )
        const failure = await events.next((m) => m.event === 'auth-failure')
        expect(failure.data).toMatchObject({
          serverId: 'seeded-1',
          reason: 'missing',
          message: 'X-Auth-Token: expected a non-empty token',
        })
        await expectGateway(
          await api.getCommand('seeded-1', { 'x-auth-token': tooLong }),
          401,
          'APIGW.0301',
          invalid,
        )
        expect((await events.next((m) => m.event === 'auth-failure')).data).toMatchObject({
          reason: 'unknown-token',
          message: 'X-Auth-Token: expected at most 16384 characters, got 16385',
        })
      } finally {
        await events.close()
      }
      // A valid signature beside the token doesn't help: the token is what the gateway checks.
      const signed = await signedHeaders('GET', command, undefined)
      await expectGateway(
        await target.fetch(command, { headers: { ...signed, 'x-auth-token': '' } }),
        401,
        'APIGW.0301',
        missing,
      )
      await expectGateway(
        await api.postResult(
          'seeded-1',
          { command_name: 'START', result: 'success', result_detail: {} },
          { 'x-auth-token': tooLong },
        ),
        401,
        'APIGW.0301',
        invalid,
      )
      for (const [token, text] of [
        ['', missing],
        [tooLong, invalid],
      ] as const) {
        await expectGateway(
          await target.fetch(`${target.baseUrl}/v3/sources`, {
            headers: { 'x-auth-token': token },
          }),
          401,
          'APIGW.0301',
          text,
        )
      }
      const journal = await api.admin('GET', '/journal')
      expect(
        journal.body.entries.map((e: { route: string; status: number; errorCode: string }) => [
          e.route,
          e.status,
          e.errorCode,
        ]),
      ).toEqual([
        ['command', 401, 'APIGW.0301'],
        ['command', 401, 'APIGW.0301'],
        ['command', 401, 'APIGW.0301'],
        ['command_result', 401, 'APIGW.0301'],
        ['sources', 401, 'APIGW.0301'],
        ['sources', 401, 'APIGW.0301'],
      ])
      expect(JSON.stringify(journal.body)).not.toContain(tooLong)
      // The seeded command was never delivered.
      expect((await api.admin('GET', '/servers/seeded-1')).body.current.deliveries).toBe(0)
    })

    it('(sms style) answers an empty or over-long X-Auth-Token as other token failures, naming the header', async () => {
      await useSmsAuthErrors()
      await expectError(
        await api.getCommand('seeded-1', { 'x-auth-token': '' }),
        401,
        'APIGW.0301',
        'X-Auth-Token: expected a non-empty token',
      )
      await expectError(
        await target.fetch(`${target.baseUrl}/v3/sources`, {
          headers: { 'x-auth-token': 't'.repeat(16_385) },
        }),
        401,
        'APIGW.0301',
        'X-Auth-Token: expected at most 16384 characters, got 16385',
      )
    })

    it('dates every answer with the mock clock: SMS, IAM, admin, unknown routes', async () => {
      await api.admin('POST', '/clock', { advanceMs: 3 * 3_600_000 })
      const answers = [
        await api.getCommand('seeded-1'),
        await target.fetch(`${target.baseUrl}/v3/nothing`),
        await target.fetch(`${target.baseUrl}/openapi.json`),
        await target.fetch(`${target.baseUrl}/v3/auth/tokens`, { method: 'POST', body: '{}' }),
      ]
      for (const response of answers) {
        await response.text()
        const date = Date.parse(response.headers.get('date') ?? '')
        expect(date - Date.now()).toBeGreaterThan(3 * 3_600_000 - 60_000)
        expect(date - Date.now()).toBeLessThan(3 * 3_600_000 + 60_000)
      }
      const admin = await api.admin('GET', '/clock')
      expect(Date.parse(admin.headers.get('date') ?? '') - Date.now()).toBeGreaterThan(
        3 * 3_600_000 - 60_000,
      )
    })

    it('keeps the SMS-coded forms behind the authErrors switch, until a reset', async () => {
      const url = `${target.baseUrl}/v3/sources/seeded-1/command`
      const wrong = { ak: 'AKDEMO0000000000', sk: 'wrong' }
      await useSmsAuthErrors()
      await expectError(
        await target.fetch(url, { headers: await signedHeaders('GET', url, undefined, wrong) }),
        401,
        'SMS.0202',
      )
      const settings = await api.admin('GET', '/settings')
      expect(settings.body).toEqual({ authErrors: 'sms', rateLimit: null })
      await api.admin('POST', '/reset')
      await expectError(
        await target.fetch(url, { headers: await signedHeaders('GET', url, undefined, wrong) }),
        401,
        'APIGW.0301',
        /verify aksk signature fail/,
      )
    })
  })

  describe('command_result body checks (SMS error list, HTTP 401)', () => {
    const result = (pad = '') =>
      JSON.stringify({ command_name: 'START', result: 'success', result_detail: { pad } })
    const post = (headers: Record<string, string>, body: BodyInit) =>
      target.fetch(`${target.baseUrl}/v3/sources/seeded-1/command_result`, {
        method: 'POST',
        headers: { 'x-auth-token': 'tok-demo', ...headers },
        body,
      })

    it('answers 401 SMS.2005 without a Content-Type, and records nothing', async () => {
      // A byte body: fetch adds no Content-Type, as curl --data-binary with -H "Content-Type:" does.
      await expectError(
        await post({}, new TextEncoder().encode(result())),
        401,
        'SMS.2005',
        /Content-Type/,
      )
      const view = await api.admin('GET', '/servers/seeded-1')
      expect(view.body.resultsTotal).toBe(0)
      expect(view.body.current.command_name).toBe('START')
    })

    it('answers 401 SMS.2006 to a Content-Type that is not JSON', async () => {
      for (const type of [
        'text/plain;charset=UTF-8',
        'application/x-www-form-urlencoded',
        'application/jsonp',
        'application/json; charset=iso-8859-1',
      ]) {
        await expectError(
          await post({ 'content-type': type }, result()),
          401,
          'SMS.2006',
          /Content-Type/,
        )
      }
    })

    it('accepts application/json with a UTF-8 charset in any case and spacing', async () => {
      for (const type of [
        'application/json',
        'application/json;charset=UTF-8',
        'Application/JSON ; Charset = "utf-8"',
      ]) {
        await api.enqueue('seeded-1', { command_name: 'START' })
        const response = await post({ 'content-type': type }, result())
        expect(response.status, `${type}: ${await response.text()}`).toBe(200)
      }
    })

    it('answers 401 SMS.2004 past 10,240 bytes, counted in bytes, not characters', async () => {
      const base = result().length
      const exact = result('x'.repeat(10_240 - base))
      expect(new TextEncoder().encode(exact).byteLength).toBe(10_240)
      const ok = await post({ 'content-type': 'application/json' }, exact)
      expect(ok.status, await ok.text()).toBe(200)
      await expectError(
        await post({ 'content-type': 'application/json' }, result('x'.repeat(10_241 - base))),
        401,
        'SMS.2004',
        /10240/,
      )
      // 6,000 characters of "é" are 12,000 bytes.
      await expectError(
        await post({ 'content-type': 'application/json' }, result('é'.repeat(6_000))),
        401,
        'SMS.2004',
      )
    })
  })

  describe('the gateway answers before SMS (credentials, then SMS.2003–2006)', () => {
    const url = (route = 'command_result', id = 'seeded-1') =>
      `${target.baseUrl}/v3/sources/${id}/${route}`
    const result = (pad = '') =>
      JSON.stringify({ command_name: 'START', result: 'success', result_detail: { pad } })
    const bytes = (text: string) => new TextEncoder().encode(text)

    it('answers a bad credential with APIGW.0301 whatever SMS would say of the request', async () => {
      const cases: [string, RequestInit][] = [
        // no Content-Type (SMS.2005 with a good token)
        [url(), { method: 'POST', headers: { 'x-auth-token': 'nope' }, body: bytes(result()) }],
        // not JSON (SMS.2006)
        [url(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: result() }],
        // over 10,240 bytes (SMS.2004)
        [
          url(),
          {
            method: 'POST',
            headers: { 'x-auth-token': 'nope', 'content-type': 'application/json' },
            body: result('x'.repeat(11_000)),
          },
        ],
        // wrong method (SMS.2003)
        [url('command'), { method: 'DELETE', headers: { 'x-auth-token': 'nope' } }],
        // server id over 255 characters (400 naming server_id)
        [url('command', 'x'.repeat(256)), { headers: { 'x-auth-token': 'nope' } }],
      ]
      for (const [address, init] of cases) {
        await expectError(await target.fetch(address, init), 401, 'APIGW.0301')
      }
      const view = await api.admin('GET', '/servers/seeded-1')
      expect(view.body.resultsTotal).toBe(0)
    })

    it('checks a token before the body: a bad one gets APIGW.0301 whatever the size, a good one SMS.2004', async () => {
      const huge = result('x'.repeat(1_048_576))
      const post = (headers: Record<string, string>) =>
        target.fetch(url(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: huge,
        })
      await expectError(await post({ 'x-auth-token': 'nope' }), 401, 'APIGW.0301', /decrypt token/)
      await expectError(await post({ 'x-auth-token': '' }), 401, 'APIGW.0301', /not found/)
      await expectError(await post({}), 401, 'APIGW.0301', /not found/)
      await expectError(await post({ 'x-auth-token': 'tok-demo' }), 401, 'SMS.2004', /10240/)
      // SMS's order after the gateway: the Content-Type is refused before the size.
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: { 'x-auth-token': 'tok-demo' },
          body: bytes(huge),
        }),
        401,
        'SMS.2005',
      )
      const journal = await api.admin('GET', '/journal?server=seeded-1')
      expect(journal.body.entries.map((e: { errorCode: string }) => e.errorCode)).toEqual([
        'APIGW.0301',
        'APIGW.0301',
        'APIGW.0301',
        'SMS.2004',
        'SMS.2005',
      ])
      expect((await api.admin('GET', '/servers/seeded-1')).body.resultsTotal).toBe(0)
    })

    it('refuses a signed body past the gateway bound (1 MiB) with SMS.2004 before the signature, without buffering it', async () => {
      const huge = result('x'.repeat(1_048_576))
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: await signedHeaders('POST', url(), huge, {
            ak: 'AKDEMO0000000000',
            sk: 'wrong-secret',
          }),
          body: huge,
        }),
        401,
        'SMS.2004',
      )
    })

    it('throttles before SMS looks at the body', async () => {
      await api.admin('POST', '/settings', { rateLimit: '1/min' })
      // the poll has a budget of its own; the first report, without a Content-Type, is counted
      await expectCommand(await api.getCommand('seeded-1'))
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: { 'x-auth-token': 'tok-demo' },
          body: bytes(result()),
        }),
        401,
        'SMS.2005',
      )
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: { 'x-auth-token': 'tok-demo' },
          body: bytes(result()),
        }),
        429,
        'APIGW.0308',
      )
      // Past the gateway bound too: a token's budget is counted before the body is read.
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: { 'x-auth-token': 'tok-demo', 'content-type': 'application/json' },
          body: result('x'.repeat(1_048_576)),
        }),
        429,
        'APIGW.0308',
      )
    })

    it('verifies an AK/SK signature over the body, then answers SMS.2005 and SMS.2004', async () => {
      const body = result()
      // signed without a Content-Type: the gateway accepts the signature, SMS refuses the type
      const headers: Record<string, string> = { host: new URL(url()).host }
      const signed = await signRequest(
        { method: 'POST', url: url(), headers, body },
        { ak: 'AKDEMO0000000000', sk: 'sk-demo-secret' },
        new Date(),
      )
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: { ...headers, ...signed },
          body: bytes(body),
        }),
        401,
        'SMS.2005',
      )
      const large = result('x'.repeat(11_000))
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: await signedHeaders('POST', url(), large),
          body: large,
        }),
        401,
        'SMS.2004',
      )
      await expectError(
        await target.fetch(url(), {
          method: 'POST',
          headers: await signedHeaders('POST', url(), large, {
            ak: 'AKDEMO0000000000',
            sk: 'wrong-secret',
          }),
          body: large,
        }),
        401,
        'APIGW.0301',
      )
    })
  })

  describe('HEAD', () => {
    it('journals HEAD as HEAD on every route, answering as GET without a body', async () => {
      const paths = [
        '/v3/sources/seeded-1/command',
        '/v3/sources/seeded-1/command_result',
        '/v3/sources',
        '/v3/auth/tokens',
        '/openapi.json',
        '/nothing',
      ]
      const headers = { 'x-auth-token': 'tok-demo' }
      for (const path of paths) {
        const head = await target.fetch(`${target.baseUrl}${path}`, { method: 'HEAD', headers })
        expect(await head.text()).toBe('')
        expect(head.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
        const get = await target.fetch(`${target.baseUrl}${path}`, { headers })
        await get.text()
        expect(head.status, path).toBe(get.status)
      }
      const journal = await api.admin('GET', '/journal')
      expect(
        journal.body.entries.map((e: { method: string; path: string }) => `${e.method} ${e.path}`),
      ).toEqual(paths.flatMap((path) => [`HEAD ${path}`, `GET ${path}`]))
    })

    it("sends the GET's Content-Length on HEAD (RFC 9110 §9.3.2) on every runtime", async () => {
      // Answers and refusals alike: a refusal naming the method names the GET's.
      const paths = [
        '/v3/sources/seeded-1/command',
        '/v3/sources',
        '/openapi.json',
        '/v3/sources/nowhere/command',
        '/v3/sources/seeded-1/command_result',
        '/v3/auth/tokens',
        '/nothing',
        '/_mock/nothing',
      ]
      const headers = { 'x-auth-token': 'tok-demo' }
      for (const path of paths) {
        const head = await target.fetch(`${target.baseUrl}${path}`, { method: 'HEAD', headers })
        expect(await head.text()).toBe('')
        const get = await target.fetch(`${target.baseUrl}${path}`, { headers })
        const length = (await get.arrayBuffer()).byteLength
        expect(length, path).toBeGreaterThan(0)
        expect(head.headers.get('content-length'), path).toBe(String(length))
        const sent = get.headers.get('content-length')
        if (sent !== null) expect(sent, path).toBe(String(length))
      }
    })

    it('verifies an AK/SK signature with the method the client signed, HEAD', async () => {
      const url = `${target.baseUrl}/v3/sources/seeded-1/command`
      const head = await target.fetch(url, {
        method: 'HEAD',
        headers: await signedHeaders('HEAD', url, undefined),
      })
      expect(head.status).toBe(200)
      expect(await head.text()).toBe('')
      const signedAsGet = await target.fetch(url, {
        method: 'HEAD',
        headers: await signedHeaders('GET', url, undefined),
      })
      expect(signedAsGet.status).toBe(401)
      const journal = await api.admin('GET', '/journal?server=seeded-1')
      expect(
        journal.body.entries.map((e: { method: string; status: number; auth?: unknown }) => [
          e.method,
          e.status,
          e.auth !== undefined,
        ]),
      ).toEqual([
        ['HEAD', 200, true],
        ['HEAD', 401, false],
      ])
    })
  })

  describe('rate limit per identity', () => {
    it('answers 429 APIGW.0308 with Retry-After past the budget, per identity, on the mock clock', async () => {
      const set = await api.admin('POST', '/settings', { rateLimit: '3/min' })
      expect(set.body.rateLimit).toEqual({ limit: 3, windowMs: 60_000, text: '3/min' })
      for (let i = 0; i < 3; i++) await expectCommand(await api.getCommand('seeded-1'))
      const throttled = await api.getCommand('seeded-1')
      const retryAfter = Number(throttled.headers.get('retry-after'))
      const body = (await expectError(
        throttled,
        429,
        'APIGW.0308',
        'The throttling threshold has been reached: policy user over ratelimit,limit:3,time:1 minute',
      )) as { error_msg: string; request_id?: string }
      expect(body.error_msg).toBe(
        'The throttling threshold has been reached: policy user over ratelimit,limit:3,time:1 minute',
      )
      expect(body.request_id).toMatch(/^[0-9a-f]{32}$/)
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(60)
      // Another identity of the same account has its own budget, and so has each API of this one
      // (docs/api.md §7: per user and API): the fleet list and result reports are still allowed.
      const url = `${target.baseUrl}/v3/sources/seeded-1/command`
      const signed = await target.fetch(url, {
        headers: await signedHeaders('GET', url, undefined),
      })
      expect(signed.status).toBe(200)
      await signed.text()
      const fleet = await target.fetch(`${target.baseUrl}/v3/sources`, {
        headers: { 'x-auth-token': 'tok-demo' },
      })
      expect(fleet.status).toBe(200)
      await fleet.text()
      for (let i = 0; i < 2; i++) {
        const listed = await target.fetch(`${target.baseUrl}/v3/sources`, {
          headers: { 'x-auth-token': 'tok-demo' },
        })
        expect(listed.status).toBe(200)
        await listed.text()
      }
      await expectError(
        await target.fetch(`${target.baseUrl}/v3/sources`, {
          headers: { 'x-auth-token': 'tok-demo' },
        }),
        429,
        'APIGW.0308',
      )
      await api.admin('POST', '/clock', { advanceMs: 60_000 })
      await expectCommand(await api.getCommand('seeded-1'))
    })

    it('counts an access key that names its IAM user against that user’s budget, shared with the user’s token', async () => {
      await api.admin('POST', '/settings', { rateLimit: '2/min' })
      const login = await target.fetch(
        `${target.baseUrl}/v3/auth/tokens`,
        passwordLogin('alice', 'alice-password', { scoped: true }),
      )
      expect(login.status).toBe(201)
      await login.text()
      const aliceToken = login.headers.get('x-subject-token') ?? ''
      const url = `${target.baseUrl}/v3/sources/seeded-1/command`
      const alice = { ak: 'AKALICE000000000', sk: 'sk-alice-secret' }
      // the watch (alice's token) and the agent (alice's AK) draw on one budget of 2
      await expectCommand(await target.fetch(url, { headers: { 'x-auth-token': aliceToken } }))
      await expectCommand(
        await target.fetch(url, { headers: await signedHeaders('GET', url, undefined, alice) }),
      )
      await expectError(
        await target.fetch(url, { headers: await signedHeaders('GET', url, undefined, alice) }),
        429,
        'APIGW.0308',
      )
      await expectError(
        await target.fetch(url, { headers: { 'x-auth-token': aliceToken } }),
        429,
        'APIGW.0308',
      )
      // an access key without a user keeps its own budget
      await expectCommand(
        await target.fetch(url, { headers: await signedHeaders('GET', url, undefined) }),
      )
    })

    it('takes an access key naming its user at run time, refusing an unknown user naming the field', async () => {
      const bad = await api.admin('POST', '/identity', {
        accessKeys: [{ ak: 'AKRUN00000000000', sk: 'sk-run-secret', user: 'nobody' }],
      })
      expect(bad.status).toBe(400)
      expect(JSON.stringify(bad.body)).toMatch(/accessKeys\[0\]\.user: unknown user \\"nobody\\"/)
      const added = await api.admin('POST', '/identity', {
        users: [{ name: 'carol', password: 'carol-password' }],
        accessKeys: [{ ak: 'AKRUN00000000000', sk: 'sk-run-secret', user: 'carol' }],
      })
      expect(added.status, JSON.stringify(added.body)).toBe(200)
      expect(added.body.accessKeys).toContainEqual(
        expect.objectContaining({ ak: 'AKRUN00000000000', user: 'carol' }),
      )
    })

    it('is off by default and after a reset', async () => {
      await api.admin('POST', '/settings', { rateLimit: '1/hour' })
      await expectCommand(await api.getCommand('seeded-1'))
      await expectError(await api.getCommand('seeded-1'), 429, 'APIGW.0308', /limit:1,time:1 hour/)
      await api.admin('POST', '/reset')
      for (let i = 0; i < 5; i++) await expectCommand(await api.getCommand('seeded-1'))
    })
  })

  describe('fleet list GET /v3/sources', () => {
    const list = async (query = '', token = 'tok-demo') => {
      const response = await target.fetch(`${target.baseUrl}/v3/sources${query}`, {
        headers: { 'x-auth-token': token },
      })
      const text = await response.text()
      expect(response.status, text).toBe(200)
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
      return JSON.parse(text) as {
        count: number
        source_servers: {
          id: string
          name: string
          state: string
          migration_cycle?: string
          connected: boolean
          last_visit_time: number
        }[]
      }
    }

    it('lists the caller’s servers with the scenario’s names and states', async () => {
      const page = await list()
      expect(page.count).toBe(1)
      expect(page.source_servers[0]).toMatchObject({
        id: 'seeded-1',
        name: 'web-01',
        state: 'replicate',
        migration_cycle: 'replicating',
        connected: false,
      })
      expect((await list('', 'tok-other')).count).toBe(0)
    })

    it('pages with limit and offset; count is the total matching', async () => {
      for (const n of [1, 2, 3, 4]) await api.register(`fleet-${n}`, { name: `db-${n}` })
      const first = await list('?limit=2')
      expect(first.count).toBe(5)
      expect(first.source_servers.map((s) => s.id)).toEqual(['seeded-1', 'fleet-1'])
      const second = await list('?limit=2&offset=2')
      expect(second.source_servers.map((s) => s.id)).toEqual(['fleet-2', 'fleet-3'])
      const last = await list('?limit=2&offset=4')
      expect(last.source_servers.map((s) => s.id)).toEqual(['fleet-4'])
      expect((await list('?offset=5')).source_servers).toEqual([])
      expect((await list('?limit=0')).source_servers).toHaveLength(5)
      expect((await list('?limit=0')).count).toBe(5)
    })

    it('filters by id, name, state and connected', async () => {
      await api.register('fleet-a', { name: 'db-primary', state: 'replicate' })
      await api.register('fleet-b', { name: 'DB-replica', state: 'stopped' })
      expect((await list('?id=fleet-b')).source_servers.map((s) => s.id)).toEqual(['fleet-b'])
      expect((await list('?name=db-')).source_servers.map((s) => s.id)).toEqual([
        'fleet-a',
        'fleet-b',
      ])
      const replicate = await list('?state=replicate')
      expect(replicate.source_servers.map((s) => s.id)).toEqual(['seeded-1', 'fleet-a'])
      expect((await list('?state=replicate&name=primary')).count).toBe(1)
      await expectCommand(await api.getCommand('fleet-b'))
      expect((await list('?connected=true')).source_servers.map((s) => s.id)).toEqual(['fleet-b'])
      expect((await list('?connected=false')).count).toBe(2)
      // The admin API changes names and states of a registered server.
      const renamed = await api.admin('POST', '/servers', { id: 'fleet-a', state: 'finished' })
      expect(renamed.status).toBe(200)
      expect((await list('?state=finished')).source_servers.map((s) => s.name)).toEqual([
        'db-primary',
      ])
    })

    it('is connected while polled within 60 s of mock time; last_visit_time is when that changed', async () => {
      const before = (await list('?id=seeded-1')).source_servers[0]
      expect(before?.connected).toBe(false)
      const polled = await api.getCommand('seeded-1')
      const pollAt = Date.parse(polled.headers.get('date') ?? '')
      await polled.text()
      const on = (await list('?id=seeded-1')).source_servers[0]
      expect(on?.connected).toBe(true)
      expect(Math.abs((on?.last_visit_time ?? 0) - pollAt)).toBeLessThan(2_000)
      await api.admin('POST', '/clock', { advanceMs: 30_000 })
      await expectCommand(await api.getCommand('seeded-1'))
      const still = (await list('?id=seeded-1')).source_servers[0]
      expect(still?.connected).toBe(true)
      expect(still?.last_visit_time).toBe(on?.last_visit_time)
      await api.admin('POST', '/clock', { advanceMs: 61_000 })
      const off = (await list('?id=seeded-1')).source_servers[0]
      expect(off?.connected).toBe(false)
      expect((off?.last_visit_time ?? 0) - (on?.last_visit_time ?? 0)).toBeGreaterThanOrEqual(
        30_000 + 60_000,
      )
    })

    it('answers bad queries 400 naming the parameter, and unauthenticated calls 401', async () => {
      for (const [query, field] of [
        ['?limit=abc', /^limit/],
        ['?limit=201', /^limit/],
        ['?offset=-1', /^offset/],
        ['?connected=maybe', /^connected/],
      ] as const) {
        await expectError(
          await target.fetch(`${target.baseUrl}/v3/sources${query}`, {
            headers: { 'x-auth-token': 'tok-demo' },
          }),
          400,
          'SMS.0400',
          field,
        )
      }
      await expectError(await target.fetch(`${target.baseUrl}/v3/sources`), 401, 'APIGW.0301')
    })

    it('is discovered whole by core’s listServers, page by page, with filters passed through', async () => {
      for (const n of [1, 2, 3, 4]) {
        await api.register(`fleet-${n}`, { name: `北京-数据库-0${n}`, state: 'stopped' })
      }
      const seen: { id?: string; name?: string }[] = []
      for await (const server of client().listServers({ limit: 2 })) seen.push(server)
      expect(seen.map((s) => s.id)).toEqual([
        'seeded-1',
        'fleet-1',
        'fleet-2',
        'fleet-3',
        'fleet-4',
      ])
      expect(seen[1]?.name).toBe('北京-数据库-01')
      const stopped: string[] = []
      for await (const server of client().listServers({ state: 'stopped', name: '数据库' })) {
        stopped.push(server.id ?? '')
      }
      expect(stopped).toEqual(['fleet-1', 'fleet-2', 'fleet-3', 'fleet-4'])
    })
  })

  it('formats X-Sdk-Date as core does (sanity)', () => {
    expect(formatSdkDate(new Date('2026-01-02T03:04:05Z'))).toBe('20260102T030405Z')
  })
}
