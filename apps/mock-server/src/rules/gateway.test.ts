import { describe, expect, it } from 'vitest'
import { gatewayAuthMessage, httpDate } from './gateway.ts'

describe('gateway texts', () => {
  const now = Date.UTC(2026, 10, 29, 18, 42, 17)

  it("formats times as X-Sdk-Date (core's formatSdkDate, in the skew text) and the Date header do", () => {
    expect(gatewayAuthMessage('clock-skew', { sdkDate: null, now, tokenHeader: false })).toMatch(
      /,server time:20261129T184217Z$/,
    )
    expect(httpDate(now)).toBe('Sun, 29 Nov 2026 18:42:17 GMT')
    expect(httpDate(now + 999)).toBe('Sun, 29 Nov 2026 18:42:17 GMT')
    expect(httpDate(now + 1000)).toBe('Sun, 29 Nov 2026 18:42:18 GMT')
  })

  it('words a skewed signature as the field sample, with both times', () => {
    expect(
      gatewayAuthMessage('clock-skew', { sdkDate: '20261129T182216Z', now, tokenHeader: false }),
    ).toBe(
      'Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:20261129T182216Z,server time:20261129T184217Z',
    )
  })

  it('gives every other signature failure the one text that reveals nothing', () => {
    for (const reason of ['bad-signature', 'unknown-ak', 'ak-locked', 'domain-mismatch'] as const) {
      expect(gatewayAuthMessage(reason, { sdkDate: null, now, tokenHeader: false })).toBe(
        'Incorrect IAM authentication information: verify aksk signature fail',
      )
    }
  })
})
