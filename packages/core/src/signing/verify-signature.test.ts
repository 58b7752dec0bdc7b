import { describe, expect, it } from 'vitest'
import { type SignableRequest, signRequest } from './sign-request.ts'
import { parseAuthorization, type VerifyResult, verifySignature } from './verify-signature.ts'

const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc'
const AK = 'HPUAL8XCCIZAUQ0OFVLE'
const secrets = new Map([[AK, SK]])
const lookup = (ak: string) => secrets.get(ak)
const signedAt = new Date('2024-03-01T12:00:00Z')
const now = signedAt

const request = {
  method: 'POST',
  url: 'https://sms.ap-southeast-1.myhuaweicloud.com/v3/sources/srv%20one/command_result?a=1&b=x',
  headers: {
    'Content-Type': 'application/json',
    Host: 'sms.ap-southeast-1.myhuaweicloud.com',
    'X-Project-Id': '0123456789abcdef',
  },
  body: '{"command_name":"START","result":"success"}',
} satisfies SignableRequest

async function signed(
  overrides: Partial<SignableRequest> = {},
  sk = SK,
  date = signedAt,
): Promise<SignableRequest & { headers: Record<string, string> }> {
  const base = { ...request, ...overrides }
  const headers = { ...(base.headers as Record<string, string>) }
  return { ...base, headers: { ...headers, ...(await signRequest(base, { ak: AK, sk }, date)) } }
}

function expectFailure(result: VerifyResult, reason: string) {
  expect(result).toMatchObject({ ok: false, reason })
  if (!result.ok) {
    expect(result.message).not.toContain(SK)
    expect(result.message).not.toMatch(/[0-9a-f]{64}/)
  }
}

