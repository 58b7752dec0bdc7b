import { describe, expect, it } from 'vitest'
import { MockConfigError } from './errors.ts'
import { resolveSettings } from './options.ts'

function errorOf(fn: () => unknown): MockConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof MockConfigError) return error
    throw error
  }
  throw new Error('expected a MockConfigError')
}

describe('resolveSettings durations', () => {
  it('refuses durations that would break a date, naming the option and the range', () => {
    const cases: [Parameters<typeof resolveSettings>[0], string][] = [
      [{ tokenTtlMs: 1e300 }, 'tokenTtlMs'],
      [{ tokenTtlMs: 0 }, 'tokenTtlMs'],
      [{ maxSkewMs: -1 }, 'maxSkewMs'],
      [{ maxSkewMs: Number.NaN }, 'maxSkewMs'],
      [{ maxSkewMs: 8.64e15 }, 'maxSkewMs'],
      [{ limits: { connectedWindowMs: 2 ** 60 } }, 'limits.connectedWindowMs'],
      [{ limits: { connectedWindowMs: 0 } }, 'limits.connectedWindowMs'],
      [{ limits: { queue: 0 } }, 'limits.queue'],
      [{ rateLimit: { limit: 1, windowMs: 1e300 } }, 'rateLimit.windowMs'],
      [{ rateLimit: { limit: 1, windowMs: 1_500 } }, 'rateLimit.windowMs'],
      [{ rateLimit: { limit: 2 ** 53, windowMs: 1_000 } }, 'rateLimit.limit'],
    ]
    for (const [options, field] of cases) {
      const error = errorOf(() => resolveSettings({ seed: 1, ...options }))
      expect(error.field, JSON.stringify(options)).toBe(field)
    }
    expect(errorOf(() => resolveSettings({ tokenTtlMs: 1e300 })).message).toMatch(
      /^tokenTtlMs: expected a whole number of milliseconds 1–315360000000 \(ten years\), got 1e\+300$/,
    )
  })

  it('takes durations up to ten years', () => {
    const tenYears = 10 * 365 * 86_400_000
    const settings = resolveSettings({
      seed: 1,
      tokenTtlMs: tenYears,
      maxSkewMs: 0,
      limits: { connectedWindowMs: tenYears },
      rateLimit: { limit: 1, windowMs: tenYears },
    })
    expect(settings).toMatchObject({
      tokenTtlMs: tenYears,
      maxSkewMs: 0,
      limits: { connectedWindowMs: tenYears },
      rateLimit: { limit: 1, windowMs: tenYears },
    })
  })
})
