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

describe('Huawei Cloud SDK variables (HUAWEICLOUD_SDK_AK, …)', () => {
  const spec = { program: 't', options: AUTH_SETTINGS }
  const readTextFile = async (path: string): Promise<string> => {
    throw new Error(`unexpected read of ${path}`)
  }
  const resolve = async (args: string[], env: Record<string, string>) => {
    const parsed = await parseCommandLine(spec, { args, env })
    if (parsed.action !== 'run') throw new Error('expected run')
    return { parsed, auth: await resolveAuthOptions(parsed, { readTextFile }) }
  }
  const SDK = {
    HUAWEICLOUD_SDK_AK: 'SDK-AK',
    HUAWEICLOUD_SDK_SK: 'sdk-sk',
    HUAWEICLOUD_SDK_SECURITY_TOKEN: 'sdk-session',
    HUAWEICLOUD_SDK_DOMAIN_ID: 'sdk-domain',
  }

  it('gives AK/SK (with session token and domain id) when no own setting is given', async () => {
    const { parsed, auth } = await resolve([], SDK)
    expect(auth).toEqual({
      kind: 'ak-sk',
      ak: 'SDK-AK',
      sk: 'sdk-sk',
      securityToken: 'sdk-session',
      domainId: 'sdk-domain',
    })
    expect(parsed.label('sk')).toBe('SMS_SK (from HUAWEICLOUD_SDK_SK)')
    expect(parsed.label('ak')).toBe('--ak (from HUAWEICLOUD_SDK_AK)')
  })

  it("lets the project's own names win, variable by variable and as a method", async () => {
    expect((await resolve([], { ...SDK, SMS_AK: 'OWN-AK', SMS_SK: 'own-sk' })).auth).toEqual({
      kind: 'ak-sk',
      ak: 'OWN-AK',
      sk: 'own-sk',
    })
    // A token beside a shell's SDK keys is a token, not "conflicting credentials".
    expect((await resolve([], { ...SDK, SMS_TOKEN: 'tok' })).auth).toEqual({
      kind: 'token',
      token: 'tok',
    })
    // The account's own domain id may go with the SDK's keys.
    expect((await resolve(['--domain-id', 'own-domain'], SDK)).auth).toMatchObject({
      ak: 'SDK-AK',
      domainId: 'own-domain',
    })
  })

  it('never pairs a key of one convention with the secret of the other', async () => {
    await expect(
      resolve(['--ak', 'OWN-AK'], { HUAWEICLOUD_SDK_SK: 'sdk-sk' }),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/^Missing SMS_SK/),
    })
  })

  it('are listed in --help beside the own variable', async () => {
    const { helpText } = await import('../help.ts')
    const help = helpText(spec, { intro: [] }, { columns: 200 })
    expect(help).toContain('also HUAWEICLOUD_SDK_AK')
    expect(help).toContain('also HUAWEICLOUD_SDK_SK')
  })
})
