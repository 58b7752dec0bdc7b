import type { OptionTable } from '@sms-command/cli-kit'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { ConfigError, helpText, OPTIONS, parseCommandLine } from './config.ts'

const files: Record<string, string> = {
  '/ids.txt': '# fleet\nsrv-1\n\n  srv-2  \nsrv-1\n',
  '/token': 'file-token\n',
  '/empty': '  \n',
  '/sk': 'secret-key\n',
  '/admin': 'admin-from-file\n',
}
const readText = async (path: string) => {
  const content = files[path]
  if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  return content
}

async function parse(argv: string[], env: Record<string, string> = {}) {
  const parsed = await parseCommandLine({ argv, env, readText })
  if (parsed.action !== 'run') throw new Error(`expected run, got ${parsed.action}`)
  return parsed.config
}

async function failure(argv: string[], env: Record<string, string> = {}): Promise<ConfigError> {
  try {
    await parseCommandLine({ argv, env, readText })
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseCommandLine', () => {
  it('reads an API source with servers from flags and a file, deduplicated, and a token from the environment', async () => {
    const config = await parse(
      [
        '--endpoint',
        'https://sms.example.com',
        '--servers',
        'a, b,,c',
        '--servers=d',
        '--servers-file',
        '/ids.txt',
      ],
      { SMS_TOKEN: 'env-token' },
    )
    expect(config.api).toMatchObject({
      endpoint: 'https://sms.example.com/',
      serverIds: ['a', 'b', 'c', 'd', 'srv-1', 'srv-2'],
      auth: { kind: 'token', token: 'env-token' },
      concurrency: 8,
      intervalMs: 10_000,
      requestTimeoutMs: 10_000,
    })
    expect(config.refreshMs).toBe(500)
    expect(config.json).toBeUndefined()
  })

  it('takes the endpoint and servers from the environment and lets flags win', async () => {
    const config = await parse(['--interval', '2s'], {
      SMS_ENDPOINT: 'http://127.0.0.1:1',
      SMS_SERVERS: 'x,y',
      SMS_TOKEN_FILE: '/token',
      SMS_WATCH_INTERVAL: '30s',
    })
    expect(config.api?.serverIds).toEqual(['x', 'y'])
    expect(config.api?.auth).toEqual({ kind: 'token', token: 'file-token', tokenFile: '/token' })
    expect(config.api?.intervalMs).toBe(2_000)
  })

  it('reads AK/SK and IAM password credentials as sms-agent does', async () => {
    const base = ['--endpoint', 'http://sms.test', '--servers', 'a']
    expect(
      (await parse([...base, '--ak', 'AK1', '--sk-file', '/sk', '--domain-id', 'd1'])).api?.auth,
    ).toEqual({
      kind: 'ak-sk',
      ak: 'AK1',
      sk: 'secret-key',
      domainId: 'd1',
    })
    expect(
      (
        await parse([...base, '--iam-user', 'ops', '--iam-domain', 'acme'], {
          SMS_IAM_PASSWORD: 'pw',
        })
      ).api?.auth,
    ).toEqual({
      kind: 'iam-password',
      iamEndpoint: 'https://iam.myhuaweicloud.com',
      user: 'ops',
      password: 'pw',
      domain: 'acme',
    })
  })

  it('reads a mock source with its admin token, and agents, repeatable and comma-separated', async () => {
    const config = await parse([
      '--mock',
      'http://127.0.0.1:4010',
      '--admin-token-file',
      '/admin',
      '--agent',
      'http://127.0.0.1:9001,http://127.0.0.1:9002',
      '--agent',
      'http://127.0.0.1:9003',
      '--json',
      '--no-color',
      '--sort',
      'state',
      '--duration',
      '1m30s',
    ])
    expect(config.mock).toEqual({
      url: new URL('http://127.0.0.1:4010'),
      adminToken: 'admin-from-file',
    })
    expect(config.agents.map(String)).toEqual([
      'http://127.0.0.1:9001/',
      'http://127.0.0.1:9002/',
      'http://127.0.0.1:9003/',
    ])
    expect(config).toMatchObject({ json: true, color: false, sort: 'state', durationMs: 90_000 })
  })

  it('turns colour off when NO_COLOR is set to anything but the empty string', async () => {
    expect((await parse(['--mock', 'http://m'], { NO_COLOR: '1' })).color).toBe(false)
    expect((await parse(['--mock', 'http://m'], { NO_COLOR: '' })).color).toBe(true)
  })

  it.each([
    [['--bogus'], '--bogus', 'Unknown flag --bogus: see --help'],
    [['mock'], 'mock', 'Unexpected argument "mock"'],
    [[], 'source', 'Nothing to watch'],
    [['--mock'], '--mock', 'Missing value for --mock'],
    [['--mock', 'ftp://x'], '--mock', 'expected an http(s) URL, received "ftp://x"'],
    [['--mock', 'not a url'], '--mock', 'expected an absolute http(s) URL'],
    [['--mock', 'http://m', '--mock', 'http://n'], '--mock', 'Repeated flag --mock'],
    [['--mock', 'http://m', '--json=maybe'], '--json', 'expected true or false'],
    [
      ['--mock', 'http://m', '--refresh', '10'],
      '--refresh',
      'expected a duration like 500ms, 10s or 5m',
    ],
    [['--mock', 'http://m', '--refresh', '1ms'], '--refresh', 'expected between 50ms and 10s'],
    [['--mock', 'http://m', '--sort', 'size'], '--sort', 'expected one of server, state'],
    [['--endpoint', 'http://s'], '--servers', 'needs the servers to poll'],
    [['--servers', 'a', '--mock', 'http://m'], '--servers', 'needs --endpoint'],
    [['--endpoint', 'http://s', '--servers', 'a'], 'credentials', 'No credentials for --endpoint'],
    [
      ['--endpoint', 'http://s', '--servers', 'a', '--concurrency', '0'],
      '--concurrency',
      'from 1 to 256',
    ],
    [
      ['--endpoint', 'http://s', '--servers', 'a', '--servers-file', '/nope'],
      '--servers-file',
      'Cannot read --servers-file /nope: ENOENT',
    ],
    [
      ['--endpoint', 'http://s', '--servers', 'a', '--token-file', '/empty'],
      '--token-file',
      '/empty is empty',
    ],
    [
      ['--endpoint', 'http://s', '--servers', 'a', '--ak', 'A', '--token-file', '/token'],
      'credentials',
      'Conflicting credentials',
    ],
    [
      ['--endpoint', 'http://s', '--servers', 'a', '--ak', 'A'],
      'SMS_SK',
      'Missing SMS_SK or --sk-file',
    ],
    [
      ['--endpoint', 'http://s', '--servers', 'a', '--iam-user', 'u'],
      '--iam-domain',
      'Missing --iam-domain',
    ],
    [
      ['--admin-token', 't', '--agent', 'http://a'],
      '--admin-token',
      'The admin token is for --mock',
    ],
  ])('refuses %j, naming %s', async (argv, setting, message) => {
    const error = await failure(argv)
    expect(error.setting).toBe(setting)
    expect(error.message).toContain(message)
  })

  it('refuses secrets as flags and says where to put them, without echoing them', async () => {
    for (const [flag, hint] of [
      ['--token', 'SMS_TOKEN'],
      ['--sk', 'SMS_SK'],
      ['--iam-password', 'SMS_IAM_PASSWORD'],
    ] as const) {
      const error = await failure([flag, 'hunter2-secret'])
      expect(error.setting).toBe(flag)
      expect(error.message).toContain(hint)
      expect(error.message).not.toContain('hunter2-secret')
    }
    const inline = await failure(['--token=hunter2-secret'])
    expect(inline.message).not.toContain('hunter2-secret')
  })

  it('answers --help and --version before validating anything else', async () => {
    expect(await parseCommandLine({ argv: ['--bogus-later', '-h'].reverse(), env: {} })).toEqual({
      action: 'help',
    })
    expect(await parseCommandLine({ argv: ['--version'], env: {} })).toEqual({ action: 'version' })
  })
})

