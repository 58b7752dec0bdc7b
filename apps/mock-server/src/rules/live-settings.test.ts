import { describe, expect, it } from 'vitest'
import {
  initialLiveState,
  throttleRequest,
  updateLiveSettings,
  viewLiveSettings,
} from './live-settings.ts'

const TWO_PER_MINUTE = { limit: 2, windowMs: 60_000 }

describe('live settings', () => {
  it('starts from the configured settings', () => {
    const live = initialLiveState({ authErrors: 'sms', rateLimit: TWO_PER_MINUTE })
    expect(viewLiveSettings(live)).toEqual({ authErrors: 'sms', rateLimit: TWO_PER_MINUTE })
  })

  it('changes only the settings given', () => {
    const live = initialLiveState({ authErrors: 'gateway', rateLimit: null })
    expect(updateLiveSettings(live, { authErrors: 'sms' })).toEqual({
      authErrors: 'sms',
      rateLimit: null,
    })
    expect(updateLiveSettings(live, { rateLimit: TWO_PER_MINUTE })).toEqual({
      authErrors: 'sms',
      rateLimit: TWO_PER_MINUTE,
    })
  })

  it('refuses a request past the limit and counts afresh under a new limit', () => {
    const live = initialLiveState({ authErrors: 'gateway', rateLimit: TWO_PER_MINUTE })
    const key = 'iam-token:acme:ops'
    expect(throttleRequest(live, key, 'command', 0).ok).toBe(true)
    expect(throttleRequest(live, key, 'command', 1).ok).toBe(true)
    expect(throttleRequest(live, key, 'command', 2)).toMatchObject({
      ok: false,
      retryAfterSeconds: 60,
    })
    updateLiveSettings(live, { rateLimit: TWO_PER_MINUTE })
    expect(throttleRequest(live, key, 'command', 3).ok).toBe(true)
  })

  it('counts a principal under its identity key', () => {
    const live = initialLiveState({
      authErrors: 'gateway',
      rateLimit: { limit: 1, windowMs: 1_000 },
    })
    const principal = { kind: 'ak-sk', account: 'acme', name: 'AK1' } as const
    expect(throttleRequest(live, principal, 'command', 0).ok).toBe(true)
    expect(throttleRequest(live, 'ak-sk:acme:AK1', 'command', 1).ok).toBe(false)
  })

  it('keeps one budget per identity and API, as API Gateway counts (docs/api.md §7)', () => {
    const live = initialLiveState({ authErrors: 'gateway', rateLimit: TWO_PER_MINUTE })
    const principal = { kind: 'iam-token', account: 'acme', name: 'ops' } as const
    expect(throttleRequest(live, principal, 'command', 0).ok).toBe(true)
    expect(throttleRequest(live, principal, 'command', 1).ok).toBe(true)
    expect(throttleRequest(live, principal, 'command', 2).ok).toBe(false)
    // the same user's result reports and fleet list draw on budgets of their own
    expect(throttleRequest(live, principal, 'command_result', 3).ok).toBe(true)
    expect(throttleRequest(live, principal, 'sources', 4).ok).toBe(true)
    expect(throttleRequest(live, principal, 'sources', 5).ok).toBe(true)
    expect(throttleRequest(live, principal, 'sources', 6).ok).toBe(false)
    expect(throttleRequest(live, principal, 'command_result', 7).ok).toBe(true)
    expect(throttleRequest(live, principal, 'command_result', 8).ok).toBe(false)
  })

  it('lets every request through when no limit is set', () => {
    const live = initialLiveState({ authErrors: 'gateway', rateLimit: null })
    for (let i = 0; i < 100; i++) expect(throttleRequest(live, 'k', 'command', i).ok).toBe(true)
    expect(live.rate.windows.size).toBe(0)
  })
})