describe('verifySignature', () => {
  it('accepts a request signed by signRequest and returns its AK', async () => {
    expect(await verifySignature(await signed(), lookup, { now })).toEqual({ ok: true, ak: AK })
  })

  it('accepts the request as a server sees it: Headers object, Host from the URL', async () => {
    const { headers, ...rest } = await signed()
    const { Host: _host, ...withoutHost } = headers
    const result = await verifySignature({ ...rest, headers: new Headers(withoutHost) }, lookup, {
      now,
    })
    expect(result).toEqual({ ok: true, ak: AK })
  })

  it('accepts a body given as bytes, and a signature with uppercase hex', async () => {
    const req = await signed()
    req.headers.Authorization = req.headers.Authorization?.replace(
      /Signature=([0-9a-f]+)/,
      (_, hex: string) => `Signature=${hex.toUpperCase()}`,
    ) as string
    const body = new TextEncoder().encode(request.body)
    expect(await verifySignature({ ...req, body }, lookup, { now })).toEqual({ ok: true, ak: AK })
  })

  it('accepts a date up to 15 minutes off the server clock', async () => {
    const req = await signed()
    const skewed = new Date(signedAt.getTime() + 15 * 60 * 1000)
    expect(await verifySignature(req, lookup, { now: skewed })).toMatchObject({ ok: true })
  })

  it('rejects a tampered body', async () => {
    const req = await signed()
    const result = await verifySignature({ ...req, body: `${req.body} ` }, lookup, { now })
    expectFailure(result, 'bad-signature')
  })

  it('rejects a tampered signed header', async () => {
    const req = await signed()
    req.headers['X-Project-Id'] = 'fedcba9876543210'
    expectFailure(await verifySignature(req, lookup, { now }), 'bad-signature')
  })

  it('rejects a tampered path', async () => {
    const req = await signed()
    const url = req.url.toString().replace('srv%20one', 'srv%20two')
    expectFailure(await verifySignature({ ...req, url }, lookup, { now }), 'bad-signature')
  })

  it('rejects a tampered query, including an added parameter', async () => {
    const req = await signed()
    for (const url of [req.url.toString().replace('a=1', 'a=2'), `${req.url}&c=3`]) {
      expectFailure(await verifySignature({ ...req, url }, lookup, { now }), 'bad-signature')
    }
  })

  it('rejects a changed method', async () => {
    const req = await signed()
    expectFailure(
      await verifySignature({ ...req, method: 'PUT' }, lookup, { now }),
      'bad-signature',
    )
  })

  it('rejects a signature made with another SK', async () => {
    const req = await signed({}, 'not-the-secret')
    expectFailure(await verifySignature(req, lookup, { now }), 'bad-signature')
  })

  it('rejects an unknown AK without calling it a bad signature', async () => {
    const req = await signed()
    expectFailure(await verifySignature(req, () => undefined, { now }), 'unknown-ak')
    expectFailure(await verifySignature(req, async () => '', { now }), 'unknown-ak')
  })

  it('rejects a date more than 15 minutes from the server clock, either way', async () => {
    const req = await signed()
    for (const offset of [15 * 60 * 1000 + 1000, -(15 * 60 * 1000 + 1000)]) {
      const at = new Date(signedAt.getTime() + offset)
      expectFailure(await verifySignature(req, lookup, { now: at }), 'clock-skew')
    }
  })

  it('honours a custom maxSkewMs', async () => {
    const req = await signed()
    const at = new Date(signedAt.getTime() + 61_000)
    expectFailure(await verifySignature(req, lookup, { now: at, maxSkewMs: 60_000 }), 'clock-skew')
  })

  it('reports a missing Authorization or X-Sdk-Date header as missing', async () => {
    const { Authorization: _a, ...noAuthorization } = (await signed()).headers
    const { 'X-Sdk-Date': _d, ...noDate } = (await signed()).headers
    const req = await signed()
    expectFailure(
      await verifySignature({ ...req, headers: noAuthorization }, lookup, { now }),
      'missing',
    )
    expectFailure(await verifySignature({ ...req, headers: noDate }, lookup, { now }), 'missing')
  })

  it.each([
    ['another algorithm', (a: string) => a.replace('SDK-HMAC-SHA256', 'HMAC-SHA256')],
    ['a short signature', (a: string) => a.slice(0, -2)],
    ['a non-hex signature', (a: string) => a.replace(/.$/, 'g')],
    ['no SignedHeaders', (a: string) => a.replace(/SignedHeaders=[^,]+, /, '')],
    ['an empty header name', (a: string) => a.replace('SignedHeaders=', 'SignedHeaders=;')],
    ['a duplicated header name', (a: string) => a.replace('SignedHeaders=', 'SignedHeaders=host;')],
    ['an uppercase header name', (a: string) => a.replace('SignedHeaders=', 'SignedHeaders=Host;')],
    ['unsigned x-sdk-date', (a: string) => a.replace(';x-sdk-date', '')],
    ['a signed header the request lacks', (a: string) => a.replace('host;', 'host;x-missing;')],
    ['garbage', () => 'Bearer abc'],
  ])('reports an Authorization header with %s as malformed', async (_, mutate) => {
    const req = await signed()
    req.headers.Authorization = mutate(req.headers.Authorization ?? '')
    expectFailure(await verifySignature(req, lookup, { now }), 'malformed')
  })

  it('reports an X-Sdk-Date not in YYYYMMDDTHHMMSSZ form as malformed', async () => {
    const req = await signed()
    req.headers['X-Sdk-Date'] = '2024-03-01T12:00:00Z'
    expectFailure(await verifySignature(req, lookup, { now }), 'malformed')
  })

  it('does not look up the SK of a malformed or stale request', async () => {
    const req = await signed()
    let lookups = 0
    const counting = (ak: string) => {
      lookups++
      return lookup(ak)
    }
    await verifySignature(req, counting, { now: new Date(0) })
    await verifySignature({ ...req, headers: { ...req.headers, Authorization: 'x' } }, counting, {
      now,
    })
    expect(lookups).toBe(0)
  })
})

describe('parseAuthorization', () => {
  it('parses the three fields and lowercases the signature', () => {
    const hex = 'AB'.repeat(32)
    expect(
      parseAuthorization(
        `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${hex}`,
      ),
    ).toEqual({ ak: 'AK1', signedHeaders: ['host', 'x-sdk-date'], signature: 'ab'.repeat(32) })
  })
})