describe('helpText', () => {
  it('lists every flag and variable, and says watching is read-only and safe beside agents', () => {
    const help = helpText()
    for (const option of Object.values(OPTIONS) as { flag?: string; env?: string }[]) {
      if (option.flag) expect(help).toContain(option.flag)
      if (option.env) expect(help).toContain(option.env)
    }
    // Wrapped to the width: read as prose.
    const prose = help.replace(/\s+/g, ' ')
    expect(prose).toContain('read-only and safe beside running agents')
    expect(prose).toContain('does not consume the command')
    // One sentence, not three pre-wrapped pieces wrapped again (a new user saw broken lines).
    expect(prose).toContain('(it stays current until the agent reports its result)')
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80)
  })
})

describe('the shared option engine (same answers as every CLI)', () => {
  it.each([
    [['--bogus'], '--bogus', 'Unknown flag --bogus: see --help'],
    [
      ['--json', '--json'],
      '--json',
      'Repeated flag --json: expected it once (it is an on/off switch)',
    ],
    [
      ['--interval', '1s', '--interval', '2s'],
      '--interval',
      'Repeated flag --interval: expected it once (it takes one value)',
    ],
    [
      ['--interval', 'soon'],
      '--interval',
      'Invalid --interval: expected a duration like 500ms, 10s or 5m, received "soon"',
    ],
    [['--json=perhaps'], '--json', 'Invalid --json: expected true or false, received "perhaps"'],
  ])('answers %j with exit code 2 naming %s', async (argv, setting, message) => {
    const error = await failure(['--mock', 'http://m', ...argv])
    expect(error.setting).toBe(setting)
    expect(error.message).toBe(message)
    expect(error.exitCode).toBe(2)
  })

  it('names the variable a bad value came from', async () => {
    const error = await failure(['--mock', 'http://m'], { SMS_WATCH_REFRESH: '1h' })
    expect(error.message).toBe(
      'Invalid --refresh (from SMS_WATCH_REFRESH): expected between 50ms and 10s, received "1h"',
    )
  })

  it('takes --no-FLAG and --FLAG=true for every switch', async () => {
    expect(await parse(['--mock', 'http://m', '--json=true'])).toMatchObject({ json: true })
    expect(await parse(['--mock', 'http://m', '--no-json'])).toMatchObject({ json: false })
  })

  it('lists every row of the table in --help', () => {
    const help = helpText()
    for (const [, row] of Object.entries(OPTIONS) as [string, { flag?: string; env?: string }][]) {
      expect(help).toContain(row.flag ?? `(${row.env})`)
    }
  })

  it('never prints a secret in --print-config', async () => {
    const parsed = await parseCommandLine({
      argv: ['--print-config', '--endpoint', 'http://s', '--servers', 'a', '--mock', 'http://m'],
      env: { SMS_TOKEN: 'hunter2-token', SMS_MOCK_ADMIN_TOKEN: 'hunter2-admin' },
      readText,
    })
    if (parsed.action !== 'print-config') throw new Error('expected print-config')
    const printed = JSON.stringify(parsed.printed)
    expect(printed).not.toContain('hunter2')
    expect(parsed.printed).toMatchObject({ token: '[redacted]', adminToken: '[redacted]' })
  })
})

