import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { AUTH_SETTINGS } from './auth/auth-settings.ts'
import {
  type CommandLineSpec,
  type OptionTable,
  parseCommandLine,
  settingVariables,
} from './command-line.ts'
import type { ConfigError } from './config-error.ts'
import { helpText, printableConfig } from './help.ts'
import {
  boolean,
  duration,
  httpUrl,
  integer,
  list,
  oneOf,
  path,
  secretText,
  text,
} from './schemas.ts'

const OPTIONS = {
  endpoint: { flag: '--endpoint', env: 'T_ENDPOINT', schema: httpUrl(), help: 'base URL' },
  interval: {
    flag: '--interval',
    env: 'T_INTERVAL',
    schema: duration({ min: 1 }),
    default: '10s',
    as: 'intervalMs',
    group: 'Polling',
    help: 'pause between polls',
  },
  once: { flag: '--once', env: 'T_ONCE', schema: boolean(), default: false, help: 'poll once' },
  format: { flag: '--format', schema: oneOf(['json', 'text']), default: 'json', help: 'output' },
  port: { flag: '--port', schema: v.optional(integer({ min: 0, max: 65_535 })), help: 'port' },
  dir: { flag: '--dir', env: 'T_DIR', schema: v.optional(path()), help: 'state directory' },
  servers: { flag: '--servers', env: 'T_SERVERS', schema: v.optional(list(text())), help: 'ids' },
  password: { env: 'T_PASSWORD', schema: v.optional(secretText()), secret: true, help: 'secret' },
  pin: {
    env: 'T_PIN',
    schema: v.optional(v.pipe(v.string(), v.maxLength(4, 'expected at most 4 characters'))),
    secret: true,
    help: 'a short secret',
  },
} as const satisfies OptionTable

const SPEC: CommandLineSpec<typeof OPTIONS> = {
  program: 'tool',
  options: OPTIONS,
  refusedFlags: { '--password': 'T_PASSWORD' },
  version: true,
  configFile: { flag: '--config', env: 'T_CONFIG' },
}

const FILES: Record<string, string> = {
  '/etc/tool.json': JSON.stringify({ interval: '1m', format: 'text', dir: 'state', once: true }),
  '/etc/bad.json': JSON.stringify({ format: 'yaml' }),
  '/etc/typo.json': JSON.stringify({ intervall: '1s' }),
  '/etc/broken.json': '{"interval": ',
}
const readTextFile = async (file: string) => {
  const text = FILES[file]
  if (text === undefined) throw Object.assign(new Error(`no such file ${file}`), { code: 'ENOENT' })
  return text
}

async function run(args: string[], env: Record<string, string> = {}) {
  const parsed = await parseCommandLine(SPEC, { args, env, cwd: '/work', readTextFile })
  if (parsed.action !== 'run' && parsed.action !== 'print-config') throw new Error(parsed.action)
  return parsed
}

async function failure(args: string[], env: Record<string, string> = {}): Promise<ConfigError> {
  const all = args.includes('--endpoint') ? args : [...BASE, ...args]
  const error = await parseCommandLine(SPEC, { args: all, env, cwd: '/work', readTextFile }).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!(error instanceof Error) || error.name !== 'ConfigError')
    throw new Error('expected a ConfigError')
  return error as ConfigError
}

const BASE = ['--endpoint', 'https://sms.test']

