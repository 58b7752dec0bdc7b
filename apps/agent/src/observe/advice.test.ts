import { SmsApiError, SmsNetworkError } from '@sms-command/core'
import { describe, expect, it } from 'vitest'
import { errorLabel, pollErrorAdvice } from './advice.ts'

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

  it('keeps the retry time of a held-back login', () => {
    expect(pollErrorAdvice(lockout).retryAt).toBe(lockout.retryAt)
  })
})

describe('errorLabel', () => {
  it('labels by status or failure kind', () => {
    expect(errorLabel(sms(503))).toBe('503')
    expect(errorLabel(new SmsNetworkError('timeout', {}))).toBe('timeout')
    expect(errorLabel(new Error('x'))).toBe('other')
  })
})
