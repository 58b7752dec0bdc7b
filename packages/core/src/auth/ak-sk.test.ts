import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { fakeFetch, json } from '../../test/fake-fetch.ts'
import { createSmsClient } from '../client/create-sms-client.ts'
import type { SmsInputError } from '../errors/sms-input-error.ts'
import { verifySignature } from '../signing/verify-signature.ts'
import { akSk } from './ak-sk.ts'

const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc'
const NOW = Date.UTC(2026, 10, 27, 8, 30, 0)

describe('akSk', () => {
  it('signs requests that the verifier accepts, with domain id and security token signed', async () => {
    const api = fakeFetch([json({}), new Response('OK')])
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: akSk({
        ak: 'AK1',
        sk: SK,
        domainId: 'dom-1',
        securityToken: 'sts-token',
        now: () => NOW,
      }),
      fetch: api.fetch,
    })
    await client.getCommand('srv 1')
    await client.reportResult('srv 1', {
      command_name: 'START',
      result: 'fail',
      result_detail: { reason: 'x' },
    })
    for (const sent of api.requests) {
      expect(sent.headers['x-sdk-date']).toBe('20261127T083000Z')
      expect(sent.headers['x-domain-id']).toBe('dom-1')
      expect(sent.headers['x-security-token']).toBe('sts-token')
      expect(sent.headers.authorization).toMatch(
        /^SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-domain-id;x-sdk-date;x-security-token, Signature=[0-9a-f]{64}$/,
      )
      const verdict = await verifySignature(
        {
          method: sent.method,
          url: sent.url,
          headers: { ...sent.headers, host: new URL(sent.url).host },
          body: sent.body,
        },
        (ak) => (ak === 'AK1' ? SK : undefined),
        { now: new Date(NOW) },
      )
      expect(verdict).toEqual({ ok: true, ak: 'AK1' })
    }
  })

  it('produces a signature the verifier rejects when the body is altered', async () => {
    const api = fakeFetch([new Response('OK')])
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: akSk({ ak: 'AK1', sk: SK, now: () => NOW }),
      fetch: api.fetch,
    })
    await client.reportResult('srv', {
      command_name: 'START',
      result: 'success',
      result_detail: {},
    })
    const sent = api.requests[0]
    if (!sent) throw new Error('no request')
    const verdict = await verifySignature(
      {
        method: sent.method,
        url: sent.url,
        headers: { ...sent.headers, host: 'sms.example.test' },
        body: `${sent.body} `,
      },
      () => SK,
      { now: new Date(NOW) },
    )
    expect(verdict.ok).toBe(false)
  })

  it.each(['ak', 'sk'])('rejects an empty %s at creation', (field) => {
    let caught: unknown
    try {
      akSk({ ak: 'a', sk: 's', [field]: '' })
    } catch (error) {
      caught = error
    }
    expect((caught as SmsInputError).field).toBe(field)
  })

  it('keeps the SK out of its JSON and inspection', () => {
    const auth = akSk({ ak: 'AK1', sk: SK })
    expect(JSON.stringify(auth)).toBe('{"kind":"ak-sk","ak":"AK1"}')
    expect(inspect(auth, { depth: null, showHidden: true })).not.toContain(SK)
  })
})
