import { signRequest } from '@sms-command/core/signing'
import { describe, expect, it } from 'vitest'
import { passwordLogin } from '../../test/conformance/helpers.ts'
import { VALIBOT_DEFAULT_TEXT, WRONG_VALUES } from '../../test/house-style.ts'
import { createMockApp } from '../app.ts'
import { MockConfigError } from '../errors.ts'
import { resolveSettings } from '../options.ts'
import { MemoryStore } from '../store/memory-store.ts'

const SCENARIO = {
  accounts: [{ name: 'acme' }],
  tokens: ['tok-demo', { token: 'tok-acme', account: 'acme' }],
  servers: [{ id: 's1' }, { id: 'acme-1', domain: 'acme', name: 'web-01' }],
}

const REAL_NOW = Date.UTC(2026, 10, 29, 12)

function mock(options: Parameters<typeof createMockApp>[0] = {}) {
  // A still real clock: the mock clock reads exactly what it was set to.
  const app = createMockApp({ scenario: SCENARIO, seed: 1, clock: () => REAL_NOW, ...options })
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(`/_mock${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text), res }
  }
  return { app, admin }
}

/** Every `date` header must be an HTTP date that parses. */
function expectValidDate(res: Response) {
  const date = res.headers.get('date') ?? ''
  expect(date).not.toMatch(/Invalid/)
  expect(Number.isNaN(Date.parse(date))).toBe(false)
}

describe('admin clock', () => {
  it('refuses a date past 9999 (year 275760) with 400 MOCK.0400 naming `to`, and keeps answering', async () => {
    const { admin, app } = mock()
    const far = await admin('POST', '/clock', { to: '+275760-09-13T00:00:00.000Z' })
    expect(far.status).toBe(400)
    expect(far.body.error_code).toBe('MOCK.0400')
    expect(far.body.error_msg).toMatch(
      /^to: .*1970-01-01T00:00:00\.000Z to 9999-12-31T23:59:59\.999Z/,
    )
    const read = await admin('GET', '/clock')
    expect(read.status).toBe(200)
    expectValidDate(read.res)
    const valid = await admin('POST', '/clock', { to: '2030-01-01T00:00:00.000Z' })
    expect(valid.status).toBe(200)
    expect(valid.body.now).toBe('2030-01-01T00:00:00.000Z')
    const poll = await app.request('/v3/sources/s1/command', {
      headers: { 'x-auth-token': 'tok-demo' },
    })
    expect(poll.status).toBe(200)
    expectValidDate(poll)
  })

  it('accepts the last instant of 9999 and dates answers with it', async () => {
    const { admin } = mock()
    const last = await admin('POST', '/clock', { to: '9999-12-31T23:59:59.999Z' })
    expect(last.status).toBe(200)
    expect(last.body.now).toBe('9999-12-31T23:59:59.999Z')
    expect(last.res.headers.get('date')).toBe('Fri, 31 Dec 9999 23:59:59 GMT')
    expectValidDate(last.res)
  })

  it('stays at the last instant of 9999 as real time passes it: Date, clock, skew text, expires_at', async () => {
    let real = REAL_NOW
    const app = createMockApp({
      seed: 1,
      clock: () => real,
      scenario: {
        users: [{ name: 'ops', password: 'pw' }],
        accessKeys: [{ ak: 'AK1', sk: 'SK1', user: 'ops' }],
        tokens: ['tok-demo'],
        servers: [{ id: 's1' }],
      },
    })
    const set = await app.request('/_mock/clock', {
      method: 'POST',
      body: JSON.stringify({ to: '9999-12-31T23:59:59.000Z' }),
    })
    expect(set.status).toBe(200)
    real += 2_000
    const clock = await app.request('/_mock/clock')
    expect(clock.headers.get('date')).toBe('Fri, 31 Dec 9999 23:59:59 GMT')
    expect((await clock.json()).now).toBe('9999-12-31T23:59:59.999Z')
    const poll = await app.request('/v3/sources/s1/command', {
      headers: { 'x-auth-token': 'tok-demo' },
    })
    expect(poll.headers.get('date')).toBe('Fri, 31 Dec 9999 23:59:59 GMT')
    const url = 'http://localhost/v3/sources/s1/command'
    const signed = await signRequest(
      { method: 'GET', url, headers: {} },
      { ak: 'AK1', sk: 'SK1' },
      new Date(REAL_NOW),
    )
    const skewed = await app.request(url, { headers: { ...signed } })
    expect(skewed.status).toBe(401)
    expect((await skewed.json()).error_msg).toMatch(/server time:99991231T235959Z$/)
    const login = await app.request('/v3/auth/tokens?nocatalog=true', passwordLogin('ops', 'pw'))
    expect(login.status).toBe(201)
    const token = (await login.json()).token
    expect(token.expires_at).toBe('9999-12-31T23:59:59.999Z')
    expect(token.issued_at).toBe('9999-12-31T23:59:59.999Z')
  })

  it('refuses dates before 1970 and text that is not an ISO 8601 date, naming `to`', async () => {
    const { admin } = mock()
    for (const to of ['1969-12-31T23:59:59Z', 'Dec 25, 1995', '1', '', 'not a date']) {
      const res = await admin('POST', '/clock', { to })
      expect(res.status, to).toBe(400)
      expect(res.body.error_msg, to).toMatch(/^to: expected an ISO 8601 date/)
    }
  })

  it('refuses `to` dates that do not exist instead of rolling them over, naming the part', async () => {
    const { admin } = mock()
    for (const [to, part] of [
      ['2030-02-30', /^to: expected an ISO 8601 date that exists: day 30 is not 01–28 in 2030-02$/],
      ['2030-02-29', /^to: .*day 29 is not 01–28 in 2030-02$/],
      ['2030-04-31', /^to: .*day 31 is not 01–30 in 2030-04$/],
      ['2030-01-01T24:00:00', /^to: .*hour 24 is not 00–23$/],
    ] as const) {
      const res = await admin('POST', '/clock', { to })
      expect(res.status, to).toBe(400)
      expect(res.body.error_code, to).toBe('MOCK.0400')
      expect(res.body.error_msg, to).toMatch(part)
    }
    expect((await admin('GET', '/clock')).body.now).toBe(new Date(REAL_NOW).toISOString())
  })

  it('refuses `to` written outside the grammar: nine fraction digits, an offset +0100', async () => {
    const { admin } = mock()
    for (const to of ['2030-01-01T00:00:00.123456789Z', '2030-01-01T00:00:00+0100']) {
      const res = await admin('POST', '/clock', { to })
      expect(res.status, to).toBe(400)
      expect(res.body.error_msg, to).toMatch(
        /^to: expected an ISO 8601 date YYYY-MM-DD\[THH:MM\[:SS\[\.sss\]\]\[Z\|±HH:MM\]\] \(no offset: UTC\)/,
      )
    }
  })

  it('reads a `to` date-time without offset as UTC, as a date alone is', async () => {
    const { admin } = mock()
    const local = await admin('POST', '/clock', { to: '2030-01-01T00:00:00' })
    expect(local.status).toBe(200)
    expect(local.body.now).toBe('2030-01-01T00:00:00.000Z')
    const dateOnly = await admin('POST', '/clock', { to: '2030-01-02' })
    expect(dateOnly.body.now).toBe('2030-01-02T00:00:00.000Z')
    const offset = await admin('POST', '/clock', { to: '2030-01-01T09:00+09:00' })
    expect(offset.body.now).toBe('2030-01-01T00:00:00.000Z')
  })

  it('refuses an advance that would carry the clock past 9999, naming advanceMs', async () => {
    const { admin } = mock()
    expect((await admin('POST', '/clock', { to: '9999-06-01T00:00:00Z' })).status).toBe(200)
    const year = 365 * 86_400_000
    const past = await admin('POST', '/clock', { advanceMs: year })
    expect(past.status).toBe(400)
    expect(past.body.error_code).toBe('MOCK.0400')
    expect(past.body.error_msg).toMatch(/^advanceMs: would move the mock clock past 9999-12-31/)
    expect((await admin('GET', '/clock')).body.now).toBe('9999-06-01T00:00:00.000Z')
  })

  it('refuses advanceMs past ten years, `to` with advanceMs, and neither', async () => {
    const { admin } = mock()
    const long = await admin('POST', '/clock', { advanceMs: 10 * 365 * 86_400_000 + 1 })
    expect(long.body.error_msg).toMatch(/^advanceMs: expected at most 315360000000 \(ten years\)/)
    const both = await admin('POST', '/clock', { advanceMs: 1, to: '2030-01-01T00:00:00Z' })
    expect(both.status).toBe(400)
    expect(both.body.error_msg).toMatch(/expected \{"advanceMs": N\} or \{"to"/)
    expect((await admin('POST', '/clock', {})).status).toBe(400)
  })
})

describe('admin times and durations', () => {
  it('refuses a command releaseAfterMs past ten years, naming the field', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/servers/s1/commands', {
      command_name: 'SYNC',
      releaseAfterMs: 8.64e15,
    })
    expect(res.status).toBe(400)
    expect(res.body.error_code).toBe('MOCK.0400')
    expect(res.body.error_msg).toMatch(/^releaseAfterMs: expected 0–315360000000 \(ten years\) ms/)
    const listed = await admin('POST', '/servers/s1/commands', [
      { command_name: 'A' },
      { command_name: 'B', releaseAfterMs: 1e300 },
    ])
    expect(listed.body.error_msg).toMatch(/^\[1\]\.releaseAfterMs: expected 0–315360000000/)
  })

  it('schedules a command ten years ahead from the last day of 9999 and still shows its dates', async () => {
    const { admin } = mock()
    await admin('POST', '/clock', { to: '9999-12-31T23:59:59.999Z' })
    const res = await admin('POST', '/servers/s1/commands', {
      command_name: 'LATE',
      releaseAfterMs: 10 * 365 * 86_400_000,
    })
    expect(res.status).toBe(201)
    expect(res.body.enqueued[0].releaseAt).toMatch(/^\+0100\d\d-/)
    const view = await admin('GET', '/servers/s1')
    expect(view.status).toBe(200)
    expect(view.body.scheduled).toHaveLength(1)
  })

  it('refuses a token expiresInMs past ten years at POST /_mock/identity, naming its path', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/identity', {
      tokens: [{ token: 'forever', expiresInMs: 1e300 }],
    })
    expect(res.status).toBe(400)
    expect(res.body.error_msg).toMatch(/^tokens\[0\]\.expiresInMs: expected 0–315360000000/)
  })

  it('answers an absurd fault retryAfterSeconds as given and keeps serving', async () => {
    const { admin, app } = mock()
    const added = await admin('POST', '/faults', {
      kind: 'status',
      status: 503,
      count: 1,
      retryAfterSeconds: Number.MAX_VALUE,
    })
    expect(added.status).toBe(201)
    const hit = await app.request('/v3/sources/s1/command', {
      headers: { 'x-auth-token': 'tok-demo' },
    })
    expect(hit.status).toBe(503)
    expect(hit.headers.get('retry-after')).toBe(String(Number.MAX_VALUE))
    expectValidDate(hit)
    const next = await app.request('/v3/sources/s1/command', {
      headers: { 'x-auth-token': 'tok-demo' },
    })
    expect(next.status).toBe(200)
    expect((await admin('GET', '/faults')).status).toBe(200)
  })

  it('refuses a fault latency past ten minutes, naming the field', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/faults', { kind: 'latency', ms: 2 ** 31 })
    expect(res.status).toBe(400)
    expect(res.body.error_msg).toMatch(/^ms: expected at most 600000/)
  })

  it('takes a rate limit of 1/1000000s and 1000000000/min at POST /_mock/settings, naming what is wrong past them', async () => {
    const { admin } = mock()
    const long = await admin('POST', '/settings', { rateLimit: '1/1000000s' })
    expect(long.status).toBe(200)
    expect(long.body.rateLimit).toEqual({ limit: 1, windowMs: 1_000_000_000, text: '1/1000000s' })
    const many = await admin('POST', '/settings', { rateLimit: '1000000000/min' })
    expect(many.body.rateLimit).toMatchObject({ limit: 1_000_000_000, windowMs: 60_000 })
    const tooLong = await admin('POST', '/settings', { rateLimit: '1/315360001s' })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body.error_msg).toBe(
      'rateLimit: expected a window of at most 3650 days (ten years)',
    )
    const tooMany = await admin('POST', '/settings', { rateLimit: '9007199254740992/min' })
    expect(tooMany.body.error_msg).toBe(
      'rateLimit: expected LIMIT/UNIT with a LIMIT of 1 to 9007199254740991 requests',
    )
  })

  it('refuses an event keep-alive interval a timer cannot hold', () => {
    expect(() => createMockApp({ eventKeepAliveMs: 2 ** 31 })).toThrow(MockConfigError)
    expect(() => createMockApp({ eventKeepAliveMs: 0 })).toThrow(/^eventKeepAliveMs: /)
  })
})

describe('admin faults', () => {
  it('fires a route "any" 500 fault on the next request even when it is /openapi.json, not on the SMS request after it', async () => {
    const { app, admin } = mock()
    await admin('POST', '/faults', { kind: 'status', status: 500, route: 'any', count: 1 })
    const document = await app.request('/openapi.json')
    expect(document.status).toBe(500)
    expect((await document.json()).error_code).toBe('SMS.2007')
    const poll = await app.request('/v3/sources/s1/command', {
      headers: { 'x-auth-token': 'tok-demo' },
    })
    expect(poll.status).toBe(200)
    const journal = await admin('GET', '/journal')
    expect(journal.body.entries[0]).toMatchObject({
      route: 'openapi',
      status: 500,
      errorCode: 'SMS.2007',
      faults: [{ kind: 'status' }],
    })
    expect((await app.request('/openapi.json')).status).toBe(200)
  })

  it('refuses a fault scoped to a server on the fleet list, which names no server', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/faults', {
      kind: 'status',
      status: 503,
      server: 's1',
      route: 'sources',
    })
    expect(res.status).toBe(400)
    expect(res.body.error_code).toBe('MOCK.0400')
    expect(res.body.error_msg).toMatch(
      /^server: a fault scoped to a server never fires on route "sources"/,
    )
    const iam = await admin('POST', '/faults', [
      { kind: 'latency', ms: 1 },
      { kind: 'latency', ms: 1, server: 's1', route: 'iam' },
    ])
    expect(iam.status).toBe(400)
    expect(iam.body.error_msg).toMatch(/^\[1\]\.server: /)
    expect((await admin('GET', '/faults')).body.faults).toEqual([])
  })

  it('takes a server-scoped fault on routes that carry the server id, and fires it', async () => {
    const { admin, app } = mock()
    for (const route of ['sms', 'command', 'command_result', 'any']) {
      const res = await admin('POST', '/faults', {
        kind: 'status',
        status: 500,
        server: 's1',
        route,
        count: 1,
      })
      expect(res.status, route).toBe(201)
    }
    const hit = await app.request('/v3/sources/s1/command', {
      headers: { 'x-auth-token': 'tok-demo' },
    })
    expect(hit.status).toBe(500)
  })

  it('still fires an unscoped fault on the fleet list', async () => {
    const { admin, app } = mock()
    expect(
      (await admin('POST', '/faults', { kind: 'status', status: 503, route: 'sources' })).status,
    ).toBe(201)
    const res = await app.request('/v3/sources', { headers: { 'x-auth-token': 'tok-demo' } })
    expect(res.status).toBe(503)
  })
})

describe('admin server registration', () => {
  it("updates another account's server without repeating its domain, keeping the account", async () => {
    const { admin } = mock()
    const res = await admin('POST', '/servers', { id: 'acme-1', name: 'web-02', state: 'finished' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      id: 'acme-1',
      domain: 'acme',
      name: 'web-02',
      state: 'finished',
    })
    const view = await admin('GET', '/servers/acme-1')
    expect(view.body).toMatchObject({ domain: 'acme', name: 'web-02', state: 'finished' })
  })

  it('refuses a registration naming another account than the owner with 409', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/servers', { id: 'acme-1', domain: 'demo', name: 'x' })
    expect(res.status).toBe(409)
    expect(res.body.error_msg).toBe('server acme-1 is already registered to account acme')
    expect((await admin('GET', '/servers/acme-1')).body.name).toBe('web-01')
  })

  it('registers a new server without a domain to the demo account', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/servers', { id: 'fresh' })
    expect(res.status).toBe(201)
    expect(res.body.domain).toBe('demo')
  })
})

describe('admin bodies', () => {
  it('refuses an unknown field on every object body with 400 naming the field', async () => {
    const { admin } = mock()
    const cases: [string, unknown, RegExp][] = [
      ['/servers', { id: 's1', bogus: 1 }, /^bogus: unknown field$/],
      ['/settings', { authErrors: 'sms', bogus: 1 }, /^bogus: unknown field$/],
      ['/faults', { kind: 'status', status: 503, bogus: 1 }, /^bogus: unknown field$/],
      ['/faults', [{ kind: 'latency', ms: 1, bogus: 1 }], /^\[0\]\.bogus: unknown field$/],
      ['/servers/s1/commands', { command_name: 'A', bogus: 1 }, /^bogus: unknown field$/],
      ['/servers/s1/commands', [{ command_name: 'A', bogus: 1 }], /^\[0\]\.bogus: unknown field$/],
      [
        '/servers/s1/commands',
        { commands: [{ command_name: 'A' }], bogus: 1 },
        /^bogus: unknown field$/,
      ],
      [
        '/servers/s1/commands',
        { commands: [{ command_name: 'A', bogus: 1 }] },
        /^commands\[0\]\.bogus: unknown field$/,
      ],
      ['/tokens/expire', { kind: 'all', bogus: 1 }, /^bogus: unknown field$/],
      ['/tokens/revoke', { kind: 'all', bogus: 1 }, /^bogus: unknown field$/],
      ['/identity', { bogus: 1 }, /^bogus: unknown field$/],
      [
        '/identity',
        { users: [{ name: 'u', password: 'p', bogus: 1 }] },
        /^users\[0\]\.bogus: unknown field$/,
      ],
      ['/identity', { tokens: [{ token: 't', bogus: 1 }] }, /^tokens\[0\]\.bogus: unknown field$/],
      [
        '/identity',
        { accessKeys: [{ ak: 'AK', sk: 'SK', bogus: 1 }] },
        /^accessKeys\[0\]\.bogus: unknown field$/,
      ],
      [
        '/identity',
        { accounts: [{ name: 'x', bogus: 1 }] },
        /^accounts\[0\]\.bogus: unknown field$/,
      ],
      ['/clock', { advanceMs: 1, bogus: 1 }, /^bogus: unknown field$/],
    ]
    for (const [path, body, message] of cases) {
      const res = await admin('POST', path, body)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400)
      expect(res.body.error_code).toBe('MOCK.0400')
      expect(res.body.error_msg, `${path} ${JSON.stringify(body)}`).toMatch(message)
    }
    // Nothing was changed by a refused body.
    expect((await admin('GET', '/servers/s1')).body.queue).toEqual([])
    expect((await admin('GET', '/settings')).body.authErrors).toBe('gateway')
  })

  it('keeps command_param free-form: unknown keys inside it are carried', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/servers/s1/commands', {
      command_name: 'A',
      command_param: { anything: 1 },
    })
    expect(res.status).toBe(201)
    expect(res.body.enqueued[0].command_param).toEqual({ anything: 1 })
  })

  it('names the expected shapes for a command or fault body that is not an object or list', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/servers/s1/commands', 'START')
    expect(res.status).toBe(400)
    expect(res.body.error_msg).toMatch(/^\$: expected a command \{"command_name"/)
    const fault = await admin('POST', '/faults', 503)
    expect(fault.status).toBe(400)
    expect(fault.body.error_msg).toBe('$: expected a fault or a list of faults')
  })
})

describe('admin bodies that must be objects', () => {
  it('refuses a list body at POST /_mock/tokens/revoke and revokes no token', async () => {
    const { admin, app } = mock()
    const res = await admin('POST', '/tokens/revoke', [])
    expect(res.status).toBe(400)
    expect(res.body.error_code).toBe('MOCK.0400')
    expect(res.body.error_msg).toBe('$: expected a JSON object, got an array')
    const poll = await app.request('/v3/sources/s1/command', {
      headers: { 'x-auth-token': 'tok-demo' },
    })
    expect(poll.status).toBe(200)
    expect(
      (await admin('GET', '/identity')).body.tokens.some((t: { revoked: boolean }) => t.revoked),
    ).toBe(false)
  })

  it('refuses a list, null, a string or a number as the body of every object route', async () => {
    const { admin } = mock()
    const routes: [string, string][] = [
      ['POST', '/settings'],
      ['POST', '/identity'],
      ['POST', '/tokens/expire'],
      ['POST', '/tokens/revoke'],
      ['POST', '/servers'],
      ['POST', '/clock'],
      ['POST', '/reset'],
      ['DELETE', '/servers/s1'],
      ['DELETE', '/faults'],
      ['DELETE', '/faults/f1'],
    ]
    const bodies: [unknown, string][] = [
      [[], 'an array'],
      [null, 'null'],
      ['x', 'a string'],
      [7, 'a number'],
      [false, 'false'],
    ]
    for (const [method, path] of routes) {
      for (const [body, kind] of bodies) {
        const res = await admin(method, path, body)
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400)
        expect(res.body.error_code).toBe('MOCK.0400')
        expect(res.body.error_msg).toBe(`$: expected a JSON object, got ${kind}`)
      }
    }
    // Nothing was changed by a refused body.
    expect((await admin('GET', '/settings')).body).toEqual({
      authErrors: 'gateway',
      rateLimit: null,
    })
    expect((await admin('GET', '/servers/s1')).status).toBe(200)
    expect(
      (await admin('GET', '/identity')).body.tokens.some((t: { revoked: boolean }) => t.revoked),
    ).toBe(false)
  })

  it('refuses a list where a nested object belongs, naming its path', async () => {
    const { admin } = mock()
    const cases: [string, unknown, string][] = [
      ['/servers/s1/commands', { command_name: 'A', command_param: [] }, 'command_param'],
      ['/servers/s1/commands', [{ command_name: 'A', command_param: [] }], '[0].command_param'],
      ['/servers/s1/commands', [[]], '[0]'],
      ['/servers/s1/commands', { commands: [[]] }, 'commands[0]'],
      ['/identity', { users: [[]] }, 'users[0]'],
      ['/identity', { tokens: [[]] }, 'tokens[0]'],
      ['/identity', { accessKeys: [[]] }, 'accessKeys[0]'],
      ['/identity', { accounts: [[]] }, 'accounts[0]'],
      ['/identity', { accounts: [{ name: 'x', projects: [[]] }] }, 'accounts[0].projects[0]'],
    ]
    for (const [path, body, field] of cases) {
      const res = await admin('POST', path, body)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400)
      expect(res.body.error_msg, `${path} ${JSON.stringify(body)}`).toMatch(
        new RegExp(
          `^${field.replace(/[[\].]/g, '\\$&')}: expected (a JSON object, got an array|a token string or)`,
        ),
      )
    }
    expect((await admin('GET', '/servers/s1')).body.queue).toEqual([])
  })

  it('refuses a body on routes that take none (POST /reset {"bogus":1}), and takes none or {}', async () => {
    const { admin } = mock()
    await admin('POST', '/faults', { id: 'f1', kind: 'status', status: 503 })
    for (const [method, path] of [
      ['POST', '/reset'],
      ['DELETE', '/servers/s1'],
      ['DELETE', '/faults/f1'],
      ['DELETE', '/faults'],
    ] as const) {
      const res = await admin(method, path, { bogus: 1 })
      expect(res.status, `${method} ${path}`).toBe(400)
      expect(res.body.error_msg).toBe('bogus: unknown field')
    }
    expect((await admin('GET', '/servers/s1')).status).toBe(200)
    expect((await admin('GET', '/faults')).body.faults).toHaveLength(1)
    expect((await admin('DELETE', '/faults/f1', {})).status).toBe(200)
    expect((await admin('DELETE', '/faults')).status).toBe(200)
    expect((await admin('POST', '/reset', {})).status).toBe(200)
    expect((await admin('POST', '/reset')).status).toBe(200)
  })

  it('names an empty server name in the house style, not valibot\'s "Invalid length"', async () => {
    const { admin } = mock()
    const res = await admin('POST', '/servers', { id: 'n1', name: '' })
    expect(res.status).toBe(400)
    expect(res.body.error_msg).toBe('name: expected a non-empty server name')
  })

  it("words every admin field's error in the house style, never valibot's default text", async () => {
    const { admin } = mock()
    const routes: [string, Record<string, unknown>, string[]][] = [
      [
        '/servers',
        { id: 'n1' },
        ['id', 'domain', 'delivery', 'idle', 'name', 'state', 'migration_cycle'],
      ],
      ['/settings', {}, ['rateLimit', 'authErrors']],
      ['/tokens/expire', {}, ['token', 'user', 'account', 'kind']],
      ['/tokens/revoke', {}, ['token', 'user', 'account', 'kind']],
      ['/clock', {}, ['advanceMs', 'to']],
      ['/identity', {}, ['accounts', 'users', 'tokens', 'accessKeys']],
      [
        '/servers/s1/commands',
        { command_name: 'A' },
        ['command_name', 'command_param', 'releaseAfterMs'],
      ],
      ['/servers/s1/commands', {}, ['commands']],
      [
        '/faults',
        { kind: 'status', status: 503 },
        [
          'kind',
          'status',
          'retryAfterSeconds',
          'error_code',
          'error_msg',
          'id',
          'server',
          'route',
          'count',
          'probability',
          'seed',
        ],
      ],
      ['/faults', { kind: 'latency' }, ['ms', 'minMs', 'maxMs']],
      ['/faults', { kind: 'drop-connection' }, ['when']],
    ]
    let refused = 0
    for (const [path, base, fields] of routes) {
      for (const field of fields) {
        for (const value of WRONG_VALUES) {
          const body = { ...base, [field]: value }
          const res = await admin('POST', path, body)
          expect(res.status, `${path} ${field}=${JSON.stringify(value).slice(0, 20)}`).toBeLessThan(
            500,
          )
          if (res.status !== 400) continue
          refused++
          expect(
            res.body.error_msg,
            `${path} ${field}=${JSON.stringify(value).slice(0, 20)}`,
          ).not.toMatch(VALIBOT_DEFAULT_TEXT)
        }
      }
    }
    expect(refused).toBeGreaterThan(300)
  })
})

describe('admin static tokens', () => {
  it('gives two static tokens with one 32-bit hash their own rate-limit budgets and journal names', async () => {
    const { admin, app } = mock()
    // Both hash to 7c6823c2 with 32-bit FNV-1a.
    const pair = ['tok-1549599', 'tok-1712382']
    expect((await admin('POST', '/identity', { tokens: pair })).status).toBe(200)
    expect((await admin('POST', '/settings', { rateLimit: '1/min' })).status).toBe(200)
    for (const token of pair) {
      const poll = await app.request('/v3/sources/s1/command', {
        headers: { 'x-auth-token': token },
      })
      expect(poll.status, token).toBe(200)
    }
    const entries: { auth?: { name: string } }[] = (await admin('GET', '/journal?route=command'))
      .body.entries
    const names = entries.map((entry) => entry.auth?.name)
    expect(new Set(names).size).toBe(2)
    for (const name of names) for (const token of pair) expect(name).not.toContain(token)
  })
})

describe('admin errors', () => {
  it('answers an unexpected failure with 500 MOCK.0500, never the SMS code SMS.2007', async () => {
    const store = new MemoryStore(resolveSettings({ scenario: SCENARIO, seed: 1 }))
    const broken = new Error('disk on fire')
    store.listServers = async () => {
      throw broken
    }
    const logged: unknown[] = []
    const app = createMockApp({ store, logError: (_message, error) => logged.push(error) })
    const res = await app.request('/_mock/servers')
    expect(res.status).toBe(500)
    const body = await res.json()
    expect(body.error_code).toBe('MOCK.0500')
    expect(body.error_msg).toMatch(/GET \/_mock\/servers/)
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    expectValidDate(res)
    expect(logged).toEqual([broken])
    // The failure was that route's alone: the admin API goes on answering.
    expect((await app.request('/_mock/clock')).status).toBe(200)
  })
})

/** Opens `/_mock/events` and reads its first bytes (the ready line), then closes it. */
async function openEvents(
  app: ReturnType<typeof createMockApp>,
  query: string,
  init?: RequestInit,
) {
  const controller = new AbortController()
  const res = await app.request(`/_mock/events${query}`, { signal: controller.signal, ...init })
  if (res.status !== 200) return { status: res.status, body: await res.json() }
  const reader = res.body?.getReader()
  const first = await reader?.read()
  controller.abort()
  await reader?.cancel().catch(() => {})
  return { status: res.status, text: new TextDecoder().decode(first?.value) }
}

describe('admin queries', () => {
  it('refuses ?type=bogus, an empty ?type= and an empty ?server= on /_mock/events with 400 naming the field', async () => {
    const { app } = mock()
    for (const [query, field] of [
      ['?type=bogus', 'type'],
      ['?type=', 'type'],
      ['?server=', 'server'],
      ['?type=enqueue&type=bogus', 'type'],
      ['?server=s1&server=', 'server'],
    ] as const) {
      const answer = await openEvents(app, query)
      expect(answer.status, query).toBe(400)
      expect(answer.body.error_code).toBe('MOCK.0400')
      expect(answer.body.error_msg.startsWith(`${field}: `), answer.body.error_msg).toBe(true)
    }
    const bogus = await openEvents(app, '?type=bogus')
    expect(bogus.body.error_msg).toMatch(/expected one of .*auth-failure/)
  })

  it('still opens /_mock/events with known types and server ids, echoing them in the ready line', async () => {
    const { app } = mock()
    const answer = await openEvents(app, '?type=enqueue&type=auth-failure&server=s1')
    expect(answer.status).toBe(200)
    expect(answer.text).toContain('"types":["enqueue","auth-failure"]')
    expect(answer.text).toContain('"servers":["s1"]')
  })

  it('refuses since=1e3, a sign or a fraction, naming since: only decimal digits are a seq', async () => {
    const { app } = mock()
    for (const since of ['1e3', '-1', '1.5', '+3', ' 3', '0x10']) {
      const answer = await openEvents(app, `?since=${encodeURIComponent(since)}`)
      expect(answer.status, since).toBe(400)
      expect(answer.body.error_msg).toMatch(/^since: expected a non-negative integer/)
    }
    expect((await openEvents(app, '?since=0')).status).toBe(200)
    expect((await openEvents(app, '?since=1000')).status).toBe(200)
  })

  it('names the Last-Event-ID header, not since, when the header holds a bad seq', async () => {
    const { app } = mock()
    const abc = await openEvents(app, '', { headers: { 'last-event-id': 'abc' } })
    expect(abc.status).toBe(400)
    expect(abc.body.error_msg).toMatch(/^Last-Event-ID: expected a non-negative integer/)
    const exponent = await openEvents(app, '', { headers: { 'last-event-id': '1e3' } })
    expect(exponent.body.error_msg).toMatch(/^Last-Event-ID: /)
    expect((await openEvents(app, '', { headers: { 'last-event-id': '7' } })).status).toBe(200)
    // Empty, the SSE standard's "no last id": the stream opens from now.
    expect((await openEvents(app, '', { headers: { 'last-event-id': '' } })).status).toBe(200)
    // `since` wins over the header, so the header is not read then.
    const both = await openEvents(app, '?since=2', { headers: { 'last-event-id': 'abc' } })
    expect(both.status).toBe(200)
  })

  it('refuses an empty, unknown or bad journal filter with 400 naming it', async () => {
    const { admin } = mock()
    for (const [query, field] of [
      ['?route=bogus', 'route'],
      ['?route=', 'route'],
      ['?server=', 'server'],
      ['?status=', 'status'],
      ['?status=4x', 'status'],
      ['?limit=', 'limit'],
      ['?limit=1e3', 'limit'],
      ['?limit=0', 'limit'],
      ['?limit=2&limit=3', 'limit'],
      ['?bogus=1', '"bogus"'],
    ] as const) {
      const answer = await admin('GET', `/journal${query}`)
      expect(answer.status, query).toBe(400)
      expect(answer.body.error_code).toBe('MOCK.0400')
      expect(answer.body.error_msg.startsWith(`${field}: `), answer.body.error_msg).toBe(true)
    }
  })

  it('refuses a query parameter on every admin GET route that reads none, naming it', async () => {
    const { admin } = mock()
    for (const path of [
      '',
      '/settings',
      '/servers',
      '/servers/s1',
      '/servers/s1/results',
      '/faults',
      '/identity',
      '/clock',
    ]) {
      const answer = await admin('GET', `${path}?verbose=1`)
      expect(answer.status, path).toBe(400)
      expect(answer.body.error_msg).toBe(
        '"verbose": unknown query parameter; this route takes none',
      )
      expect((await admin('GET', path)).status, path).toBe(200)
    }
    const events = await openEvents(mock().app, '?limit=3')
    expect(events.status).toBe(400)
    expect(events.body.error_msg).toMatch(
      /^"limit": unknown query parameter; expected server, type, since/,
    )
  })

  it('refuses an empty ?server= on DELETE /_mock/faults instead of clearing nothing', async () => {
    const { admin } = mock()
    await admin('POST', '/faults', { kind: 'latency', ms: 1, server: 's1' })
    const empty = await admin('DELETE', '/faults?server=')
    expect(empty.status).toBe(400)
    expect(empty.body.error_msg).toMatch(/^server: /)
    expect((await admin('DELETE', '/faults?server=s1')).body.deleted).toBe(1)
  })
})

describe('admin journal', () => {
  it('keeps every route of ?route=command&route=iam: repeated filters mean any of', async () => {
    const { app, admin } = mock()
    await app.request('/v3/sources/s1/command', { headers: { 'x-auth-token': 'tok-demo' } })
    await app.request('/v3/auth/tokens', { method: 'POST', body: '{}' })
    await app.request('/v3/sources', { headers: { 'x-auth-token': 'tok-demo' } })
    const both = await admin('GET', '/journal?route=command&route=iam')
    expect(both.body.entries.map((e: { route: string }) => e.route)).toEqual(['command', 'iam'])
    const statuses = await admin('GET', '/journal?status=200&status=4xx')
    expect(statuses.body.entries.map((e: { status: number }) => e.status)).toEqual([200, 400, 200])
    const servers = await admin('GET', '/journal?server=s1&server=acme-1')
    expect(servers.body.entries).toHaveLength(1)
    // Filters of different names must all match.
    const none = await admin('GET', '/journal?route=iam&status=200')
    expect(none.body.entries).toEqual([])
  })

  it('keeps the precise reason of each auth failure: five wrong SKs (bad-signature), then the locked AK (ak-locked)', async () => {
    const app = createMockApp({
      seed: 1,
      clock: () => REAL_NOW,
      scenario: { accessKeys: [{ ak: 'AK1', sk: 'SK1' }], servers: [{ id: 's1' }] },
    })
    const url = 'http://localhost/v3/sources/s1/command'
    for (const sk of ['wrong', 'wrong', 'wrong', 'wrong', 'wrong', 'SK1']) {
      const signed = await signRequest(
        { method: 'GET', url, headers: {} },
        { ak: 'AK1', sk },
        new Date(REAL_NOW),
      )
      expect((await app.request(url, { headers: { ...signed } })).status).toBe(401)
    }
    const sourcesUrl = 'http://localhost/v3/sources'
    const signed = await signRequest(
      { method: 'GET', url: sourcesUrl, headers: {} },
      { ak: 'AK1', sk: 'SK1' },
      new Date(REAL_NOW),
    )
    expect((await app.request(sourcesUrl, { headers: { ...signed } })).status).toBe(401)
    await app.request(sourcesUrl, { headers: { 'x-auth-token': 'nope' } })
    const journal = await (await app.request('/_mock/journal')).json()
    expect(
      journal.entries.map((e: { route: string; authFailure?: string; errorCode?: string }) => [
        e.route,
        e.authFailure,
        e.errorCode,
      ]),
    ).toEqual([
      ...Array(5).fill(['command', 'bad-signature', 'APIGW.0301']),
      ['command', 'ak-locked', 'APIGW.0301'],
      ['sources', 'ak-locked', 'APIGW.0301'],
      ['sources', 'unknown-token', 'APIGW.0301'],
    ])
  })

  it('keeps the reason in the sms error style too, and iam-password for a refused IAM login', async () => {
    const { app, admin } = mock()
    await admin('POST', '/settings', { authErrors: 'sms' })
    await app.request('/v3/sources/s1/command', {})
    await app.request('/v3/auth/tokens', passwordLogin('nobody', 'x'))
    const journal = await admin('GET', '/journal')
    expect(journal.body.entries.map((e: { authFailure?: string }) => e.authFailure)).toEqual([
      'missing',
      'iam-password',
    ])
  })

  it('records who was throttled: a 429 line keeps auth, on the command routes and the fleet list', async () => {
    const { app, admin } = mock({ rateLimit: '1/min' })
    const headers = { 'x-auth-token': 'tok-acme' }
    expect((await app.request('/v3/sources/acme-1/command', { headers })).status).toBe(200)
    expect((await app.request('/v3/sources/acme-1/command', { headers })).status).toBe(429)
    // The fleet list counts on its own budget.
    expect((await app.request('/v3/sources', { headers })).status).toBe(200)
    expect((await app.request('/v3/sources', { headers })).status).toBe(429)
    const journal = await admin('GET', '/journal?status=429')
    expect(journal.body.entries).toHaveLength(2)
    for (const line of journal.body.entries) {
      expect(line.errorCode).toBe('APIGW.0308')
      expect(line.auth).toMatchObject({ kind: 'static-token', account: 'acme' })
      expect(line.authFailure).toBeUndefined()
    }
  })

  it('records the principal on refusals after authentication: a 404 server, a 403, a bad body', async () => {
    const { app, admin } = mock()
    const headers = { 'x-auth-token': 'tok-acme' }
    await app.request('/v3/sources/ghost/command', { headers })
    await app.request('/v3/sources/s1/command', { headers })
    await app.request('/v3/sources/acme-1/command_result', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '[]',
    })
    await app.request('/v3/sources?limit=x', { headers })
    const journal = await admin('GET', '/journal')
    expect(journal.body.entries.map((e: { status: number }) => e.status)).toEqual([
      404, 403, 400, 400,
    ])
    for (const line of journal.body.entries) expect(line.auth?.account).toBe('acme')
  })
})

describe('admin middleware (Hono requestId and bodyLimit)', () => {
  it('gives every answer its own 32-hex X-Request-Id, never the one the client sent', async () => {
    const app = createMockApp({ scenario: SCENARIO, seed: 1 })
    const first = await app.request('/_mock/clock', { headers: { 'x-request-id': 'mine' } })
    const second = await app.request('/_mock/clock')
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    expect(second.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'))
  })

  it('refuses a body past 1 MiB with 400 MOCK.0400 naming the bound, declared or streamed', async () => {
    const app = createMockApp({ scenario: SCENARIO, seed: 1 })
    const big = JSON.stringify({ id: 'x'.repeat(1024 * 1024) })
    const declared = await app.request('/_mock/servers', { method: 'POST', body: big })
    expect(declared.status).toBe(400)
    expect((await declared.json()).error_msg).toBe('body: expected at most 1048576 bytes')
    const bytes = new TextEncoder().encode(big)
    const streamed = await app.request('/_mock/servers', {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.subarray(0, 600_000))
          controller.enqueue(bytes.subarray(600_000))
          controller.close()
        },
      }),
      // @ts-expect-error: Node's fetch needs it for a stream body
      duplex: 'half',
    })
    expect(streamed.status).toBe(400)
    expect(streamed.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    expect((await streamed.json()).error_code).toBe('MOCK.0400')
    // A body under the bound is read whole, streamed or not.
    const small = new TextEncoder().encode(JSON.stringify({ id: 'srv-streamed' }))
    const fine = await app.request('/_mock/servers', {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(small.subarray(0, 5))
          controller.enqueue(small.subarray(5))
          controller.close()
        },
      }),
      // @ts-expect-error: Node's fetch needs it for a stream body
      duplex: 'half',
    })
    expect(fine.status).toBe(201)
  })
})
