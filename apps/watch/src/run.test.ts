import { describeProxies, readProxyEnvironment } from '@sms-command/cli-kit/proxy-fetch'
import { describe, expect, it } from 'vitest'
import { parseCommandLine } from './config.ts'
import { watchEndpoints } from './run.ts'

async function config(argv: string[], env: Record<string, string>) {
  const parsed = await parseCommandLine({ argv, env, readText: async () => '' })
  if (parsed.action !== 'run') throw new Error(`expected run, got ${parsed.action}`)
  return parsed.config
}

describe('watchEndpoints', () => {
  it('names SMS, IAM, the mock and each agent the watch requests', async () => {
    const watched = await config(
      [
        '--endpoint',
        'https://sms.example',
        '--servers',
        'a',
        '--iam-user',
        'ops',
        '--iam-domain',
        'acme',
        '--iam-endpoint',
        'https://iam.example/v3',
        '--mock',
        'http://127.0.0.1:4010',
        '--agent',
        'http://10.0.0.5:9464',
        '--agent',
        'http://10.0.0.6:9464',
      ],
      { SMS_IAM_PASSWORD: 'pw' },
    )
    expect(watchEndpoints(watched)).toEqual({
      SMS: 'https://sms.example/',
      IAM: 'https://iam.example/v3',
      mock: 'http://127.0.0.1:4010/',
      'agent 1': 'http://10.0.0.5:9464/',
      'agent 2': 'http://10.0.0.6:9464/',
    })
  })

  it('leads to an announcement that names the proxy per endpoint, never its password', async () => {
    const watched = await config(['--endpoint', 'https://sms.example', '--servers', 'a'], {
      SMS_TOKEN: 't',
    })
    const environment = readProxyEnvironment(
      (name) => ({ HTTPS_PROXY: 'http://ops:pw-SECRET@proxy.corp:3128' })[name],
    )
    const message = describeProxies(watchEndpoints(watched), environment)?.message
    expect(message).toBe(
      'requests go through the egress proxy http://proxy.corp:3128 (SMS), from HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured)',
    )
  })
})
