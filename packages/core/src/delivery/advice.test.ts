import { describe, expect, it } from 'vitest'
import { SmsApiError, SmsNetworkError, SmsRedirectError } from '../index.ts'
import { errorLabel, pollErrorAdvice, readableDuration, reportErrorAdvice } from './advice.ts'

const iam = (status: number) =>
  new SmsApiError({ status, service: 'iam', url: 'https://iam.example/v3/auth/tokens' })
const sms = (status: number) => new SmsApiError({ status, serverId: 'srv-1' })
const lockout = Object.assign(new Error('held back'), {
  name: 'IamPasswordRejectedError',
  retryAt: Date.UTC(2026, 10, 29, 20, 15),
})

describe('pollErrorAdvice', () => {
  it.each([
    ['IAM 401', iam(401), 'iam', '--iam-password-file', 'IAM refused the user name or password'],
    ['IAM 404', iam(404), 'iam', '--iam-endpoint', 'check --iam-endpoint'],
    ['IAM 403', iam(403), 'iam', '--iam-user', 'IAM denied'],
    ['a held-back login', lockout, 'iam', '--iam-user', '2026-11-29T20:15:00.000Z'],
    [
      'no connection to IAM',
      new SmsNetworkError('network', { service: 'iam' }),
      'iam',
      '--iam-endpoint',
      'no connection to IAM',
    ],
    ['SMS 404', sms(404), 'sms', '--server-id', 'check --server-id'],
    ['SMS 401', sms(401), 'sms', 'the credentials', 'SMS refused the credentials'],
  ])('%s: names %s and what to check', (_name, error, service, check, text) => {
    const advice = pollErrorAdvice(error)
    expect(advice.service).toBe(service)
    expect(advice.check).toContain(check)
    expect(advice.msg).toContain(text)
  })

  it('never sends an operator to --server-id for an IAM failure', () => {
    for (const status of [400, 401, 403, 404, 500]) {
      expect(pollErrorAdvice(iam(status)).msg).not.toContain('--server-id')
    }
  })

  // Every reason of a network failure has its own advice: an answer with oversized headers
  // came through the connection and the proxy, so "no connection" sends the operator astray.
  it.each([
    ['iam', 'headers-too-large', 'headers larger than this runtime accepts', '--iam-endpoint'],
    ['iam', 'timeout', 'did not answer within --request-timeout', '--iam-endpoint'],
    ['iam', 'network', 'no connection to IAM', '--iam-endpoint'],
    ['sms', 'headers-too-large', 'headers larger than this runtime accepts', '--endpoint'],
    ['sms', 'timeout', 'did not answer within --request-timeout', '--endpoint'],
    ['sms', 'network', 'no connection to SMS', '--endpoint'],
    ['sms', 'tls-certificate', 'TLS certificate is not trusted', 'the CA that signs --endpoint'],
    [
      'iam',
      'tls-certificate',
      'TLS certificate is not trusted',
      'the CA that signs --iam-endpoint',
    ],
  ] as const)('%s %s: says what happened, not another reason', (service, reason, text, check) => {
    const error = new SmsNetworkError(reason, {
      service,
      cause: new Error('x'),
      ...(service === 'iam' ? { url: 'https://iam.example/v3/auth/tokens' } : { serverId: 's' }),
    })
    const advice = pollErrorAdvice(error)
    expect(advice.service).toBe(service)
    expect(advice.msg).toContain(text)
    expect(advice.check).toContain(check)
    if (reason !== 'network') expect(advice.msg).not.toContain('no connection')
  })

  it('a redirect names where it pointed and the flag to check, never "no connection"', () => {
    const redirect = new SmsRedirectError({
      method: 'GET',
      path: '/v3/sources/s/command',
      serverId: 's',
      status: 301,
      location: 'https://elsewhere.example/login',
    })
    const advice = pollErrorAdvice(redirect)
    expect(advice.msg).toContain('301 redirect to https://elsewhere.example/login')
    expect(advice.check).toBe('--endpoint')
    expect(advice.msg).not.toContain('no connection')
    expect(errorLabel(redirect)).toBe('redirect')
  })

  it('says what the server asked for when the wait was capped', () => {
    const throttled = new SmsApiError({
      status: 429,
      serverId: 's',
      retryAfterMs: 300_000,
      retryAfterClampedFromMs: 86_400_000,
    })
    expect(pollErrorAdvice(throttled, { delayMs: 300_000, clampedFromMs: 86_400_000 }).msg).toBe(
      'SMS is throttling (429): server asked for 1 d; waiting 5 min (capped)',
    )
    expect(pollErrorAdvice(sms(429), { delayMs: 30_000 }).msg).toBe(
      'SMS is throttling (429): waiting 30 s as asked',
    )
    expect(reportErrorAdvice(throttled, { delayMs: 300_000 })).toContain(
      'server asked for 1 d; waiting 5 min (capped)',
    )
  })

  it('keeps the retry time of a held-back login', () => {
    expect(pollErrorAdvice(lockout).retryAt).toBe(lockout.retryAt)
  })
})

describe('errorLabel', () => {
  it('labels by status or failure kind', () => {
    expect(errorLabel(sms(503))).toBe('503')
    expect(errorLabel(new SmsNetworkError('timeout', {}))).toBe('timeout')
    expect(errorLabel(new Error('x'))).toBe('other')
    expect(errorLabel(new SmsNetworkError('headers-too-large', {}))).toBe('headers-too-large')
    // A login held back during an IAM lockout window is named, not "other".
    expect(errorLabel(lockout)).toBe('iam-locked-out')
  })

  it('writes durations as a person reads them', () => {
    expect(readableDuration(86_400_000)).toBe('1 d')
    expect(readableDuration(2_592_000_000)).toBe('30 d')
    expect(readableDuration(300_000)).toBe('5 min')
    expect(readableDuration(90_000)).toBe('1.5 min')
    expect(readableDuration(250)).toBe('250 ms')
  })
})
