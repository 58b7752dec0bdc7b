import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { fakeFetch, json, rejection } from '../../test/fake-fetch.ts'
import {
  type IamPasswordRejectedError,
  isIamPasswordRejectedError,
} from '../errors/iam-password-rejected-error.ts'
import type { SmsApiError } from '../errors/sms-api-error.ts'
import type { SmsInputError } from '../errors/sms-input-error.ts'
import { isSmsNetworkError } from '../errors/sms-network-error.ts'
import type { SmsResponseValidationError } from '../errors/sms-response-validation-error.ts'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import type { AuthRequest } from './auth-provider.ts'
import { type IamRejectionRecord, iamPasswordToken } from './iam-password-token.ts'

const PASSWORD = 'Pa55-secret-word!'
const HOUR = 3_600_000
const request: AuthRequest = {
  method: 'GET',
  url: new URL('https://sms.example.test/v3/sources/s/command'),
  headers: new Headers(),
  body: null,
}

function issued(token: string, expiresAt: number) {
  return json(
    { token: { expires_at: new Date(expiresAt).toISOString(), methods: ['password'] } },
    201,
    {
      'X-Subject-Token': token,
    },
  )
}

function setup(script: Parameters<typeof fakeFetch>[0], extra: Record<string, unknown> = {}) {
  const scheduler = createVirtualScheduler(Date.UTC(2026, 10, 27))
  const iam = fakeFetch(script)
  const auth = iamPasswordToken({
    iamEndpoint: 'https://iam.example.test/',
    user: 'ops',
    password: PASSWORD,
    domain: 'acme',
    fetch: iam.fetch,
    scheduler,
    ...extra,
  })
  return { auth, iam, scheduler }
}

