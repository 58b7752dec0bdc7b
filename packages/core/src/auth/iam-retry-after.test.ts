/**
 * IAM's delay hints: a `429` (or `503`) with `Retry-After` is honoured like SMS's own, clamped
 * like every server delay, and no login is sent before it has passed (issue "field conditions":
 * `Retry-After: 20` used to cost 6 logins in 6.5 s).
 */
import { describe, expect, it } from 'vitest'
import { fakeFetch, json, rejection } from '../../test/fake-fetch.ts'
import { createSmsClient } from '../client/create-sms-client.ts'
import { isSmsApiError, type SmsApiError } from '../errors/sms-api-error.ts'
import { pollCommands } from '../poll/poll-commands.ts'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import type { AuthRequest } from './auth-provider.ts'
import { iamPasswordToken } from './iam-password-token.ts'

const START = Date.UTC(2026, 10, 27)
const request: AuthRequest = {
  method: 'GET',
  url: new URL('https://sms.example.test/v3/sources/s/command'),
  headers: new Headers(),
  body: null,
}

function issued(token: string) {
  return json({ token: { expires_at: new Date(START + 86_400_000).toISOString() } }, 201, {
    'X-Subject-Token': token,
  })
}

function throttled(headers: Record<string, string>) {
  return json({ error_code: 'APIGW.0308', error_msg: 'too many requests' }, 429, headers)
}

function setup(script: Parameters<typeof fakeFetch>[0], maxServerDelayMs?: number) {
  const scheduler = createVirtualScheduler(START)
  const iam = fakeFetch(script)
  const auth = iamPasswordToken({
    iamEndpoint: 'https://iam.example.test',
    user: 'ops',
    password: 'Pa55-secret',
    domain: 'acme',
    fetch: iam.fetch,
    scheduler,
    ...(maxServerDelayMs === undefined ? {} : { maxServerDelayMs }),
  })
  return { auth, iam, scheduler }
}

describe('iamPasswordToken and Retry-After', () => {
  it("puts IAM's Retry-After on the error and sends no login before it has passed", async () => {
    const { auth, iam, scheduler } = setup([throttled({ 'Retry-After': '20' }), issued('tok-1')])
    const first = (await rejection(auth.authorize(request))) as SmsApiError
    expect(isSmsApiError(first)).toBe(true)
    expect(first).toMatchObject({ status: 429, service: 'iam', retryAfterMs: 20_000 })
    await scheduler.advance(5_000)
    const held = (await rejection(auth.authorize(request))) as SmsApiError
    expect(held).toMatchObject({ status: 429, retryAfterMs: 15_000 })
    expect(held.message).toContain('no login is sent for 15 s more')
    expect(held.message).not.toContain('Pa55-secret')
    expect(iam.requests).toHaveLength(1)
    await scheduler.advance(15_000)
    expect(await auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-1' })
    expect(iam.requests).toHaveLength(2)
  })

  it("reads a Retry-After date on IAM's clock (its Date header), and clamps absurd delays", async () => {
    const iamNow = START + 3_600_000 // IAM's clock is an hour ahead of ours
    const dated = setup([
      throttled({
        Date: new Date(iamNow).toUTCString(),
        'Retry-After': new Date(iamNow + 30_000).toUTCString(),
      }),
    ])
    expect(await rejection(dated.auth.authorize(request))).toMatchObject({ retryAfterMs: 30_000 })
    const absurd = setup([throttled({ 'Retry-After': '2592000' })])
    expect(await rejection(absurd.auth.authorize(request))).toMatchObject({
      retryAfterMs: 300_000,
      retryAfterClampedFromMs: 2_592_000_000,
    })
    const bounded = setup([throttled({ 'Retry-After': '120' })], 60_000)
    expect(await rejection(bounded.auth.authorize(request))).toMatchObject({
      retryAfterMs: 60_000,
      retryAfterClampedFromMs: 120_000,
    })
  })

  it('also honours a 503 with Retry-After, and a 429 without one is tried again at once', async () => {
    const unavailable = setup([
      json({ error_code: 'IAM.0001', error_msg: 'busy' }, 503, { 'Retry-After': '3' }),
      issued('tok-2'),
    ])
    expect(await rejection(unavailable.auth.authorize(request))).toMatchObject({
      status: 503,
      retryAfterMs: 3_000,
    })
    await rejection(unavailable.auth.authorize(request))
    expect(unavailable.iam.requests).toHaveLength(1)
    await unavailable.scheduler.advance(3_000)
    expect(await unavailable.auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-2' })
    const plain = setup([throttled({}), issued('tok-3')])
    expect(await rejection(plain.auth.authorize(request))).toMatchObject({
      retryAfterMs: undefined,
    })
    expect(await plain.auth.authorize(request)).toEqual({ 'X-Auth-Token': 'tok-3' })
  })

  it("one login in 6.5 s, not 6, when a polling client meets IAM's 429 Retry-After: 20", async () => {
    const scheduler = createVirtualScheduler(START)
    const logins: number[] = []
    const network = fakeFetch([], (req) => {
      if (new URL(req.url).hostname === 'iam.example.test') {
        logins.push(scheduler.now() - START)
        return logins.length === 1 ? throttled({ 'Retry-After': '20' }) : issued('tok-ok')
      }
      return json({})
    })
    const auth = iamPasswordToken({
      iamEndpoint: 'https://iam.example.test',
      user: 'ops',
      password: 'Pa55-secret',
      domain: 'acme',
      fetch: network.fetch,
      scheduler,
    })
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth,
      scheduler,
      fetch: network.fetch,
      random: () => 0,
    })
    const controller = new AbortController()
    const poller = pollCommands(client, 'srv-1', {
      scheduler,
      intervalMs: 1_000,
      firstPollJitterMs: 0,
      backoff: { baseDelayMs: 500, maxDelayMs: 60_000 },
      requestRetry: { attempts: 4 },
      random: () => 0,
      signal: controller.signal,
    })
    // Whether the client's retry or the poll loop waits, nobody logs in before IAM's 20 s.
    let settled = false
    const events: unknown[] = []
    const collect = (async () => {
      for (;;) {
        const { value, done } = await poller.next()
        if (done) return
        events.push(value)
        if ((value as { type: string }).type !== 'error') return
      }
    })().finally(() => {
      settled = true
    })
    await scheduler.advance(6_500)
    expect(logins).toEqual([0])
    while (!settled && scheduler.now() - START < 120_000) await scheduler.runNext()
    await collect
    expect(logins).toHaveLength(2)
    expect(logins[1]).toBeGreaterThanOrEqual(20_000)
    expect(events.at(-1)).toMatchObject({ type: 'idle' })
    controller.abort()
  })
})
