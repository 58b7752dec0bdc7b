import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { fakeFetch, json, rejection, smsError } from '../../test/fake-fetch.ts'
import { createSmsClient } from '../client/create-sms-client.ts'
import type { SmsApiError } from '../errors/sms-api-error.ts'
import type { SmsInputError } from '../errors/sms-input-error.ts'
import { type AuthRefreshEvent, createAuthProvider } from './create-auth-provider.ts'
import { refreshableToken } from './refreshable-token.ts'

const request = {
  method: 'GET',
  url: new URL('https://x.test/'),
  headers: new Headers(),
  body: null,
}

/** An API that accepts only `accepted.value` as token. */
function apiAccepting(accepted: { value: string }) {
  return fakeFetch([], (incoming) =>
    incoming.headers.get('X-Auth-Token') === accepted.value
      ? json({})
      : smsError(401, 'APIGW.0301', 'expired'),
  )
}

describe('refreshableToken', () => {
  it('reloads the token after a 401 and retries with the new one', async () => {
    const accepted = { value: 'old' }
    const api = apiAccepting(accepted)
    let file = 'old\n'
    const outcomes: string[] = []
    const auth = refreshableToken({
      token: file,
      reload: async () => file,
      onReload: (outcome) => outcomes.push(outcome),
    })
    const client = createSmsClient({ endpoint: 'https://sms.example.test', auth, fetch: api.fetch })
    expect(await client.getCommand('s')).toBeNull()
    accepted.value = 'new'
    file = 'new\n'
    expect(await client.getCommand('s')).toBeNull()
    expect(outcomes).toEqual(['replaced'])
    expect(api.requests.map((sent) => sent.headers['x-auth-token'])).toEqual(['old', 'old', 'new'])
  })

  const reloads: [string, () => Promise<string>][] = [
    ['unchanged', async () => 'old'],
    ['invalid', async () => ''],
    ['failed', () => Promise.reject(new Error('ENOENT'))],
  ]
  it.each(reloads)('lets the 401 surface when the reload is %s', async (outcome, reload) => {
    const api = apiAccepting({ value: 'new' })
    const outcomes: string[] = []
    const auth = refreshableToken({ token: 'old', reload, onReload: (seen) => outcomes.push(seen) })
    const client = createSmsClient({ endpoint: 'https://sms.example.test', auth, fetch: api.fetch })
    expect(((await rejection(client.getCommand('s'))) as SmsApiError).status).toBe(401)
    expect(outcomes).toEqual([outcome])
  })

  it('rejects an empty first token, naming the field', () => {
    let caught: unknown
    try {
      refreshableToken({ token: ' ', reload: async () => 'x' })
    } catch (error) {
      caught = error
    }
    expect((caught as SmsInputError).field).toBe('token')
  })
})

describe('createAuthProvider', () => {
  it('builds a static token, or a reloading one when it came from a file', async () => {
    expect(createAuthProvider({ kind: 'token', token: 't' }).kind).toBe('token')
    const reads: string[] = []
    const fromFile = createAuthProvider(
      { kind: 'token', token: 't', tokenFile: '/run/sms/token' },
      {
        readTextFile: async (path) => {
          reads.push(path)
          return 't2'
        },
      },
    )
    expect(fromFile.kind).toBe('refreshable-token')
    await fromFile.refresh?.({ 'X-Auth-Token': 't' })
    expect(reads).toEqual(['/run/sms/token'])
    expect(await fromFile.authorize(request)).toEqual({ 'X-Auth-Token': 't2' })
  })

  it('builds an AK/SK signer with the domain id', async () => {
    const auth = createAuthProvider({ kind: 'ak-sk', ak: 'AK', sk: 'SK-secret', domainId: 'dom' })
    const headers = await auth.authorize(request)
    expect(headers['X-Domain-Id']).toBe('dom')
    expect(headers.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=AK, /)
    expect(inspect(auth, { depth: null, showHidden: true })).not.toContain('SK-secret')
  })

  it('builds an IAM password token and reports each refresh without secrets', async () => {
    let issued = 0
    const iam = fakeFetch([], () =>
      json({ token: { expires_at: '2099-01-01T00:00:00Z' } }, 201, {
        'X-Subject-Token': `tok-${++issued}`,
      }),
    )
    const events: AuthRefreshEvent[] = []
    const auth = createAuthProvider(
      {
        kind: 'iam-password',
        iamEndpoint: 'https://iam.test',
        user: 'u',
        password: 'pw-secret',
        domain: 'd',
      },
      { fetch: iam.fetch, onRefresh: (event) => events.push(event) },
    )
    const first = await auth.authorize(request)
    await auth.refresh?.(first)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-2' })
    expect(events.map((event) => event.outcome)).toEqual(['started', 'replaced'])
    expect(JSON.stringify(events)).not.toMatch(/pw-secret|tok-/)
  })

  it('reads the IAM password file again before a login after IAM rejected the old password', async () => {
    const iam = fakeFetch([], async (incoming) => {
      const sent = JSON.parse(iam.requests.at(-1)?.body ?? '{}')
      void incoming
      return sent.auth.identity.password.user.password === 'fixed'
        ? json({ token: { expires_at: '2099-01-01T00:00:00Z' } }, 201, {
            'X-Subject-Token': 'tok-1',
          })
        : json({ error: { code: 401, message: 'The username or password is wrong.' } }, 401)
    })
    let file = 'typo\n'
    const auth = createAuthProvider(
      {
        kind: 'iam-password',
        iamEndpoint: 'https://iam.test/v3',
        user: 'u',
        password: 'typo',
        passwordFile: '/etc/sms/password',
        domain: 'd',
      },
      { fetch: iam.fetch, readTextFile: async () => file },
    )
    expect(((await rejection(auth.authorize(request))) as SmsApiError).status).toBe(401)
    expect(((await rejection(auth.authorize(request))) as Error).name).toBe(
      'IamPasswordRejectedError',
    )
    expect(iam.requests).toHaveLength(1)
    file = 'fixed\n'
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(iam.requests.map((sent) => sent.url)).toEqual([
      'https://iam.test/v3/auth/tokens?nocatalog=true',
      'https://iam.test/v3/auth/tokens?nocatalog=true',
    ])
  })
})