describe('iamPasswordToken', () => {
  it('requests a domain-scoped token with the password flow of docs/api.md §4', async () => {
    const withToken = setup([issued('tok-1', Date.UTC(2026, 10, 28))])
    expect(await withToken.auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    const sent = withToken.iam.requests[0]
    expect(sent?.method).toBe('POST')
    expect(sent?.url).toBe('https://iam.example.test/v3/auth/tokens?nocatalog=true')
    expect(JSON.parse(sent?.body ?? '')).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'ops', password: PASSWORD, domain: { name: 'acme' } } },
        },
        scope: { domain: { name: 'acme' } },
      },
    })
    expect(withToken.auth.kind).toBe('iam-password')
  })

  it('uses a project scope when given', async () => {
    const { auth, iam } = setup([issued('t', Date.UTC(2026, 10, 28))], {
      scope: { project: { id: 'p1' } },
    })
    await auth.authorize(request)
    expect(JSON.parse(iam.requests[0]?.body ?? '').auth.scope).toEqual({ project: { id: 'p1' } })
  })

  it('caches the token until expires_at minus the margin, then fetches a new one', async () => {
    const start = Date.UTC(2026, 10, 27)
    const { auth, iam, scheduler } = setup(
      [issued('tok-1', start + 24 * HOUR), issued('tok-2', start + 48 * HOUR)],
      {
        refreshMarginMs: 10 * 60_000,
      },
    )
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    await scheduler.advance(24 * HOUR - 10 * 60_000 - 1)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(iam.requests).toHaveLength(1)
    await scheduler.advance(1)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-2' })
    expect(iam.requests).toHaveLength(2)
  })

  it('shares one IAM request among concurrent callers', async () => {
    const { auth, iam } = setup([issued('tok-1', Date.UTC(2026, 10, 28))])
    const tokens = await Promise.all(Array.from({ length: 20 }, () => auth.authorize(request)))
    expect(new Set(tokens.map((headers) => headers['X-Auth-Token']))).toEqual(new Set(['tok-1']))
    expect(iam.requests).toHaveLength(1)
  })

  it('refreshes a rejected token once, and ignores refreshes of a token already replaced', async () => {
    const end = Date.UTC(2026, 10, 28)
    const { auth, iam } = setup([issued('tok-1', end), issued('tok-2', end), issued('tok-3', end)])
    const first = await auth.authorize(request)
    await Promise.all([auth.refresh?.(first), auth.refresh?.(first), auth.refresh?.(first)])
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-2' })
    await auth.refresh?.(first)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-2' })
    expect(iam.requests).toHaveLength(2)
  })

  it('surfaces a wrong password as an API error naming the IAM call, without the password', async () => {
    const { auth } = setup([
      json(
        {
          error: {
            code: 401,
            message: 'The username or password is wrong.',
            title: 'Unauthorized',
          },
        },
        401,
      ),
    ])
    const error = (await rejection(auth.authorize(request))) as SmsApiError
    expect(error.name).toBe('SmsApiError')
    expect(error.status).toBe(401)
    expect(error.errorCode).toBe('401')
    expect(error.message).toContain('POST /v3/auth/tokens failed with HTTP 401')
    for (const view of [
      error.message,
      JSON.stringify(error),
      inspect(error, { depth: null, showHidden: true }),
    ]) {
      expect(view).not.toContain(PASSWORD)
    }
  })

  it('rejects an answer without X-Subject-Token or expires_at, naming what is missing', async () => {
    const noHeader = setup([json({ token: { expires_at: '2026-11-28T00:00:00Z' } }, 201)])
    expect(
      ((await rejection(noHeader.auth.authorize(request))) as SmsResponseValidationError).field,
    ).toBe('X-Subject-Token')
    const noExpiry = setup([json({ token: {} }, 201, { 'X-Subject-Token': 'tok' })])
    expect(
      ((await rejection(noExpiry.auth.authorize(request))) as SmsResponseValidationError).field,
    ).toBe('token.expires_at')
  })

  it('reports an unreachable IAM as a network error and tries again on the next call', async () => {
    const { auth, iam } = setup([
      new TypeError('fetch failed'),
      issued('tok-1', Date.UTC(2026, 10, 28)),
    ])
    expect(isSmsNetworkError(await rejection(auth.authorize(request)))).toBe(true)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(iam.requests).toHaveLength(2)
  })

  it('lets one caller give up without failing the others waiting for the same token', async () => {
    let release: ((response: Response) => void) | undefined
    const slow = () =>
      new Promise<Response>((resolve) => {
        release = resolve
      })
    const { auth } = setup([slow])
    const controller = new AbortController()
    const impatient = auth.authorize(request, controller.signal)
    const patient = auth.authorize(request)
    controller.abort(new DOMException('bye', 'AbortError'))
    expect(((await rejection(impatient)) as Error).name).toBe('AbortError')
    while (!release) await new Promise((resolve) => setTimeout(resolve, 1))
    release(issued('tok-1', Date.UTC(2026, 10, 28)))
    expect(await patient).toEqual({ 'X-Auth-Token': 'tok-1' })
  })

  it.each(['user', 'password', 'domain'])('rejects an empty %s at creation', (field) => {
    let caught: unknown
    try {
      setup([], { [field]: '' })
    } catch (error) {
      caught = error
    }
    expect((caught as SmsInputError).field).toBe(field)
  })

  it('keeps the password and token out of the provider itself', async () => {
    const { auth } = setup([issued('tok-secret-1', Date.UTC(2026, 10, 28))])
    await auth.authorize(request)
    for (const view of [
      JSON.stringify(auth),
      inspect(auth, { depth: null, showHidden: true }),
      String(auth),
    ]) {
      expect(view).not.toContain(PASSWORD)
      expect(view).not.toContain('tok-secret-1')
    }
  })
})

describe('iamPasswordToken: the IAM endpoint', () => {
  it.each([
    'https://iam.example.test',
    'https://iam.example.test/',
    'https://iam.example.test/v3',
    'https://iam.example.test/v3/',
    'https://iam.example.test/v3/auth/tokens',
    'https://iam.example.test/v3/auth/tokens/',
    'https://iam.example.test/V3',
    'https://iam.example.test/v3/auth',
    'https://iam.example.test/V3/Auth/Tokens',
  ])('reads %s as the same endpoint', async (iamEndpoint) => {
    const { auth, iam } = setup([issued('tok-1', Date.UTC(2026, 10, 28))], { iamEndpoint })
    await auth.authorize(request)
    expect(iam.requests[0]?.url).toBe('https://iam.example.test/v3/auth/tokens?nocatalog=true')
  })

  it('keeps a path prefix before /v3', async () => {
    const { auth, iam } = setup([issued('tok-1', Date.UTC(2026, 10, 28))], {
      iamEndpoint: 'https://proxy.example.test/iam/v3/',
    })
    await auth.authorize(request)
    expect(iam.requests[0]?.url).toBe(
      'https://proxy.example.test/iam/v3/auth/tokens?nocatalog=true',
    )
  })

  it('names IAM and the URL requested in its errors, so an app can say "check --iam-endpoint"', async () => {
    const { auth } = setup([json({ error_code: 'APIGW.0101', error_msg: 'not found' }, 404)])
    const error = (await rejection(auth.authorize(request))) as SmsApiError
    expect(error.service).toBe('iam')
    expect(error.url).toBe('https://iam.example.test/v3/auth/tokens?nocatalog=true')
    expect(error.message).toContain(
      '(IAM at https://iam.example.test/v3/auth/tokens?nocatalog=true)',
    )
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ service: 'iam' })
  })

  it('names IAM in network errors too', async () => {
    const { auth } = setup([new TypeError('fetch failed')])
    const error = (await rejection(auth.authorize(request))) as SmsApiError
    expect(isSmsNetworkError(error)).toBe(true)
    expect(error.service).toBe('iam')
    expect(error.message).toContain('IAM at https://iam.example.test/')
  })

  it.each(['ftp://iam.example.test', 'iam.example.test', ''])(
    'rejects %j at creation',
    (iamEndpoint) => {
      let caught: unknown
      try {
        setup([], { iamEndpoint })
      } catch (error) {
        caught = error
      }
      expect((caught as SmsInputError).field).toBe('iamEndpoint')
    },
  )
})

