import { mkdtempSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '@sms-command/cli-kit'
import { describe, expect, it } from 'vitest'
import { OPTIONS, parseCli, startupLines, USAGE } from './cli.ts'
import { MockConfigError } from './errors.ts'
import { startNodeServer } from './node-server.ts'

describe('parseCli', () => {
  it('reads every flag, repeatable credentials included', async () => {
    const command = await parseCli(
      [
        '--host',
        '::1',
        '--port',
        '0',
        '--seed',
        '42',
        '--delivery',
        'pop',
        '--idle',
        'no-content',
        '--token',
        'a',
        '--token',
        'b',
        '--user',
        'ops:pa:ss',
        '--aksk',
        'AK1:SK1',
        '--auto-register',
        '--journal-size',
        '10',
      ],
      {},
    )
    expect(command).toEqual({
      help: false,
      options: {
        host: '::1',
        port: 0,
        seed: 42,
        delivery: 'pop',
        idle: 'no-content',
        tokens: ['a', 'b'],
        users: [{ name: 'ops', password: 'pa:ss' }],
        accessKeys: [{ ak: 'AK1', sk: 'SK1' }],
        autoRegister: true,
        journalSize: 10,
      },
    })
  })

  it('defaults to 127.0.0.1:8080 and takes the admin token from the environment', async () => {
    const command = await parseCli([], { SMS_MOCK_ADMIN_TOKEN: 'adm' })
    expect(command).toEqual({
      help: false,
      options: { host: '127.0.0.1', port: 8080, adminToken: 'adm' },
    })
  })

  it('names the flag of a bad value', async () => {
    for (const [args, setting] of [
      [['--port', '70000'], '--port'],
      [['--delivery', 'twice'], '--delivery'],
      [['--user', 'nopassword'], '--user'],
      [['--aksk', ':x'], '--aksk'],
      [['--seed', '-1'], '--seed'],
      [['--idle', 'x'], '--idle'],
      [['--rate-limit', '20'], '--rate-limit'],
      [['--auth-errors', 'both'], '--auth-errors'],
      [['--bogus'], '--bogus'],
      [['--host', '0.0.0.0'], '--host'],
      [['--scenario', '/nonexistent/file.json'], '--scenario'],
    ] as const) {
      const error = await parseCli(args, {}).catch((e: unknown) => e)
      expect(error, args.join(' ')).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).setting).toBe(setting)
      expect((error as ConfigError).exitCode).toBe(2)
    }
  })

  it.each([
    [['--bogus'], '--bogus', 'Unknown flag --bogus: see --help'],
    [
      ['--auto-register', '--auto-register'],
      '--auto-register',
      'Repeated flag --auto-register: expected it once (it is an on/off switch)',
    ],
    [
      ['--port', '1', '--port', '2'],
      '--port',
      'Repeated flag --port: expected it once (it takes one value)',
    ],
    [
      ['--port', 'http'],
      '--port',
      'Invalid --port: expected a whole number from 0 to 65535, received "http"',
    ],
    [
      ['--auto-register=perhaps'],
      '--auto-register',
      'Invalid --auto-register: expected true or false, received "perhaps"',
    ],
  ])('answers %j as every CLI does, naming %s', async (args, setting, message) => {
    const error = (await parseCli(args, {}).catch((e: unknown) => e)) as ConfigError
    expect(error.setting).toBe(setting)
    expect(error.message).toBe(message)
    expect(error.exitCode).toBe(2)
  })

  it.each([
    [['--aksk', 'A K:SK'], '--aksk', /^Invalid --aksk: expected no spaces, commas/],
    [
      ['--aksk', `AK:${'s'.repeat(16_385)}`],
      '--aksk',
      /^Invalid --aksk: expected secret key of at most/,
    ],
    [['--token', 't'.repeat(16_385)], '--token', /^Invalid --token: expected token of at most/],
    [
      ['--user', `${'u'.repeat(256)}:pw`],
      '--user',
      /^Invalid --user: expected user name of at most/,
    ],
    [
      ['--rate-limit', '20/ms'],
      '--rate-limit',
      /^Invalid --rate-limit: expected LIMIT\/UNIT .*units/,
    ],
    [['--rate-limit', '20/hs'], '--rate-limit', /^Invalid --rate-limit: expected LIMIT\/UNIT/],
    [
      ['--rate-limit', '1/3651days'],
      '--rate-limit',
      /^Invalid --rate-limit: expected a window of at most 3650 days \(ten years\)/,
    ],
  ])(
    'refuses %j in the flag, naming %s, never echoing a secret',
    async (args, setting, message) => {
      const error = (await parseCli(args, {}).catch((e: unknown) => e)) as ConfigError
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.setting).toBe(setting)
      expect(error.message).toMatch(message)
      expect(error.message).not.toContain('scenario')
      expect(error.message).not.toContain('sss')
      expect(error.exitCode).toBe(2)
    },
  )

  it('reads the rate limit and the auth-error style from the documented variables', async () => {
    const command = await parseCli([], {
      SMS_MOCK_RATE_LIMIT: '5/10s',
      SMS_MOCK_AUTH_ERRORS: 'sms',
    })
    expect(command).toMatchObject({
      help: false,
      options: { rateLimit: { limit: 5, windowMs: 10_000 }, authErrors: 'sms' },
    })
    const error = (await parseCli([], { SMS_MOCK_RATE_LIMIT: '20/ms' }).catch(
      (e: unknown) => e,
    )) as ConfigError
    expect(error.message).toMatch(
      /^Invalid --rate-limit \(from SMS_MOCK_RATE_LIMIT\): expected LIMIT\/UNIT/,
    )
    expect(error.exitCode).toBe(2)
  })

  it('reads every SMS_MOCK_ variable the README documents for the command line', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    // the Workers paragraph lists its bindings (SMS_MOCK_SCENARIO holds JSON there, not a path)
    const cliPart = readme.slice(0, readme.indexOf('**Workers** ('))
    const documented = new Set(cliPart.match(/SMS_MOCK_[A-Z_]+/g))
    const read = new Set<string>(
      Object.values(OPTIONS).flatMap((row) => ('env' in row ? [row.env] : [])),
    )
    expect(documented.size).toBeGreaterThan(0)
    expect([...documented].filter((name) => !read.has(name))).toEqual([])
  })

  it('reads the rate limit and the auth-error style', async () => {
    const command = await parseCli(['--rate-limit', '20/min', '--auth-errors', 'sms'], {})
    expect(command).toMatchObject({
      help: false,
      options: { rateLimit: { limit: 20, windowMs: 60_000 }, authErrors: 'sms' },
    })
  })

  it('takes a rate-limit window of any N within 3650 days and a LIMIT past nine digits, by flag and env', async () => {
    expect(await parseCli(['--rate-limit', '1/1000000s'], {})).toMatchObject({
      options: { rateLimit: { limit: 1, windowMs: 1_000_000_000 } },
    })
    expect(await parseCli([], { SMS_MOCK_RATE_LIMIT: '1000000000/min' })).toMatchObject({
      options: { rateLimit: { limit: 1_000_000_000, windowMs: 60_000 } },
    })
    const window = (await parseCli(['--rate-limit', '1/315360001s'], {}).catch(
      (e: unknown) => e,
    )) as ConfigError
    expect(window.message).toMatch(
      /^Invalid --rate-limit: expected a window of at most 3650 days \(ten years\), received "1\/315360001s"$/,
    )
    expect(window.exitCode).toBe(2)
    const limit = (await parseCli([], { SMS_MOCK_RATE_LIMIT: '9007199254740992/min' }).catch(
      (e: unknown) => e,
    )) as ConfigError
    expect(limit.message).toMatch(
      /^Invalid --rate-limit \(from SMS_MOCK_RATE_LIMIT\): expected LIMIT\/UNIT with a LIMIT of 1 to 9007199254740991 requests/,
    )
  })

  it('repeats --token, --user and --aksk, and takes switches as --no-FLAG', async () => {
    const command = await parseCli(['--token', 'a,b', '--token', 'c', '--no-auto-register'], {})
    expect(command).toEqual({
      help: false,
      options: { host: '127.0.0.1', port: 8080, tokens: ['a,b', 'c'] },
    })
  })

  it('lists every row of the table in --help', () => {
    for (const row of Object.values(OPTIONS)) expect(USAGE).toContain(row.flag)
    expect(USAGE).toContain('SMS_MOCK_ADMIN_TOKEN')
  })

  it('never prints a secret in --print-config, nor in an error', async () => {
    const command = await parseCli(
      [
        '--print-config',
        '--token',
        'tok-hunter2',
        '--user',
        'ops:pw-hunter2',
        '--aksk',
        'AK:sk-hunter2',
      ],
      { SMS_MOCK_ADMIN_TOKEN: 'adm-hunter2' },
    )
    if (command.help || !command.printed) throw new Error('expected print-config')
    expect(JSON.stringify(command.printed)).not.toContain('hunter2')
    expect(command.printed).toMatchObject({ tokens: '[redacted]', adminToken: '[redacted]' })
    const error = (await parseCli(['--user', 'pw-hunter2'], {}).catch((e: unknown) => e)) as Error
    expect(error.message).toBe(
      'Invalid --user: expected NAME:PASSWORD, received a string of 10 characters',
    )
  })

  it('reads and validates the scenario file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'))
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ servers: [{ id: '' }] }))
    const error = await parseCli(['--scenario', join(dir, 'bad.json')], {}).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/servers\[0\]\.id/)
  })
})

