import { describe, expect, it } from 'vitest'
import { AUTH_SECRET_FLAGS, AUTH_SETTINGS } from './auth-settings.ts'

describe('AUTH_SETTINGS', () => {
  it('names every credential setting once, each with its own variable', () => {
    const keys = AUTH_SETTINGS.map((setting) => setting.key)
    expect(new Set(keys).size).toBe(keys.length)
    expect(new Set(AUTH_SETTINGS.map((setting) => setting.env)).size).toBe(keys.length)
    expect([...keys].sort()).toEqual(
      [
        'ak',
        'domainId',
        'iamDomain',
        'iamEndpoint',
        'iamPassword',
        'iamPasswordFile',
        'iamUser',
        'securityToken',
        'sk',
        'skFile',
        'token',
        'tokenFile',
      ].sort(),
    )
  })

  it('gives no secret a flag, and refuses the flags one would try for them', () => {
    for (const setting of AUTH_SETTINGS.filter((entry) => entry.secret)) {
      expect(setting.flag).toBeUndefined()
      expect(Object.values(AUTH_SECRET_FLAGS).join(' ')).toContain(setting.env)
    }
    const flags = AUTH_SETTINGS.flatMap((setting) => (setting.flag ? [setting.flag] : []))
    for (const refused of Object.keys(AUTH_SECRET_FLAGS)) expect(flags).not.toContain(refused)
  })
})