describe('iamPasswordToken: a wrong password', () => {
  const wrongPassword = () =>
    json(
      {
        error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
      },
      401,
    )

  it('sends no second login with a rejected password until the lockout window has passed', async () => {
    const { auth, iam, scheduler } = setup([
      wrongPassword(),
      issued('tok-1', Date.UTC(2026, 10, 28)),
    ])
    const first = (await rejection(auth.authorize(request))) as SmsApiError
    expect(first.status).toBe(401)
    expect(first.message).toContain('no login with this password is sent again for 15 min')
    for (let call = 0; call < 10; call++) {
      const error = (await rejection(auth.authorize(request))) as IamPasswordRejectedError
      expect(isIamPasswordRejectedError(error)).toBe(true)
      expect(error.retryAt).toBe(Date.UTC(2026, 10, 27, 0, 15))
      expect(error.cause).toBe(first)
      expect(error.message).not.toContain(PASSWORD)
      await scheduler.advance(60_000)
    }
    expect(iam.requests).toHaveLength(1)
    await scheduler.advance(5 * 60_000)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(iam.requests).toHaveLength(2)
  })

  it('tries again at once when the password read from the reader has changed', async () => {
    let password = 'wrong-password'
    const { auth, iam } = setup([wrongPassword(), issued('tok-1', Date.UTC(2026, 10, 28))], {
      password: async () => password,
    })
    await rejection(auth.authorize(request))
    expect(isIamPasswordRejectedError(await rejection(auth.authorize(request)))).toBe(true)
    expect(iam.requests).toHaveLength(1)
    password = PASSWORD
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(JSON.parse(iam.requests[1]?.body ?? '').auth.identity.password.user.password).toBe(
      PASSWORD,
    )
  })

  it('honours lockoutMs', async () => {
    const { auth, iam, scheduler } = setup(
      [wrongPassword(), wrongPassword(), issued('tok-1', Date.UTC(2026, 10, 28))],
      { lockoutMs: 60 * 60_000 },
    )
    await rejection(auth.authorize(request))
    await scheduler.advance(59 * 60_000)
    expect(isIamPasswordRejectedError(await rejection(auth.authorize(request)))).toBe(true)
    await scheduler.advance(60_000)
    expect(((await rejection(auth.authorize(request))) as SmsApiError).status).toBe(401)
    expect(iam.requests).toHaveLength(2)
  })

  it('reports a password reader that fails as a password error with the cause, and reads again next time', async () => {
    let fail = true
    const { auth, iam } = setup([issued('tok-1', Date.UTC(2026, 10, 28))], {
      password: () => {
        if (fail) throw new Error('ENOENT: /etc/sms/password')
        return PASSWORD
      },
    })
    const error = (await rejection(auth.authorize(request))) as SmsInputError
    expect(error.field).toBe('password')
    expect((error.cause as Error).message).toContain('ENOENT')
    expect(iam.requests).toHaveLength(0)
    fail = false
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
  })
})

