import { describe, expect, it } from 'vitest'
import { NOT_APPLIED_STATUSES, RETRYABLE_STATUSES, statusKind } from './status-kind.ts'

describe('statusKind', () => {
  it.each([408, 421, 425, 429, 503])('%i says the request was not carried out', (status) => {
    expect(statusKind(status)).toBe('not-applied')
    expect(NOT_APPLIED_STATUSES.has(status)).toBe(true)
    expect(RETRYABLE_STATUSES.has(status)).toBe(true)
  })

  it.each([500, 502, 504, 520, 599])('%i may or may not have been carried out', (status) => {
    expect(statusKind(status)).toBe('ambiguous')
    expect(NOT_APPLIED_STATUSES.has(status)).toBe(false)
  })

  it('retries the gateway transients but not 501 or 505, which answer the same every time', () => {
    expect([500, 502, 504].every((status) => RETRYABLE_STATUSES.has(status))).toBe(true)
    expect(RETRYABLE_STATUSES.has(501)).toBe(false)
    expect(RETRYABLE_STATUSES.has(505)).toBe(false)
  })

  it('tells a credentials 401 from the 401s SMS uses for faults of the request', () => {
    expect(statusKind(401)).toBe('credentials')
    expect(
      statusKind(401, { error_code: 'APIGW.0301', error_msg: 'incorrect IAM authentication' }),
    ).toBe('credentials')
    expect(statusKind(401, { error_code: 'SMS.2004', error_msg: 'body too large' })).toBe('refusal')
  })

  it.each([400, 403, 404, 409, 413, 422])(
    '%i is a refusal: the same bytes get the same no',
    (status) => {
      expect(statusKind(status)).toBe('refusal')
      expect(RETRYABLE_STATUSES.has(status)).toBe(false)
    },
  )
})
