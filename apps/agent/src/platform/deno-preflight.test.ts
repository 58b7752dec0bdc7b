import { describe, expect, it } from 'vitest'
import {
  DenoPermissionError,
  envPermissionAdvice,
  guardedReader,
  isDenoPermissionError,
  isGranted,
  settingsEnvGrants,
} from './deno-preflight.ts'

describe('the Deno preflight off Deno', () => {
  it('grants everything (Node and Bun have no permission model)', async () => {
    expect(isGranted({ name: 'env', value: 'SMS_TOKEN' })).toBe(true)
    expect(await guardedReader(async (path) => `read ${path}`)('/etc/x')).toBe('read /etc/x')
  })
})

describe('settingsEnvGrants', () => {
  it('asks for every setting variable and both spellings of the proxy variables', () => {
    const names = settingsEnvGrants(['SMS_TOKEN', 'SMS_ENDPOINT', 'SMS_TOKEN']).map((g) => g.value)
    expect(names).toEqual([
      'SMS_TOKEN',
      'SMS_ENDPOINT',
      'HTTPS_PROXY',
      'HTTP_PROXY',
      'NO_PROXY',
      'https_proxy',
      'http_proxy',
      'no_proxy',
    ])
  })
})

describe('envPermissionAdvice', () => {
  it('names the unreadable variables (never values) and the flag to add', () => {
    const advice = envPermissionAdvice(
      [{ name: 'env', value: 'SMS_TOKEN' }],
      '--allow-env=SMS_*,PATH',
      'src/cli.ts',
    )
    expect(advice).toContain('Deno may not read SMS_TOKEN')
    expect(advice).toContain('Add --allow-env=SMS_*,PATH')
    expect(advice).toContain('src/cli.ts')
  })
})

describe('DenoPermissionError', () => {
  it('names the grant and the flag', () => {
    const error = new DenoPermissionError({ name: 'read', value: '/etc/a.json' }, 'the config')
    expect(isDenoPermissionError(error)).toBe(true)
    expect(error.message).toContain('--allow-read=/etc/a.json')
    expect(isDenoPermissionError(new Error('x'))).toBe(false)
  })
})