describe('startupLines', () => {
  it('prints the demo credentials when none are given, and never flag secrets', async () => {
    const demo = await startNodeServer({ port: 0 })
    const secret = await startNodeServer({
      port: 0,
      tokens: ['very-secret-token'],
      accessKeys: [{ ak: 'AKX', sk: 'sk-very-secret' }],
    })
    try {
      const demoLines = startupLines(demo, {})
      expect(demoLines[0]).toBe(`sms-mock listening on ${demo.url}`)
      expect(demoLines.join('\n')).toContain('demo-token')
      const lines = startupLines(secret, {
        tokens: ['very-secret-token'],
        accessKeys: [{ ak: 'AKX', sk: 'sk-very-secret' }],
      })
      expect(lines.join('\n')).not.toMatch(/very-secret/)
      expect(lines.join('\n')).toContain('1 token(s)')
    } finally {
      await demo.close()
      await secret.close()
    }
  })

  it('counts the credentials of a scenario too, not only those of flags', async () => {
    const mock = await startNodeServer({
      port: 0,
      scenario: {
        tokens: ['scenario-token-1', 'scenario-token-2'],
        users: [{ name: 'ops', password: 'scenario-password' }],
      },
    })
    try {
      const text = startupLines(mock, {}).join('\n')
      expect(text).toContain('credentials: 2 token(s), 1 user(s), 0 AK/SK pair(s)')
      expect(text).not.toMatch(/scenario-token|scenario-password/)
    } finally {
      await mock.close()
    }
  })
})

describe('startNodeServer', () => {
  it('refuses a non-loopback host without an admin token', async () => {
    const error = await startNodeServer({ host: '0.0.0.0', port: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MockConfigError)
    expect((error as Error).message).toMatch(/0\.0\.0\.0 is not a loopback address.*--admin-token/)
  })

  it('serves on a free port and closes, event streams included', async () => {
    const mock = await startNodeServer({ port: 0, demo: false, tokens: ['t'] })
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const events = await fetch(`${mock.url}/_mock/events`)
    expect(events.status).toBe(200)
    await mock.close()
    await expect(fetch(`${mock.url}/openapi.json`)).rejects.toThrow()
  })
})
