import { HTTPError } from 'ky'
import { describe, expect, it } from 'vitest'
import { SmsApiError } from '../errors/sms-api-error.ts'
import { SmsNetworkError } from '../errors/sms-network-error.ts'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { retryDelay, toSmsError } from './attempt-failure.ts'
import { resolveRetryOptions } from './retry-options.ts'

const context = { method: 'GET', path: '/v3/sources/s/command', serverId: 's' }
const retry = resolveRetryOptions({ attempts: 4, baseDelayMs: 100, maxRetryAfterMs: 60_000 })
const apiError = (status: number, retryAfterMs?: number) =>
  new SmsApiError({ ...context, status, retryAfterMs })

describe('retryDelay', () => {
  it('backs off a transient status, and waits what Retry-After asks within the policy', () => {
    expect(retryDelay(apiError(503), { retry }, 1, () => 0.5)).toBe(50)
    expect(retryDelay(apiError(429, 5_000), { retry }, 1, () => 0.5)).toBe(5_000)
    expect(retryDelay(apiError(429, 90_000), { retry }, 1, () => 0.5)).toBeUndefined()
  })

  it('never retries a refusal, or a status the exchange does not count as transient', () => {
    expect(retryDelay(apiError(400), { retry }, 1, () => 0.5)).toBeUndefined()
    expect(
      retryDelay(apiError(502), { retry, retryable: new Set([429, 503]) }, 1, () => 0.5),
    ).toBeUndefined()
  })

  it('retries a network failure unless the exchange forbids it or no attempt can cure it', () => {
    const lost = new SmsNetworkError('network', context)
    expect(retryDelay(lost, { retry }, 2, () => 0.5)).toBe(100)
    expect(retryDelay(lost, { retry, retryNetworkErrors: false }, 1, () => 0.5)).toBeUndefined()
    const tooLarge = new SmsNetworkError('headers-too-large', context)
    expect(retryDelay(tooLarge, { retry }, 1, () => 0.5)).toBeUndefined()
  })
})

describe('toSmsError', () => {
  it("reads a Retry-After date on the server's clock, bounded, with the request id", async () => {
    const scheduler = createVirtualScheduler(Date.parse('2026-01-01T00:00:00Z'))
    const response = new Response('{"error_code":"APIGW.0308","error_msg":"throttled"}', {
      status: 429,
      headers: {
        // The server's clock is an hour ahead of this one: the wait is 10 s, not an hour.
        Date: 'Thu, 01 Jan 2026 01:00:00 GMT',
        'Retry-After': 'Thu, 01 Jan 2026 01:00:10 GMT',
        'X-Request-Id': 'req-1',
      },
    })
    const request = new Request('https://sms.example/v3/sources/s/command')
    const error = await toSmsError(new HTTPError(response, request, {} as never), context, {
      scheduler,
      maxServerDelayMs: 300_000,
    })
    expect(error).toBeInstanceOf(SmsApiError)
    expect(error).toMatchObject({ status: 429, retryAfterMs: 10_000, requestId: 'req-1' })
  })

  it('passes any other error through as it is', async () => {
    const other = new TypeError('boom')
    const scheduler = createVirtualScheduler()
    expect(await toSmsError(other, context, { scheduler, maxServerDelayMs: 1 })).toBe(other)
  })
})