describe('parseCommandLine', () => {
  it('applies defaults through the schema and names values by their row', async () => {
    const { values, sources, given } = await run(BASE)
    expect(values).toEqual({
      endpoint: 'https://sms.test',
      intervalMs: 10_000,
      once: false,
      format: 'json',
      port: undefined,
      dir: undefined,
      servers: undefined,
      password: undefined,
      pin: undefined,
    })
    expect(sources.interval).toEqual({ kind: 'default', name: 'default' })
    expect(given('interval')).toBe(false)
    expect(given('endpoint')).toBe(true)
  })

  it('prefers a flag over the environment over the config file over the default', async () => {
    const { values, sources } = await run(
      ['--config', '/etc/tool.json', '--interval', '5s', ...BASE],
      {
        T_INTERVAL: '20s',
        T_ONCE: 'false',
      },
    )
    expect(values).toMatchObject({
      intervalMs: 5_000,
      once: false,
      format: 'text',
      dir: '/etc/state',
    })
    expect(sources.interval).toEqual({ kind: 'flag', name: '--interval' })
    expect(sources.once).toEqual({ kind: 'env', name: 'T_ONCE' })
    expect(sources.format).toEqual({ kind: 'file', name: '/etc/tool.json' })
  })

  it('finds the config file through its variable, and treats empty variables as unset', async () => {
    const { values } = await run(BASE, { T_CONFIG: '/etc/tool.json', T_INTERVAL: '' })
    expect(values.intervalMs).toBe(60_000)
  })

  it.each([
    [['--once'], true],
    [['--once=true'], true],
    [['--once=false'], false],
    [['--no-once'], false],
    [['--once=off'], false],
  ])('reads the switch %j as %s', async (args, expected) => {
    expect((await run([...BASE, ...args])).values.once).toBe(expected)
  })

  it('resolves relative paths against the working directory or the config file', async () => {
    expect((await run([...BASE, '--dir', 'state'])).values.dir).toBe('/work/state')
    expect((await run(BASE, { T_DIR: '/abs' })).values.dir).toBe('/abs')
  })

  it('collects a list from repeated flags and commas, or from one variable', async () => {
    expect((await run([...BASE, '--servers', 'a, b,,c', '--servers=d'])).values.servers).toEqual([
      'a',
      'b',
      'c',
      'd',
    ])
    expect((await run(BASE, { T_SERVERS: 'x,y' })).values.servers).toEqual(['x', 'y'])
  })

  it('answers --help and --version before anything else, even after a mistake', async () => {
    const inputs = { env: {}, readTextFile }
    expect(await parseCommandLine(SPEC, { ...inputs, args: ['--bogus', '-h'] })).toEqual({
      action: 'help',
    })
    expect(await parseCommandLine(SPEC, { ...inputs, args: ['--interval', 'x', '-V'] })).toEqual({
      action: 'version',
    })
  })

  it('asks for print-config', async () => {
    expect((await run([...BASE, '--print-config'])).action).toBe('print-config')
  })

  it.each([
    [
      ['--intervall', '1s'],
      {},
      '--intervall',
      'Unknown flag --intervall: did you mean --interval? see --help',
    ],
    [['--zzz'], {}, '--zzz', 'Unknown flag --zzz: see --help'],
    [
      ['--once', '--once'],
      {},
      '--once',
      'Repeated flag --once: expected it once (it is an on/off switch)',
    ],
    [
      ['--once', '--no-once'],
      {},
      '--once',
      'Repeated flag --once: expected it once (it is an on/off switch)',
    ],
    [
      ['--interval', '1s', '--interval=2s'],
      {},
      '--interval',
      'Repeated flag --interval: expected it once (it takes one value)',
    ],
    [['--no-once=x'], {}, '--no-once', 'Invalid --no-once: expected no value, received "x"'],
    [['--interval'], {}, '--interval', 'Missing value for --interval: expected DURATION'],
    [['--interval', '--once'], {}, '--interval', 'Missing value for --interval: expected DURATION'],
    [['start'], {}, 'start', 'Unexpected argument "start": every option is a --flag (see --help)'],
    [
      ['--interval', '10x'],
      {},
      '--interval',
      'Invalid --interval: expected a duration like 500ms, 10s or 5m, received "10x"',
    ],
    [
      [],
      { T_INTERVAL: '0ms' },
      '--interval',
      'Invalid --interval (from T_INTERVAL): expected at least 1ms, received "0ms"',
    ],
    [['--once=maybe'], {}, '--once', 'Invalid --once: expected true or false, received "maybe"'],
    [
      ['--format', 'xml'],
      {},
      '--format',
      'Invalid --format: expected json or text, received "xml"',
    ],
    [['--port', '70000'], {}, '--port', 'Invalid --port: expected a whole number from 0 to 65535'],
    [
      ['--port', 'http'],
      {},
      '--port',
      'Invalid --port: expected a whole number from 0 to 65535, received "http"',
    ],
    [
      ['--port', '1.5'],
      {},
      '--port',
      'Invalid --port: expected a whole number from 0 to 65535, received "1.5"',
    ],
    [
      ['--servers', 'a', '--endpoint', 'ftp://x'],
      {},
      '--endpoint',
      'expected an http(s) URL, received "ftp://x"',
    ],
    [
      ['--config', '/etc/bad.json'],
      {},
      '--format',
      'Invalid --format (from /etc/bad.json, key "format"): expected json or text, received "yaml"',
    ],
    [
      ['--config', '/etc/typo.json'],
      {},
      'intervall',
      'Unknown setting "intervall" in config file /etc/typo.json',
    ],
    [
      ['--config', '/etc/broken.json'],
      {},
      '--config',
      'Config file /etc/broken.json is not valid JSON',
    ],
    [['--config', '/nope.json'], {}, '--config', 'Cannot read config file /nope.json: ENOENT'],
    [
      ['--password', 'hunter2'],
      {},
      '--password',
      '--password is not accepted on the command line, where every user of the machine can read it: use T_PASSWORD',
    ],
  ] as [string[], Record<string, string>, string, string][])(
    'refuses %j, naming %s',
    async (args, env, setting, message) => {
      const error = await failure(args, env)
      expect(error.setting).toBe(setting)
      expect(error.exitCode).toBe(2)
      expect(error.message).toContain(message)
      expect(error.message).not.toContain('\n')
    },
  )

  it('requires a row without default or optional, saying so', async () => {
    expect((await failure(['--endpoint'])).message).toBe(
      'Missing value for --endpoint: expected URL',
    )
    const parsed = parseCommandLine(SPEC, { args: [], env: {} })
    await expect(parsed).rejects.toThrow(
      'Invalid --endpoint: expected an absolute http(s) URL, received nothing',
    )
  })

  it('names a bad value the user gave before a required setting that is missing', async () => {
    const error = parseCommandLine(SPEC, { args: ['--once=perhaps'], env: {} })
    await expect(error).rejects.toThrow(
      'Invalid --once: expected true or false, received "perhaps"',
    )
  })

  it('never echoes a secret: not a refused flag, not a bad value', async () => {
    expect((await failure(['--password=hunter2'])).message).not.toContain('hunter2')
    expect((await failure([], { T_PIN: 'hunter2' })).message).toBe(
      'Invalid T_PIN: expected at most 4 characters, received a string of 7 characters',
    )
  })
})

