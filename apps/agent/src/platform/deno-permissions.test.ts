import { describe, expect, it } from 'vitest'
import type { AgentConfig } from '../config/load-config.ts'
import { agentEntryPath, denoPermissionAdvice, requiredGrants } from './deno-permissions.ts'

const config = {
  endpoint: 'https://sms.ap-southeast-1.myhuaweicloud.com',
  auth: {
    kind: 'iam-password',
    iamEndpoint: 'http://127.0.0.1:8080/iam',
    user: 'u',
    password: 'p',
    domain: 'd',
  },
  statusPort: 9464,
  statusHost: '127.0.0.1',
  stateDir: '/var/lib/sms-agent',
  dryRun: false,
  handlers: { default: '/opt/h', START: '/opt/h', SYNC: '/opt/sync' },
} as unknown as AgentConfig

describe('requiredGrants', () => {
  it('lists the narrowest Deno permissions the configuration needs', () => {
    expect(requiredGrants(config)).toEqual([
      { name: 'net', value: 'sms.ap-southeast-1.myhuaweicloud.com:443' },
      { name: 'net', value: '127.0.0.1:8080' },
      { name: 'net', value: '127.0.0.1:9464' },
      { name: 'read', value: '/var/lib/sms-agent' },
      { name: 'write', value: '/var/lib/sms-agent' },
      { name: 'read', value: '/opt/h' },
      { name: 'run', value: '/opt/h' },
      { name: 'read', value: '/opt/sync' },
      { name: 'run', value: '/opt/sync' },
      { name: 'run', value: 'kill' },
      { name: 'env', value: 'NODE_V8_COVERAGE' },
    ])
  })

  it('includes the IAM password file, read again before every login', () => {
    const withFile = {
      ...config,
      auth: { ...config.auth, passwordFile: '/etc/sms-agent/iam-password' },
    } as unknown as AgentConfig
    expect(requiredGrants(withFile)).toContainEqual({
      name: 'read',
      value: '/etc/sms-agent/iam-password',
    })
  })

  it('needs no write access, handlers or kill in a dry run', () => {
    const grants = requiredGrants({ ...config, dryRun: true, statusPort: undefined })
    expect(grants.map((grant) => grant.name)).toEqual(['net', 'net', 'read'])
  })

  it('includes the egress proxy host, in the hint too', () => {
    const grants = requiredGrants(config, ['http://user:pw@proxy.corp:3128'])
    expect(grants).toContainEqual({ name: 'net', value: 'proxy.corp:3128' })
    const hint = denoPermissionAdvice(grants, [{ name: 'net', value: 'proxy.corp:3128' }])
    expect(hint).toContain(
      '--allow-net=sms.ap-southeast-1.myhuaweicloud.com:443,127.0.0.1:8080,proxy.corp:3128',
    )
    expect(hint).not.toContain('pw')
  })

  // Deno refuses to strip types under node_modules: an installed agent runs from dist/cli.js.
  it('names the CLI file where this copy is installed, not src/cli.ts', () => {
    const installed =
      'file:///srv/app/node_modules/@sms-command/agent/dist/platform/deno-permissions.js'
    expect(agentEntryPath(installed)).toBe('/srv/app/node_modules/@sms-command/agent/dist/cli.js')
    expect(agentEntryPath('file:///work/apps/agent/src/platform/deno-permissions.ts')).toBe(
      '/work/apps/agent/src/cli.ts',
    )
    const hint = denoPermissionAdvice(
      requiredGrants(config),
      [{ name: 'read', value: '/opt/h' }],
      agentEntryPath(installed),
    )
    expect(hint).toMatch(/ \/srv\/app\/node_modules\/@sms-command\/agent\/dist\/cli\.js …$/)
    expect(hint).not.toContain('src/cli.ts')
  })
})
