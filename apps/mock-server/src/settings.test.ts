import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { workerOptions } from './adapters/workers/variables.ts'
import { OPTIONS, parseCli } from './cli.ts'
import { MockConfigError } from './errors.ts'
import { resolveSettings } from './options.ts'
import { parseScenario } from './scenario.ts'
import {
  checkSetting,
  LiveSettingsSchema,
  MOCK_SETTINGS,
  type MockSetting,
  RateLimitSchema,
  rateLimitOf,
  settingsFromEnv,
} from './settings.ts'

const rows = Object.entries(MOCK_SETTINGS) as [string, MockSetting][]

function errorOf(fn: () => unknown): MockConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof MockConfigError) return error
    throw error
  }
  throw new Error('expected a MockConfigError')
}

describe('MOCK_SETTINGS, the one table of settings', () => {
  it('gives every row with a flag a row of the CLI, with its variable', () => {
    const cli = OPTIONS as Record<string, { flag?: string; env?: string }>
    for (const [name, setting] of rows) {
      if (setting.flag === undefined) continue
      expect(cli[name]?.flag, name).toBe(setting.flag)
      expect(cli[name]?.env, name).toBe(setting.env)
    }
  })

  it('lets a scenario set exactly the scenario rows, and POST /_mock/settings the live rows', () => {
    for (const [name, setting] of rows) {
      const value = setting.default ?? (name === 'seed' ? 7 : undefined)
      if (value === undefined) continue
      if (setting.scenario) expect(() => parseScenario({ [name]: value }), name).not.toThrow()
      else expect(() => parseScenario({ [name]: value }), name).toThrow(/unknown field/)
    }
    const live = rows.filter(([, setting]) => setting.live).map(([name]) => name)
    expect(Object.keys(LiveSettingsSchema.entries).sort()).toEqual(live.sort())
  })

  it('checks each default with its own schema', () => {
    for (const [name, setting] of rows) {
      if (setting.default === undefined) continue
      expect(v.safeParse(setting.schema, setting.default).success, name).toBe(true)
    }
  })

  it('names the setting and the part of it that is wrong', () => {
    expect(errorOf(() => checkSetting('journalSize', 0)).message).toBe(
      'journalSize: expected a positive integer',
    )
    expect(errorOf(() => checkSetting('rateLimit', { limit: 1, windowMs: 1_500 })).message).toBe(
      'rateLimit.windowMs: expected a whole number of seconds in ms',
    )
    expect(errorOf(() => checkSetting('rateLimit', '20/ms')).field).toBe('rateLimit')
    expect(errorOf(() => checkSetting('limits', { queue: 0 })).field).toBe('limits.queue')
  })
})

describe('rateLimit, read in one place', () => {
  it('takes "N/unit" text and {limit, windowMs} alike, and null for none', () => {
    expect(rateLimitOf(v.parse(RateLimitSchema, '20/min'))).toEqual({ limit: 20, windowMs: 60_000 })
    expect(rateLimitOf(v.parse(RateLimitSchema, { limit: 5, windowMs: 10_000 }))).toEqual({
      limit: 5,
      windowMs: 10_000,
    })
    expect(rateLimitOf(v.parse(RateLimitSchema, null))).toBeNull()
    for (const given of ['20/min', { limit: 20, windowMs: 60_000 }]) {
      expect(resolveSettings({ seed: 1, rateLimit: given }).rateLimit).toEqual({
        limit: 20,
        windowMs: 60_000,
      })
      expect(resolveSettings({ seed: 1, scenario: { rateLimit: given } }).rateLimit).toEqual({
        limit: 20,
        windowMs: 60_000,
      })
    }
  })

  it('words a bad budget the same for an option, a scenario, a variable and a flag', async () => {
    const message = 'expected a window of at most 3650 days (ten years)'
    expect(errorOf(() => resolveSettings({ rateLimit: '1/3651days' })).message).toBe(
      `rateLimit: ${message}`,
    )
    expect(errorOf(() => parseScenario({ rateLimit: '1/3651days' })).message).toBe(
      `scenario.rateLimit: ${message}`,
    )
    expect(errorOf(() => workerOptions({ SMS_MOCK_RATE_LIMIT: '1/3651days' })).message).toBe(
      `SMS_MOCK_RATE_LIMIT: ${message}`,
    )
    await expect(parseCli(['--rate-limit', '1/3651days'], {})).rejects.toThrow(
      `Invalid --rate-limit: ${message}`,
    )
  })
})

describe("the Worker's variables", () => {
  it('reads every app row that names a variable, text or JSON, and never a listener row', () => {
    expect(
      workerOptions({
        SMS_MOCK_SEED: '7',
        SMS_MOCK_DELIVERY: 'pop',
        SMS_MOCK_IDLE: 'no-content',
        SMS_MOCK_AUTO_REGISTER: true,
        SMS_MOCK_AUTH_ERRORS: 'sms',
        SMS_MOCK_RATE_LIMIT: '20/min',
        SMS_MOCK_ADMIN_TOKEN: 'secret',
      }),
    ).toEqual({
      seed: 7,
      delivery: 'pop',
      idle: 'no-content',
      autoRegister: true,
      authErrors: 'sms',
      rateLimit: { limit: 20, windowMs: 60_000 },
      adminToken: 'secret',
    })
    expect(settingsFromEnv({ PORT: '9', HOST: '::1', SMS_MOCK_SEED: 3 }, 'app')).toEqual({
      seed: 3,
    })
    expect(settingsFromEnv({ PORT: '9', HOST: '::1' }, 'listener')).toEqual({
      port: 9,
      host: '::1',
    })
  })

  it('seeds faults with 0 unless a variable or the scenario gives a seed (isolates agree)', () => {
    expect(workerOptions({}).seed).toBe(0)
    expect(workerOptions({ SMS_MOCK_SCENARIO: '{"seed":5}' }).seed).toBeUndefined()
    expect(resolveSettings(workerOptions({ SMS_MOCK_SCENARIO: '{"seed":5}' })).seed).toBe(5)
  })

  it('refuses a bad value naming the variable', () => {
    const error = errorOf(() => workerOptions({ SMS_MOCK_DELIVERY: 'later' }))
    expect(error.field).toBe('SMS_MOCK_DELIVERY')
    expect(error.message).toBe('SMS_MOCK_DELIVERY: expected ack or pop')
    expect(errorOf(() => workerOptions({ SMS_MOCK_SEED: 'x' })).field).toBe('SMS_MOCK_SEED')
  })
})

describe('PORT and HOST (the container convention)', () => {
  it('--port and --host win, then PORT and HOST, then 8080 on 127.0.0.1', async () => {
    const env = { PORT: '7000', HOST: '::1' }
    expect(await parseCli(['--port', '9000', '--host', '127.0.0.2'], env)).toMatchObject({
      options: { port: 9000, host: '127.0.0.2' },
    })
    expect(await parseCli([], env)).toMatchObject({ options: { port: 7000, host: '::1' } })
    expect(await parseCli([], {})).toMatchObject({ options: { port: 8080, host: '127.0.0.1' } })
    await expect(parseCli([], { PORT: 'http' })).rejects.toThrow(/PORT/)
  })
})
