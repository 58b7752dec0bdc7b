import { describe, expect, it } from 'vitest'
import { fakeFetch, json, rejection, START } from '../../test/fake-fetch.ts'
import { akSk } from '../auth/ak-sk.ts'
import { isSmsApiError, type SmsApiError } from '../errors/sms-api-error.ts'
import { formatSdkDate } from '../signing/sdk-date.ts'
import { verifySignature } from '../signing/verify-signature.ts'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { offsetFromRefusal, SIGNATURE_WINDOW_MS } from './clock-skew.ts'
import { type ClockOffsetInfo, createSmsClient } from './create-sms-client.ts'
import { signatureSkewMs } from './unauthorized.ts'

const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc'
const MINUTE = 60_000

/**
 * A gateway whose clock is `skewMs` ahead of this machine's: it verifies every AK/SK signature
 * against its own time and refuses one more than 15 minutes off with the field's APIGW.0301 text.
 */
function skewedGateway(skewMs: number, options: { dateHeader?: boolean } = {}) {
  const scheduler = createVirtualScheduler(Date.UTC(2026, 10, 29, 18, 0, 0))
  const serverNow = () => new Date(scheduler.now() + skewMs)
  const dateHeader = (): Record<string, string> =>
    options.dateHeader === false ? {} : { Date: serverNow().toUTCString() }
  const api = fakeFetch([], async (request) => {
    const verdict = await verifySignature(
      {
        method: request.method,
        url: request.url,
        headers: { ...Object.fromEntries(request.headers), host: new URL(request.url).host },
        // fakeFetch has read the body already and recorded it.
        body: api.requests.at(-1)?.body ?? '',
      },
      () => SK,
      { now: serverNow() },
    )
    if (verdict.ok) return json(START, 200, dateHeader())
    const signed = request.headers.get('X-Sdk-Date')
    return json(
      {
        error_msg:
          verdict.reason === 'clock-skew'
            ? `Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:${signed},server time:${formatSdkDate(serverNow())}`
            : 'Incorrect IAM authentication information: verify aksk signature fail',
        error_code: 'APIGW.0301',
        request_id: 'a'.repeat(32),
      },
      401,
      dateHeader(),
    )
  })
  const offsets: ClockOffsetInfo[] = []
  const client = createSmsClient({
    endpoint: 'https://sms.example.test',
    auth: akSk({ ak: 'AK1', sk: SK, now: scheduler.now }),
    fetch: api.fetch,
    scheduler,
    onClockOffset: (info) => offsets.push(info),
  })
  return { client, api, scheduler, offsets }
}

describe('createSmsClient: clock skew under AK/SK', () => {
  it.each([
    ['20 minutes ahead', 20 * MINUTE],
    ['20 minutes behind', -20 * MINUTE],
    ['2 hours ahead', 120 * MINUTE],
    ['2 hours behind', -120 * MINUTE],
  ])(
    're-signs once with the server time when the server clock is %s, and keeps the offset',
    async (_label, skewMs) => {
      const { client, api, offsets } = skewedGateway(skewMs)
      expect(client.clockOffsetMs).toBeUndefined()
      expect(await client.getCommand('srv')).toEqual(START)
      expect(api.requests).toHaveLength(2)
      expect(client.clockOffsetMs).toBeCloseTo(skewMs, -4)
      expect(offsets[0]?.offsetMs).toBeCloseTo(skewMs, -4)
      // Later requests are signed with the server's time at once.
      expect(await client.getCommand('srv')).toEqual(START)
      await client.reportResult('srv', {
        command_name: 'START',
        result: 'success',
        result_detail: {},
      })
      expect(api.requests).toHaveLength(4)
    },
  )

  it('learns the offset from the gateway text alone when no Date header is visible', async () => {
    const { client, api, offsets } = skewedGateway(-120 * MINUTE, { dateHeader: false })
    expect(await client.getCommand('srv')).toEqual(START)
    expect(api.requests).toHaveLength(2)
    expect(client.clockOffsetMs).toBe(-120 * MINUTE)
    expect(offsets).toEqual([{ offsetMs: -120 * MINUTE, source: 'gateway' }])
  })

  it('learns nothing from a Date header alone, even 5 minutes off: no retry, no offset', async () => {
    const { client, api, offsets } = skewedGateway(5 * MINUTE)
    expect(await client.getCommand('srv')).toEqual(START)
    expect(api.requests).toHaveLength(1)
    expect(client.clockOffsetMs).toBeUndefined()
    expect(offsets).toEqual([])
  })

  it('is not poisoned by a proxy stamping its own Date 20 minutes off on a correct clock', async () => {
    // The gateway's clock is ours; the proxy in front of it rewrites every Date.
    const { client, api, scheduler, offsets } = skewedGateway(0, { dateHeader: false })
    const verify = api.fetch
    const proxied = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const answer = await verify(input, init)
      const headers = new Headers(answer.headers)
      headers.set('Date', new Date(scheduler.now() + 20 * MINUTE).toUTCString())
      return new Response(await answer.text(), { status: answer.status, headers })
    }) as typeof fetch
    const behindProxy = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: akSk({ ak: 'AK1', sk: SK, now: scheduler.now }),
      fetch: proxied,
      scheduler,
      onClockOffset: (info) => offsets.push(info),
    })
    for (let call = 0; call < 6; call++) {
      expect(await behindProxy.getCommand('srv')).toEqual(START)
      await scheduler.advance(1_000)
    }
    // Every request signed with the right time, accepted at once; nothing learned or reported.
    expect(api.requests).toHaveLength(6)
    expect(behindProxy.clockOffsetMs).toBeUndefined()
    expect(offsets).toEqual([])
    expect(client.clockOffsetMs).toBeUndefined()
  })

  it('does not believe a clock refusal whose Date puts the signed time inside the window', async () => {
    const scheduler = createVirtualScheduler(Date.UTC(2026, 10, 29, 18, 0, 0))
    const api = fakeFetch([], () =>
      json({ error_code: 'SMS.0205', error_msg: 'signature expired' }, 401, {
        Date: new Date(scheduler.now() + 2 * MINUTE).toUTCString(),
      }),
    )
    const offsets: ClockOffsetInfo[] = []
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: akSk({ ak: 'AK1', sk: SK, now: scheduler.now }),
      fetch: api.fetch,
      scheduler,
      onClockOffset: (info) => offsets.push(info),
    })
    const error = (await rejection(client.getCommand('srv'))) as SmsApiError
    expect(error.status).toBe(401)
    expect(api.requests).toHaveLength(1)
    expect(client.clockOffsetMs).toBeUndefined()
    expect(offsets).toEqual([])
  })

  it('re-signs at most once per call and then surfaces the 401 with advice', async () => {
    const scheduler = createVirtualScheduler()
    const expired = () =>
      json(
        {
          error_code: 'APIGW.0301',
          error_msg: `Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:${formatSdkDate(new Date(scheduler.now()))},server time:${formatSdkDate(new Date(scheduler.now() + 3_600_000))}`,
        },
        401,
      )
    const api = fakeFetch([], expired)
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: akSk({ ak: 'AK1', sk: SK, now: scheduler.now }),
      fetch: api.fetch,
      scheduler,
    })
    const error = (await rejection(client.getCommand('srv'))) as SmsApiError
    expect(isSmsApiError(error)).toBe(true)
    expect(error.status).toBe(401)
    expect(error.hint).toContain("server's clock")
    expect(api.requests).toHaveLength(2)
  })

  it('treats SMS.0205 as a clock failure and learns from the Date header', async () => {
    const scheduler = createVirtualScheduler(Date.UTC(2026, 10, 29, 18, 0, 0))
    const api = fakeFetch([
      json({ error_code: 'SMS.0205', error_msg: 'signature expired' }, 401, {
        Date: new Date(scheduler.now() + 30 * MINUTE).toUTCString(),
      }),
      json(START),
    ])
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: akSk({ ak: 'AK1', sk: SK, now: scheduler.now }),
      fetch: api.fetch,
      scheduler,
    })
    expect(await client.getCommand('srv')).toEqual(START)
    expect(api.requests.map((request) => request.headers['x-sdk-date'])).toEqual([
      '20261129T180000Z',
      '20261129T183000Z',
    ])
  })
})