describe('parseCommandLine: the fleet (issue 12)', () => {
  it('--servers all discovers, with --state and --name as filters', async () => {
    const config = await parse(
      [
        '--endpoint',
        'https://sms.example.com',
        '--servers',
        'all',
        '--state',
        'replicate',
        '--name',
        'web',
      ],
      { SMS_TOKEN: 't' },
    )
    expect(config.api).toMatchObject({
      serverIds: [],
      discover: { state: 'replicate', name: 'web' },
    })
  })

  it('refuses all mixed with ids, and filters without --servers all', async () => {
    const mixed = await failure(['--endpoint', 'https://x', '--servers', 'all,a'], {
      SMS_TOKEN: 't',
    })
    expect(mixed.message).toContain('`all` discovers every server')
    const filter = await failure(
      ['--endpoint', 'https://x', '--servers', 'a', '--state', 'error'],
      {
        SMS_TOKEN: 't',
      },
    )
    expect(filter.setting).toBe('--state')
    expect(filter.message).toContain('--state filters --servers all')
  })

  it('has a conservative fleet-wide budget by default, and takes --max-rps or SMS_WATCH_MAX_RPS', async () => {
    const base = ['--endpoint', 'https://x', '--servers', 'a']
    expect((await parse(base, { SMS_TOKEN: 't' })).api?.maxRps).toBe(0.2)
    expect((await parse([...base, '--max-rps', '5'], { SMS_TOKEN: 't' })).api?.maxRps).toBe(5)
    expect((await parse(base, { SMS_TOKEN: 't', SMS_WATCH_MAX_RPS: '0.5' })).api?.maxRps).toBe(0.5)
    for (const bad of ['0', '-1', 'fast', '1e3', '5000']) {
      const error = await failure([...base, '--max-rps', bad], { SMS_TOKEN: 't' })
      expect(error.setting).toBe('--max-rps')
      expect(error.message).toContain('expected requests per second from 0.01 to 1000')
    }
  })

  it('documents the new flags in --help', () => {
    const help = helpText()
    for (const flag of ['--max-rps', '--state', '--name', '--servers all'])
      expect(help).toContain(flag)
  })
})

