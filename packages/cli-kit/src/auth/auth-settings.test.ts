import { describe, expect, it } from 'vitest'
import { parseCommandLine } from '../command-line.ts'
import { AUTH_SECRET_FLAGS, AUTH_SETTINGS, inGroup, resolveAuthOptions } from './auth-settings.ts'

const rows = Object.entries(AUTH_SETTINGS) as [
  string,
  (typeof AUTH_SETTINGS)[keyof typeof AUTH_SETTINGS],
][]

describe('AUTH_SETTINGS', () => {
  it('names every credential setting once, each with its own variable', () => {
    const keys = rows.map(([key]) => key)
    expect(new Set(rows.map(([, row]) => row.env)).size).toBe(keys.length)
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
    for (const [, row] of rows.filter(([, entry]) => 'secret' in entry && entry.secret)) {
      expect('flag' in row).toBe(false)
      expect(Object.values(AUTH_SECRET_FLAGS).join(' ')).toContain(row.env)
    }
    const flags = rows.flatMap(([, row]) => ('flag' in row ? [row.flag] : []))
    for (const refused of Object.keys(AUTH_SECRET_FLAGS)) expect(flags).not.toContain(refused)
  })
})

describe('resolveAuthOptions', () => {
  const spec = {
    program: 't',
    options: inGroup('Auth', AUTH_SETTINGS),
    refusedFlags: AUTH_SECRET_FLAGS,
  }
  const readTextFile = async (path: string) => {
    if (path === '/s/sk') return 'sk-from-file\n'
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  }

  it('resolves the parsed rows into one credential config', async () => {
    const parsed = await parseCommandLine(spec, {
      args: ['--ak', 'AK', '--sk-file', '/s/sk'],
      env: {},
    })
    if (parsed.action !== 'run') throw new Error('expected run')
    expect(await resolveAuthOptions(parsed, { readTextFile })).toEqual({
      kind: 'ak-sk',
      ak: 'AK',
      sk: 'sk-from-file',
    })
  })

  it('names settings as the command line gave them, as a ConfigError', async () => {
    const parsed = await parseCommandLine(spec, { args: ['--ak', 'AK'], env: { SMS_TOKEN: 't' } })
    if (parsed.action !== 'run') throw new Error('expected run')
    await expect(resolveAuthOptions(parsed, { readTextFile })).rejects.toMatchObject({
      name: 'ConfigError',
      setting: 'credentials',
      message:
        'Conflicting credentials: token (SMS_TOKEN) and AK/SK (--ak); use exactly one method',
    })
  })
})