describe('signatureSkewMs', () => {
  it('reads the field text of APIGW.0301', () => {
    expect(
      signatureSkewMs(
        'Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:20261129T182216Z,server time:20261129T184217Z',
      ),
    ).toBe(1_201_000)
  })
  it.each([
    undefined,
    '',
    'verify aksk signature fail',
    'signature time:bad,server time:20261129T184217Z',
  ])('is undefined for %j', (text) => {
    expect(signatureSkewMs(text)).toBeUndefined()
  })
  it('is undefined when either time is not a real date (31 April, month 13, lowercase form)', () => {
    const text = (signed: string, server: string) =>
      `calc aksk signature fail:signature expired, signature time:${signed},server time:${server}`
    expect(signatureSkewMs(text('20260431T000000Z', '20260501T000000Z'))).toBeUndefined()
    expect(signatureSkewMs(text('20261129T182216Z', '20261329T184217Z'))).toBeUndefined()
    expect(signatureSkewMs(text('20261129t182216z', '20261129T184217Z'))).toBeUndefined()
  })
  it('reads times across a day and a year boundary', () => {
    expect(
      signatureSkewMs(
        'signature expired, signature time:20261231T235000Z,server time:20270101T001000Z',
      ),
    ).toBe(1_200_000)
  })
})

describe('offsetFromRefusal', () => {
  const now = Date.UTC(2026, 10, 29, 18, 0, 0)
  it('takes the gateway text over any Date, relative to the offset the request was signed with', () => {
    expect(
      offsetFromRefusal({
        errorMsg: 'signature expired, signature time:20261129T180000Z,server time:20261129T182000Z',
        date: new Date(now - 60 * MINUTE).toUTCString(),
        signedWithOffsetMs: 5 * MINUTE,
        now,
      }),
    ).toEqual({ offsetMs: 25 * MINUTE, source: 'gateway' })
  })

  it('believes a Date only when it agrees that the signed time was outside 15 minutes', () => {
    const at = (offsetMs: number) => new Date(now + offsetMs).toUTCString()
    const refusal = (offsetMs: number) =>
      offsetFromRefusal({
        errorMsg: 'signature expired',
        date: at(offsetMs),
        signedWithOffsetMs: 0,
        now,
      })
    expect(refusal(30 * MINUTE)).toEqual({ offsetMs: 30 * MINUTE, source: 'date' })
    expect(refusal(-20 * MINUTE)).toEqual({ offsetMs: -20 * MINUTE, source: 'date' })
    expect(refusal(SIGNATURE_WINDOW_MS - 30_000)?.source).toBe('date')
    expect(refusal(10 * MINUTE)).toBeUndefined()
    expect(refusal(0)).toBeUndefined()
    expect(
      offsetFromRefusal({ errorMsg: 'signature expired', date: null, signedWithOffsetMs: 0, now }),
    ).toBeUndefined()
  })
})