describe('a table', () => {
  it.each([
    [
      {
        a: { flag: '--x', schema: text(), help: '' },
        b: { flag: '--x', schema: text(), help: '' },
      },
      '--x',
    ],
    [{ a: { flag: '--print-config', schema: boolean(), help: '' } }, '--print-config'],
    [{ a: { env: 'X', schema: text(), help: '' }, b: { env: 'X', schema: text(), help: '' } }, 'X'],
  ] as [OptionTable, string][])(
    'may not use a flag or variable twice (%#: %s)',
    async (options, name) => {
      await expect(
        parseCommandLine({ program: 't', options }, { args: [], env: {} }),
      ).rejects.toThrow(`t: ${name} is used twice`)
    },
  )
})

describe('helpText', () => {
  it('lists every row with its placeholder, variable, key and default, and the built-ins', () => {
    const help = helpText(
      SPEC,
      { intro: ['Usage: tool [options]'], outro: ['Exit codes: 2 bad options'] },
      // Wide enough that no row wraps (help.test.ts tests the wrapping).
      { columns: 200 },
    )
    for (const needle of [
      'Usage: tool [options]',
      '--config PATH',
      '--print-config',
      '--help, -h',
      '--version, -V',
      '--endpoint URL',
      '--interval DURATION',
      'Polling:',
      '--format json|text',
      '--servers TEXT',
      'repeatable',
      '(T_PASSWORD)',
      'env T_INTERVAL',
      'key interval',
      'default 10s',
      'Exit codes: 2 bad options',
    ]) {
      expect(help).toContain(needle)
    }
    expect(help).toMatch(/ {2}--once {2,}poll once/)
  })
})

describe('printableConfig', () => {
  it('redacts secrets and says where each setting came from', async () => {
    const parsed = await run(BASE, { T_PASSWORD: 'hunter2' })
    const printed = printableConfig(SPEC, parsed)
    expect(JSON.stringify(printed)).not.toContain('hunter2')
    expect(printed).toMatchObject({
      password: '[redacted]',
      intervalMs: 10_000,
      sources: {
        endpoint: 'flag --endpoint',
        password: 'env T_PASSWORD',
        interval: 'default',
      },
    })
  })
})

describe('settingVariables', () => {
  it("lists every variable a table reads, other programs' fallbacks included", () => {
    expect(settingVariables(AUTH_SETTINGS)).toEqual(
      expect.arrayContaining([
        'SMS_TOKEN',
        'SMS_SK',
        'HUAWEICLOUD_SDK_AK',
        'HUAWEICLOUD_SDK_SK',
        'HUAWEICLOUD_SDK_SECURITY_TOKEN',
      ]),
    )
    expect(
      settingVariables({ quiet: { flag: '--quiet', schema: v.optional(v.string()), help: 'x' } }),
    ).toEqual([])
  })
})