describe('iamPasswordToken: a rejection kept across restarts', () => {
  const wrongPassword = () =>
    json(
      {
        error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
      },
      401,
    )
  /** A store as a state file would be: survives the provider (the "process"). */
  function memoryStore() {
    const saved: (IamRejectionRecord | undefined)[] = []
    let record: IamRejectionRecord | undefined
    return {
      saved,
      get record() {
        return record
      },
      store: {
        load: async () => record,
        save: async (next: IamRejectionRecord | undefined) => {
          saved.push(next)
          record = next
        },
      },
    }
  }

  it('sends one rejected login over many restarts inside the window', async () => {
    const kept = memoryStore()
    const scheduler = createVirtualScheduler(Date.UTC(2026, 10, 27))
    const iam = fakeFetch([wrongPassword(), wrongPassword(), wrongPassword()])
    const restart = () =>
      iamPasswordToken({
        iamEndpoint: 'https://iam.example.test/',
        user: 'ops',
        password: 'wrong-password',
        domain: 'acme',
        fetch: iam.fetch,
        scheduler,
        rejections: kept.store,
      })
    expect(((await rejection(restart().authorize(request))) as SmsApiError).status).toBe(401)
    for (let run = 0; run < 5; run++) {
      const error = (await rejection(restart().authorize(request))) as IamPasswordRejectedError
      expect(isIamPasswordRejectedError(error)).toBe(true)
      expect(error.retryAt).toBe(Date.UTC(2026, 10, 27, 0, 15))
      await scheduler.advance(60_000)
    }
    expect(iam.requests).toHaveLength(1)
    await scheduler.advance(10 * 60_000)
    expect(((await rejection(restart().authorize(request))) as SmsApiError).status).toBe(401)
    expect(iam.requests).toHaveLength(2)
  })

  it('keeps only a salted fingerprint, never the password, and clears it after a success', async () => {
    const kept = memoryStore()
    let password = 'wrong-password'
    const make = (answer: ReturnType<typeof wrongPassword>) =>
      setup([answer], { password: async () => password, rejections: kept.store })
    await rejection(make(wrongPassword()).auth.authorize(request))
    const record = kept.record
    expect(record).toMatchObject({ at: Date.UTC(2026, 10, 27) })
    expect(record?.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(record)).not.toContain('wrong-password')
    // A fixed password (file) is sent at once by the next process, and the record is cleared.
    password = PASSWORD
    const next = make(issued('tok-1', Date.UTC(2026, 10, 28)))
    expect(await next.auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(kept.saved.at(-1)).toBeUndefined()
  })

  it('does not apply a kept rejection to another user, and ignores a malformed record', async () => {
    const kept = memoryStore()
    await rejection(
      setup([wrongPassword()], { password: 'same', rejections: kept.store }).auth.authorize(
        request,
      ),
    )
    const other = setup([issued('tok-1', Date.UTC(2026, 10, 28))], {
      user: 'other',
      password: 'same',
      rejections: kept.store,
    })
    expect(await other.auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    const garbage = setup([issued('tok-2', Date.UTC(2026, 10, 28))], {
      password: 'same',
      rejections: { load: async () => ({ at: 'x' }) as never, save: async () => {} },
    })
    expect(await garbage.auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-2' })
  })

  it('still fails fast in memory when the store cannot save', async () => {
    const { auth, iam } = setup([wrongPassword()], {
      password: 'wrong-password',
      rejections: {
        load: async () => {
          throw new Error('EACCES')
        },
        save: async () => {
          throw new Error('ENOSPC')
        },
      },
    })
    expect(((await rejection(auth.authorize(request))) as SmsApiError).status).toBe(401)
    expect(isIamPasswordRejectedError(await rejection(auth.authorize(request)))).toBe(true)
    expect(iam.requests).toHaveLength(1)
  })
})

describe('iamPasswordToken: expiry', () => {
  it('reads expires_at with six fractional digits', async () => {
    const start = Date.UTC(2026, 10, 27)
    const { auth, iam, scheduler } = setup(
      [
        json({ token: { expires_at: '2026-11-28T00:00:00.812000Z' } }, 201, {
          'X-Subject-Token': 'tok-1',
        }),
        issued('tok-2', start + 48 * HOUR),
      ],
      { refreshMarginMs: 0 },
    )
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    await scheduler.advance(24 * HOUR + 811)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    await scheduler.advance(1)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-2' })
    expect(iam.requests).toHaveLength(2)
  })

  it("counts the token's lifetime from IAM's Date header, not the local clock", async () => {
    // IAM's clock is two hours ahead of this machine's: its 24-hour token is still good for 24 hours here.
    const start = Date.UTC(2026, 10, 27)
    const { auth, iam, scheduler } = setup(
      [
        json({ token: { expires_at: new Date(start + 26 * HOUR).toISOString() } }, 201, {
          'X-Subject-Token': 'tok-1',
          Date: new Date(start + 2 * HOUR).toUTCString(),
        }),
      ],
      { refreshMarginMs: 0 },
    )
    await auth.authorize(request)
    await scheduler.advance(23 * HOUR)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(iam.requests).toHaveLength(1)
  })
})
