import type { SmsInputError } from '@sms-command/core'
import { describe, expect, it } from 'vitest'
import { type AuthSettings, authSecrets, resolveAuthConfig } from './resolve-auth-config.ts'

const files: Record<string, string> = {
  '/s/token': 'tok-from-file\n',
  '/s/sk': 'sk-from-file\n',
  '/s/password': 'pw-from-file\n',
  '/s/empty': '  \n',
}
const flags: Record<string, string> = {
  token: 'SMS_TOKEN',
  tokenFile: '--token-file',
  ak: '--ak',
  sk: 'SMS_SK',
  skFile: '--sk-file',
  iamUser: '--iam-user',
  iamDomain: '--iam-domain',
  iamPassword: 'SMS_IAM_PASSWORD',
  iamPasswordFile: '--iam-password-file',
}
const options = {
  readTextFile: async (path: string) => {
    const text = files[path]
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`)
    return text
  },
  label: (key: keyof AuthSettings) => flags[key] ?? key,
}

async function failure(settings: AuthSettings): Promise<SmsInputError> {
  try {
    await resolveAuthConfig(settings, options)
  } catch (error) {
    return error as SmsInputError
  }
  throw new Error('expected a failure')
}

describe('resolveAuthConfig', () => {
  it.each([
    [{ token: 'tok' }, { kind: 'token', token: 'tok' }],
    [{ tokenFile: '/s/token' }, { kind: 'token', token: 'tok-from-file', tokenFile: '/s/token' }],
    [
      { ak: 'AK', sk: 'SK', domainId: 'd' },
      { kind: 'ak-sk', ak: 'AK', sk: 'SK', domainId: 'd' },
    ],
    [
      { ak: 'AK', skFile: '/s/sk' },
      { kind: 'ak-sk', ak: 'AK', sk: 'sk-from-file' },
    ],
    [
      { iamUser: 'u', iamDomain: 'd', iamPasswordFile: '/s/password' },
      {
        kind: 'iam-password',
        iamEndpoint: 'https://iam.myhuaweicloud.com',
        user: 'u',
        password: 'pw-from-file',
        domain: 'd',
      },
    ],
    [
      { iamUser: 'u', iamDomain: 'd', iamPassword: 'pw', iamEndpoint: 'http://127.0.0.1:9' },
      {
        kind: 'iam-password',
        iamEndpoint: 'http://127.0.0.1:9',
        user: 'u',
        password: 'pw',
        domain: 'd',
      },
    ],
  ] as [AuthSettings, unknown][])('resolves %j', async (settings, expected) => {
    expect(await resolveAuthConfig(settings, options)).toEqual(expected)
  })

  it.each([
    [{}, 'credentials', 'No credentials: set SMS_TOKEN or --token-file'],
    [
      { token: 't', ak: 'AK' },
      'credentials',
      'Conflicting credentials: token (SMS_TOKEN) and AK/SK (--ak)',
    ],
    [{ token: 't', tokenFile: '/s/token' }, '--token-file', 'give the token one way only'],
    [{ tokenFile: '/s/missing' }, '--token-file', 'Cannot read --token-file /s/missing: ENOENT'],
    [{ tokenFile: '/s/empty' }, '--token-file', '/s/empty is empty'],
    [{ token: 'x'.repeat(16_385) }, 'SMS_TOKEN', 'expected a token of 1–16,384 characters'],
    [{ sk: 'SK' }, '--ak', 'AK/SK signing needs the access key id'],
    [{ ak: 'AK' }, 'SMS_SK', 'Missing SMS_SK or --sk-file'],
    [{ iamUser: 'u', iamPassword: 'pw' }, '--iam-domain', 'IAM password authentication needs it'],
    [
      { iamUser: 'u', iamDomain: 'd' },
      'SMS_IAM_PASSWORD',
      'Missing SMS_IAM_PASSWORD or --iam-password-file',
    ],
  ] as [AuthSettings, string, string][])(
    'refuses %j, naming %s',
    async (settings, field, message) => {
      const error = await failure(settings)
      expect(error.name).toBe('SmsInputError')
      expect(error.field).toBe(field)
      expect(error.message).toContain(message)
    },
  )

  it('says what needs the credentials when told', async () => {
    await expect(resolveAuthConfig({}, { ...options, purpose: 'for --endpoint' })).rejects.toThrow(
      /^No credentials for --endpoint: set SMS_TOKEN/,
    )
  })

  it('never puts a secret in a message', async () => {
    const error = await failure({ token: 'secret-token', ak: 'AK', sk: 'secret-sk' })
    expect(error.message).not.toMatch(/secret-token|secret-sk/)
  })

  it('lists the secrets of a config for redaction', () => {
    expect(authSecrets({ kind: 'token', token: 't' })).toEqual(['t'])
    expect(authSecrets({ kind: 'ak-sk', ak: 'A', sk: 's', securityToken: 'st' })).toEqual([
      's',
      'st',
    ])
    expect(
      authSecrets({
        kind: 'iam-password',
        iamEndpoint: 'x',
        user: 'u',
        password: 'p',
        domain: 'd',
      }),
    ).toEqual(['p'])
  })
})
