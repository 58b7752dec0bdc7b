import { describe, expect, it } from 'vitest'
import { hexSha256 } from './hash.ts'
import { buildCanonicalRequest, computeSignature, signRequest } from './sign-request.ts'
import { verifySignature } from './verify-signature.ts'

const vector1 = {
  request: {
    method: 'GET',
    url: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
    headers: { 'content-type': 'application/json', host: 'service.region.example.com' },
  },
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  date: new Date('2019-11-15T03:36:55Z'),
  canonicalHash: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
  signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
}

const vector2 = {
  request: { method: 'GET', url: 'https://example.huaweicloud.com/path?limit=1' },
  credentials: { ak: 'AccessKey', sk: 'SecretKey' },
  date: new Date('2006-01-02T15:04:05Z'),
  signature: '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
}

function authorizationParts(authorization: string) {
  const match = /^SDK-HMAC-SHA256 Access=(.+), SignedHeaders=(.+), Signature=([0-9a-f]{64})$/.exec(
    authorization,
  )
  expect(match).not.toBeNull()
  return { ak: match?.[1], signedHeaders: match?.[2], signature: match?.[3] }
}

describe('signRequest', () => {
  it('matches docs/api.md test vector 1: canonical request hash and signature', async () => {
    const signed = await signRequest(vector1.request, { ak: 'AK', sk: vector1.sk }, vector1.date)
    expect(signed['X-Sdk-Date']).toBe('20191115T033655Z')
    const parts = authorizationParts(signed.Authorization)
    expect(parts.signedHeaders).toBe('content-type;host;x-sdk-date')
    expect(parts.signature).toBe(vector1.signature)

    const canonical = await buildCanonicalRequest(
      {
        ...vector1.request,
        headers: { ...vector1.request.headers, 'x-sdk-date': '20191115T033655Z' },
      },
      ['content-type', 'host', 'x-sdk-date'],
    )
    expect(canonical).toBe(
      [
        'GET',
        '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
        'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
        'content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n',
        'content-type;host;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    )
    expect(await hexSha256(canonical)).toBe(vector1.canonicalHash)
  })

  it('signs host by default, binding the signature to its host (as both official signers do)', async () => {
    const signed = await signRequest(vector2.request, vector2.credentials, vector2.date)
    expect(authorizationParts(signed.Authorization).signedHeaders).toBe('host;x-sdk-date')
    const verdict = await verifySignature(
      {
        ...vector2.request,
        headers: { 'X-Sdk-Date': signed['X-Sdk-Date'], Authorization: signed.Authorization },
      },
      () => 'SecretKey',
      { now: vector2.date },
    )
    expect(verdict.ok).toBe(true)
    const elsewhere = new URL(String(vector2.request.url))
    elsewhere.host = 'other.example.com'
    const moved = await verifySignature(
      {
        ...vector2.request,
        url: elsewhere,
        headers: { 'X-Sdk-Date': signed['X-Sdk-Date'], Authorization: signed.Authorization },
      },
      () => 'SecretKey',
      { now: vector2.date },
    )
    expect(moved.ok).toBe(false)
  })

  // Issue 9 made `host` signed by default; the vector, which signs only x-sdk-date, needs the opt-out.
  it('matches docs/api.md test vector 2: only x-sdk-date signed', async () => {
    const signed = await signRequest(vector2.request, vector2.credentials, vector2.date, {
      signHost: false,
    })
    expect(signed).toEqual({
      'X-Sdk-Date': '20060102T150405Z',
      Authorization: `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=${vector2.signature}`,
    })
  })

  it('computeSignature reproduces vector 2 from the request and its X-Sdk-Date header', async () => {
    const request = { ...vector2.request, headers: { 'X-Sdk-Date': '20060102T150405Z' } }
    expect(await computeSignature(request, ['x-sdk-date'], 'SecretKey')).toBe(vector2.signature)
  })

  it('takes the date from an X-Sdk-Date header when no date is passed', async () => {
    const signed = await signRequest(
      { ...vector2.request, headers: { 'X-Sdk-Date': '20060102T150405Z' } },
      vector2.credentials,
      undefined,
      { signHost: false },
    )
    expect(authorizationParts(signed.Authorization).signature).toBe(vector2.signature)
  })

  it('signs with the current time when neither date nor header is given', async () => {
    const before = Date.now()
    const signed = await signRequest(vector2.request, vector2.credentials)
    const stamp = signed['X-Sdk-Date']
    expect(stamp).toMatch(/^\d{8}T\d{6}Z$/)
    const parsed = Date.parse(
      `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    )
    expect(Math.abs(parsed - before)).toBeLessThan(5000)
  })

  it('signs a Headers object the same as the equivalent record', async () => {
    const headers = new Headers(vector1.request.headers)
    const signed = await signRequest(
      { ...vector1.request, headers },
      { ak: 'AK', sk: vector1.sk },
      vector1.date,
    )
    expect(authorizationParts(signed.Authorization).signature).toBe(vector1.signature)
  })

  it('lowercases and sorts header names, trims values, and leaves out Authorization', async () => {
    const signed = await signRequest(
      {
        ...vector1.request,
        headers: {
          'Content-Type': ' application/json\t',
          Host: 'service.region.example.com',
          Authorization: 'stale',
        },
      },
      { ak: 'AK', sk: vector1.sk },
      vector1.date,
    )
    const parts = authorizationParts(signed.Authorization)
    expect(parts.signedHeaders).toBe('content-type;host;x-sdk-date')
    expect(parts.signature).toBe(vector1.signature)
  })

  it('signs the URL host including a non-default port when a Host header is passed', async () => {
    const url = 'http://127.0.0.1:8080/v3/sources/abc/command'
    const signed = await signRequest(
      { method: 'GET', url, headers: { host: '127.0.0.1:8080' } },
      vector2.credentials,
      vector2.date,
    )
    const canonical = await buildCanonicalRequest(
      { method: 'GET', url, headers: { 'x-sdk-date': '20060102T150405Z' } },
      ['host', 'x-sdk-date'],
    )
    expect(canonical).toContain('\nhost:127.0.0.1:8080\n')
    expect(authorizationParts(signed.Authorization).signedHeaders).toBe('host;x-sdk-date')
  })

  it('signs the body as UTF-8, the same whether given as a string or bytes', async () => {
    const body = '{"command":"START","note":"é"}'
    const request = { method: 'POST', url: 'https://example.com/v3/x', headers: {} }
    const fromString = await signRequest({ ...request, body }, vector2.credentials, vector2.date)
    const fromBytes = await signRequest(
      { ...request, body: new TextEncoder().encode(body) },
      vector2.credentials,
      vector2.date,
    )
    const empty = await signRequest({ ...request, body: null }, vector2.credentials, vector2.date)
    expect(fromBytes).toEqual(fromString)
    expect(empty).not.toEqual(fromString)
  })

  it('keeps fetch-normalized methods uppercase and other methods as written', async () => {
    const url = 'https://example.com/'
    const headers = { 'x-sdk-date': '20060102T150405Z' }
    expect(await buildCanonicalRequest({ method: 'get', url, headers }, ['x-sdk-date'])).toMatch(
      /^GET\n/,
    )
    expect(await buildCanonicalRequest({ method: 'patch', url, headers }, ['x-sdk-date'])).toMatch(
      /^patch\n/,
    )
  })
})

describe('signRequest input errors', () => {
  const sk = 'TopSecretSkValue'
  const credentials = { ak: 'AK', sk }
  const cases: [string, Parameters<typeof signRequest>, RegExp][] = [
    ['empty ak', [vector2.request, { ak: '', sk }], /credentials\.ak/],
    ['ak with a comma', [vector2.request, { ak: 'A,K', sk }], /credentials\.ak/],
    ['empty sk', [vector2.request, { ak: 'AK', sk: '' }], /credentials\.sk/],
    ['relative url', [{ method: 'GET', url: '/v3/x' }, credentials], /request\.url/],
    ['ftp url', [{ method: 'GET', url: 'ftp://example.com/' }, credentials], /request\.url/],
    ['bad method', [{ method: 'GE T', url: 'https://e.com/' }, credentials], /request\.method/],
    [
      'header name with a space',
      [{ ...vector2.request, headers: { 'x bad': '1' } }, credentials],
      /headers/,
    ],
    [
      'header value with CRLF',
      [{ ...vector2.request, headers: { 'x-token': `${sk}\r\nx: y` } }, credentials],
      /headers\["x-token"\]/,
    ],
    [
      'one header twice in different cases',
      [{ ...vector2.request, headers: { 'X-A': '1', 'x-a': '2' } }, credentials],
      /headers/,
    ],
    [
      'host header naming another host',
      [{ ...vector2.request, headers: { host: 'other.example.com' } }, credentials],
      /headers\.host/,
    ],
    ['invalid date', [vector2.request, credentials, new Date(Number.NaN)], /date/],
    [
      'malformed X-Sdk-Date header',
      [{ ...vector2.request, headers: { 'X-Sdk-Date': '2006-01-02' } }, credentials],
      /x-sdk-date/,
    ],
    [
      'date disagreeing with the X-Sdk-Date header',
      [
        { ...vector2.request, headers: { 'X-Sdk-Date': '20060102T150405Z' } },
        credentials,
        new Date('2006-01-02T15:04:06Z'),
      ],
      /X-Sdk-Date/,
    ],
  ]

  it.each(cases)(
    'throws a TypeError naming the field for %s, never echoing the SK',
    async (_, args, field) => {
      const error = await signRequest(...args).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TypeError)
      expect((error as TypeError).message).toMatch(field)
      expect((error as TypeError).message).not.toContain(sk)
    },
  )
})