describe('variables shared with sms-agent', () => {
  it("doesn't take the agent's SMS_INTERVAL (one agent's poll cadence): SMS_WATCH_INTERVAL", async () => {
    const base = { SMS_MOCK_URL: 'http://127.0.0.1:1', SMS_ENDPOINT: 'http://sms.test' }
    const env = { ...base, SMS_SERVERS: 'a', SMS_TOKEN: 't', SMS_INTERVAL: '500ms' }
    const parsed = await parseCommandLine({ argv: [], env })
    if (parsed.action !== 'run') throw new Error('expected run')
    expect(parsed.config.api?.intervalMs).toBe(10_000)
    const own = await parseCommandLine({ argv: [], env: { ...env, SMS_WATCH_INTERVAL: '30s' } })
    if (own.action !== 'run') throw new Error('expected run')
    expect(own.config.api?.intervalMs).toBe(30_000)
  })

  it('means the same by every variable both read', async () => {
    // The agent's table is no longer part of its package API: read from its source, as a
    // workspace sibling (this test only runs in the repository).
    const { OPTIONS: AGENT } = await import('../../agent/src/config/options.ts')
    const names = (table: OptionTable) =>
      new Map(
        Object.entries(table).flatMap(([key, row]) =>
          [row.env, ...(row.envFallbacks ?? [])].flatMap((name) => (name ? [[name, key]] : [])),
        ),
      )
    const agent = names(AGENT)
    const shared = [...names(OPTIONS)].filter(([name]) => agent.has(name))
    // The credentials (cli-kit's AUTH_SETTINGS, one table), the SMS endpoint and one request's
    // deadline: the same setting under the same key in both, nothing else.
    for (const [name, key] of shared) expect(agent.get(name), name).toBe(key)
    // And the same values accepted: one schema (cli-kit's row), or for the endpoint, which the
    // watch may go without, the same answer to every value tried. A value one accepts never
    // makes the other refuse to start.
    const agentRows = AGENT as OptionTable
    const watchRows = OPTIONS as OptionTable
    for (const [name, key] of shared) {
      const [mine, theirs] = [watchRows[key]?.schema, agentRows[key]?.schema]
      if (name === 'SMS_ENDPOINT') {
        for (const value of ['https://sms.example.com', 'http://127.0.0.1:8080', 'ftp://x', 'sms'])
          expect(v.safeParse(mine as v.GenericSchema, value).success, value).toBe(
            v.safeParse(theirs as v.GenericSchema, value).success,
          )
      } else expect(mine, name).toBe(theirs)
    }
    expect(
      shared
        .map(([name]) => name)
        .filter((name) => !/^(SMS_(AK|SK|TOKEN|IAM|SECURITY|DOMAIN)|HUAWEICLOUD_SDK_)/.test(name)),
    ).toEqual(['SMS_ENDPOINT', 'SMS_REQUEST_TIMEOUT'])
  })
})
