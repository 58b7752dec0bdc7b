import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, type ConfigInputs, loadConfig, printableConfig } from './load-config.ts'
import { helpText, OPTIONS } from './options.ts'

const SECRET = 'tok-SECRET-4b1d9e'
let dir: string
let handler: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-config-'))
  handler = join(dir, 'handler.sh')
  await writeFile(handler, '#!/bin/sh\nexit 0\n')
  await chmod(handler, 0o755)
  await writeFile(join(dir, 'not-executable.sh'), '#!/bin/sh\n')
})

function inputs(args: string[], env: Record<string, string> = {}): ConfigInputs {
  return { args, env: (name) => env[name], cwd: dir }
}

const BASE_ENV = {
  SMS_ENDPOINT: 'https://sms.example.test',
  SMS_SERVER_ID: 'srv-1',
  SMS_TOKEN: SECRET,
  SMS_STATE_DIR: 'state',
}

async function run(args: string[], env: Record<string, string> = BASE_ENV) {
  const loaded = await loadConfig(inputs(args, env))
  if (loaded.action !== 'run') throw new Error(`unexpected action ${loaded.action}`)
  return loaded
}

async function failure(args: string[], env: Record<string, string> = BASE_ENV) {
  const error = await loadConfig(inputs(args, env)).then(
    () => {
      throw new Error('expected a ConfigError')
    },
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ConfigError)
  return error as ConfigError
}

describe('loadConfig', () => {
  it('applies defaults: 10 s interval, first-poll jitter of one interval, json logs', async () => {
    const { config } = await run([])
    expect(config).toMatchObject({
      endpoint: 'https://sms.example.test',
      serverId: 'srv-1',
      intervalMs: 10_000,
      firstPollJitterMs: 10_000,
      requestTimeoutMs: 30_000,
      handlerTimeoutMs: 3_600_000,
      interrupted: 'fail',
      logFormat: 'json',
      once: false,
      dryRun: false,
      stateDir: join(dir, 'state'),
    })
    expect(config.auth).toEqual({ kind: 'token', token: SECRET })
    expect(config.sources.interval).toEqual({ kind: 'default', name: 'default' })
  })

  it('prefers flags over the environment over the config file', async () => {
    const file = join(dir, 'precedence.json')
    await writeFile(
      file,
      JSON.stringify({ interval: '1m', requestTimeout: '7s', handlerTimeout: '2m', once: true }),
    )
    const { config } = await run(['--config', file, '--interval', '500ms'], {
      ...BASE_ENV,
      SMS_INTERVAL: '20s',
      SMS_REQUEST_TIMEOUT: '5s',
    })
    expect(config.intervalMs).toBe(500)
    expect(config.requestTimeoutMs).toBe(5_000)
    expect(config.handlerTimeoutMs).toBe(120_000)
    expect(config.once).toBe(true)
    expect(config.sources.interval).toEqual({ kind: 'flag', name: '--interval' })
    expect(config.sources.requestTimeout).toEqual({ kind: 'env', name: 'SMS_REQUEST_TIMEOUT' })
    expect(config.sources.handlerTimeout).toEqual({ kind: 'file', name: file })
    // --print-config names each setting's source the way every CLI does (cli-kit).
    expect(printableConfig(config).sources).toMatchObject({
      interval: 'flag --interval',
      requestTimeout: 'env SMS_REQUEST_TIMEOUT',
      handlerTimeout: `file ${file}`,
      killGrace: 'default',
    })
  })

  it('reads --flag=value and boolean flags', async () => {
    const { config } = await run(['--interval=20ms', '--dry-run', '--once=false'])
    expect(config.intervalMs).toBe(20)
    expect(config.dryRun).toBe(true)
    expect(config.once).toBe(false)
  })

  it('resolves paths in the config file against its directory', async () => {
    const file = join(dir, 'paths.json')
    await writeFile(file, JSON.stringify({ stateDir: 'journal', handler: 'handler.sh' }))
    const { config } = await run(['--config', file], { ...BASE_ENV, SMS_STATE_DIR: '' })
    expect(config.stateDir).toBe(join(dir, 'journal'))
    expect(config.handlers.default).toBe(handler)
  })

  it('maps per-command handlers over the generic one', async () => {
    const { config } = await run(['--handler', handler, '--on-sync', handler])
    expect(config.handlers).toEqual({ default: handler, SYNC: handler })
  })

  it('names the setting and its source when a duration is bad', async () => {
    const error = await failure([], { ...BASE_ENV, SMS_INTERVAL: '10x' })
    expect(error.message).toBe(
      'Invalid --interval (from SMS_INTERVAL): expected a duration like 500ms, 10s or 5m, received "10x"',
    )
    expect(error.setting).toBe('--interval')
  })

  it('refuses a bare number as a duration', async () => {
    const error = await failure(['--handler-timeout', '30'])
    expect(error.message).toContain('Invalid --handler-timeout')
  })

  it('names a bad value read from the config file with its key', async () => {
    const file = join(dir, 'bad.json')
    await writeFile(file, JSON.stringify({ logFormat: 'yaml' }))
    const error = await failure(['--config', file])
    expect(error.message).toBe(
      `Invalid --log-format (from ${file}, key "logFormat"): expected json or text, received "yaml"`,
    )
  })

  it.each([
    [['--status-port', '70000'], '--status-port'],
    [['--endpoint', 'ftp://x'], '--endpoint'],
    [['--endpoint', 'not a url'], '--endpoint'],
    [['--interrupted', 'retry'], '--interrupted'],
    [['--output-tail', '100000'], '--output-tail'],
    [['--output-tail', '9000'], '--output-tail'],
    [['--report-refusals', '0'], '--report-refusals'],
    [['--server-id', ''], '--server-id'],
  ])('rejects %j naming %s', async (args, setting) => {
    const error = await failure(args)
    expect(error.message).toContain(`Invalid ${setting}`)
  })

  it('refuses an --output-tail that could never fit in a result report, saying why', async () => {
    const error = await failure(['--output-tail', '65536'])
    expect(error.message).toContain('Invalid --output-tail: expected 0 to 8192 bytes')
    expect(error.message).toContain('10240 bytes of JSON')
  })

  it('requires the endpoint and the server id', async () => {
    const { SMS_ENDPOINT: _, ...noEndpoint } = BASE_ENV
    expect((await failure([], noEndpoint)).message).toContain('Invalid --endpoint')
    const { SMS_SERVER_ID: __, ...noServer } = BASE_ENV
    expect((await failure([], noServer)).message).toContain('Invalid --server-id')
  })

  it('requires a state directory unless dry-running', async () => {
    const env = { ...BASE_ENV, SMS_STATE_DIR: '' }
    expect((await failure([], env)).setting).toBe('--state-dir')
    const { config } = await run(['--dry-run'], env)
    expect(config.stateDir).toBeUndefined()
  })

  it('rejects unknown flags, positional arguments and unknown config keys', async () => {
    expect((await failure(['--intervall', '1s'])).message).toBe(
      'Unknown flag --intervall: did you mean --interval? see --help',
    )
    expect((await failure(['start'])).message).toContain('Unexpected argument "start"')
    const file = join(dir, 'typo.json')
    await writeFile(file, JSON.stringify({ intervall: '1s' }))
    expect((await failure(['--config', file])).message).toContain('Unknown setting "intervall"')
    await writeFile(join(dir, 'broken.json'), '{"interval": ')
    expect((await failure(['--config', join(dir, 'broken.json')])).message).toContain(
      'is not valid JSON',
    )
  })

  it('refuses secrets on the command line without echoing them', async () => {
    for (const flag of ['--token', '--sk', '--iam-password']) {
      const error = await failure([flag, SECRET])
      expect(error.message).toContain('not accepted on the command line')
      expect(error.message).not.toContain(SECRET)
      const inline = await failure([`${flag}=${SECRET}`])
      expect(inline.message).not.toContain(SECRET)
    }
  })

  it('asks for credentials when none are given', async () => {
    const { SMS_TOKEN: _, ...env } = BASE_ENV
    expect((await failure([], env)).message).toMatch(/^No credentials/)
  })

  it('refuses two authentication methods at once, naming both', async () => {
    const error = await failure(['--ak', 'AK1'], { ...BASE_ENV, SMS_SK: 'sk-SECRET' })
    expect(error.message).toBe(
      'Conflicting credentials: token (SMS_TOKEN) and AK/SK (--ak, SMS_SK); use exactly one method',
    )
    expect(error.message).not.toContain('sk-SECRET')
  })

  // Notepad and PowerShell 5.1 save UTF-8 with a byte order mark; editors on other systems
  // with CRLF. Before, the BOM made the config "an invisible character" and cost a rejected login.
  it('reads a config file, token file and IAM password file saved with a BOM and CRLF', async () => {
    const BOM = '\uFEFF'
    const file = join(dir, 'notepad.json')
    await writeFile(file, `${BOM}{\r\n  "interval": "1m",\r\n  "requestTimeout": "7s"\r\n}\r\n`)
    const fromFile = await run(['--config', file])
    expect(fromFile.config.intervalMs).toBe(60_000)
    expect(fromFile.config.requestTimeoutMs).toBe(7_000)

    const tokenFile = join(dir, 'token-bom')
    await writeFile(tokenFile, `${BOM}${SECRET}\r\n`)
    const { SMS_TOKEN: _, ...env } = BASE_ENV
    const token = await run(['--token-file', tokenFile], env)
    expect(token.config.auth).toEqual({ kind: 'token', token: SECRET, tokenFile })

    await writeFile(join(dir, 'password-bom'), `${BOM}pw-SECRET\r\n`)
    const iam = await run(
      ['--iam-user', 'ops', '--iam-domain', 'acme', '--iam-password-file', 'password-bom'],
      env,
    )
    expect(iam.config.auth).toMatchObject({ kind: 'iam-password', password: 'pw-SECRET' })
  })

  // PowerShell 5.1's `echo pw > file` and `Out-File` write UTF-16 LE with a BOM; read as UTF-8
  // that was a password full of NULs (a rejected login) and a config that wasn't JSON.
  it('reads a config file and IAM password file saved as UTF-16 (PowerShell 5.1 Out-File)', async () => {
    const utf16 = (text: string) =>
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    const file = join(dir, 'out-file.json')
    await writeFile(file, utf16('{\r\n  "interval": "2m"\r\n}\r\n'))
    expect((await run(['--config', file])).config.intervalMs).toBe(120_000)

    const { SMS_TOKEN: _, ...env } = BASE_ENV
    await writeFile(join(dir, 'password-utf16'), utf16('pw-SECRET-ü\r\n'))
    const iam = await run(
      ['--iam-user', 'ops', '--iam-domain', 'acme', '--iam-password-file', 'password-utf16'],
      env,
    )
    expect(iam.config.auth).toMatchObject({ kind: 'iam-password', password: 'pw-SECRET-ü' })
  })

  it('refuses a password file in a legacy code page, naming the file and the byte, never the content', async () => {
    const { SMS_TOKEN: _, ...env } = BASE_ENV
    // "pw-SECRET-é" in Windows-1252: é is the lone byte 0xE9.
    await writeFile(join(dir, 'password-1252'), Buffer.from([...Buffer.from('pw-SECRET-'), 0xe9]))
    const error = await failure(
      ['--iam-user', 'ops', '--iam-domain', 'acme', '--iam-password-file', 'password-1252'],
      env,
    )
    expect(error.message).toContain(`Cannot read --iam-password-file ${join(dir, 'password-1252')}`)
    expect(error.message).toContain('not UTF-8 text: byte 0xE9 at offset 10')
    expect(error.message).not.toContain('SECRET')
  })

  it('reads a token file, trimming the newline, and remembers the path', async () => {
    const tokenFile = join(dir, 'token')
    await writeFile(tokenFile, `${SECRET}\n`)
    const { SMS_TOKEN: _, ...env } = BASE_ENV
    const { config, secrets } = await run(['--token-file', tokenFile], env)
    expect(config.auth).toEqual({ kind: 'token', token: SECRET, tokenFile })
    expect(secrets).toEqual([SECRET])
  })

  it('names an unreadable or empty secret file', async () => {
    const { SMS_TOKEN: _, ...env } = BASE_ENV
    const missing = await failure(['--token-file', 'nope'], env)
    expect(missing.message).toContain(`Cannot read --token-file ${join(dir, 'nope')}`)
    await writeFile(join(dir, 'empty'), '\n')
    expect((await failure(['--token-file', 'empty'], env)).message).toContain('is empty')
  })

  it('resolves AK/SK with a domain id', async () => {
    const { SMS_TOKEN: _, ...env } = BASE_ENV
    const { config, secrets } = await run(['--ak', 'AK1', '--domain-id', 'd1'], {
      ...env,
      SMS_SK: 'sk-SECRET',
    })
    expect(config.auth).toEqual({ kind: 'ak-sk', ak: 'AK1', sk: 'sk-SECRET', domainId: 'd1' })
    expect(secrets).toEqual(['sk-SECRET'])
    expect((await failure([], { ...env, SMS_SK: 'x' })).message).toContain('Missing --ak')
  })

  it('resolves IAM password authentication from a password file', async () => {
    const { SMS_TOKEN: _, ...env } = BASE_ENV
    await writeFile(join(dir, 'password'), 'pw-SECRET\n')
    const { config } = await run(
      ['--iam-user', 'ops', '--iam-domain', 'acme', '--iam-password-file', 'password'],
      env,
    )
    expect(config.auth).toEqual({
      kind: 'iam-password',
      iamEndpoint: 'https://iam.myhuaweicloud.com',
      user: 'ops',
      password: 'pw-SECRET',
      domain: 'acme',
      // Kept so the file is read again before each new login.
      passwordFile: join(dir, 'password'),
    })
    const missing = await failure(['--iam-user', 'ops'], { ...env, SMS_IAM_PASSWORD: 'pw' })
    expect(missing.message).toContain('Missing --iam-domain')
  })

  it('never puts a secret into an error, even an invalid one', async () => {
    const huge = `${SECRET}${'x'.repeat(20_000)}`
    const error = await failure([], { ...BASE_ENV, SMS_TOKEN: huge })
    expect(error.message).toBe(
      'Invalid SMS_TOKEN: expected at most 16384 characters, received a string of 20017 characters',
    )
  })

  it('checks that handlers are executable files before anything runs', async () => {
    const error = await failure(['--on-start', 'not-executable.sh'])
    expect(error.setting).toBe('--on-start')
    expect(error.message).toContain(`${join(dir, 'not-executable.sh')} is not an executable file`)
    expect((await failure(['--handler', dir])).message).toContain('not a regular file')
  })

  it('answers --help and --version before reading anything', async () => {
    expect(await loadConfig(inputs(['--interval', 'bad', '--help']))).toEqual({ action: 'help' })
    expect(await loadConfig(inputs(['-V']))).toEqual({ action: 'version' })
  })
})

describe('printableConfig', () => {
  it('hides every secret and shows where settings came from', async () => {
    const loaded = await loadConfig(inputs(['--print-config'], BASE_ENV))
    if (loaded.action !== 'print-config') throw new Error('expected print-config')
    const printed = JSON.stringify(printableConfig(loaded.config))
    expect(printed).not.toContain(SECRET)
    expect(printed).toContain('"token":"[redacted]"')
    expect(printed).toContain('"serverId":"env SMS_SERVER_ID"')
  })
})

describe('helpText', () => {
  it('documents every flag and the variables of secrets', () => {
    const text = helpText('sms-agent')
    for (const needle of [
      '--endpoint URL',
      '--interval DURATION',
      '--on-delete PATH',
      '--once',
      '--status-port PORT',
      '(SMS_TOKEN)',
      '(SMS_SK)',
      '(SMS_IAM_PASSWORD)',
      'Exit codes',
    ]) {
      expect(text).toContain(needle)
    }
  })
})

describe('the shared option engine (same answers as every CLI)', () => {
  it.each([
    [['--bogus'], '--bogus', 'Unknown flag --bogus: see --help'],
    [
      ['--once', '--once'],
      '--once',
      'Repeated flag --once: expected it once (it is an on/off switch)',
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
    [
      ['--dry-run=perhaps'],
      '--dry-run',
      'Invalid --dry-run: expected true or false, received "perhaps"',
    ],
  ])('answers %j with exit code 2 naming %s', async (args, setting, message) => {
    const error = await failure(args)
    expect(error.setting).toBe(setting)
    expect(error.message).toBe(message)
    expect(error.exitCode).toBe(2)
  })

  it('takes --no-FLAG and --FLAG=true for every switch', async () => {
    expect((await run(['--no-dry-run', '--once=true'])).config).toMatchObject({
      dryRun: false,
      once: true,
    })
  })

  it('lists every row of the table in --help', () => {
    const help = helpText('sms-agent')
    for (const [key, row] of Object.entries(OPTIONS)) {
      expect(help).toContain('flag' in row ? row.flag : `(${row.env})`)
      expect(help).toContain(`key ${key}`)
      if (row.env) expect(help).toContain(row.env)
    }
  })

  it('never prints a secret in --print-config, whichever method', async () => {
    const env = { ...BASE_ENV, SMS_TOKEN: '' }
    for (const extra of [
      { SMS_TOKEN: SECRET },
      { SMS_AK: 'AK1', SMS_SK: SECRET, SMS_SECURITY_TOKEN: `${SECRET}-st` },
      { SMS_IAM_USER: 'u', SMS_IAM_DOMAIN: 'd', SMS_IAM_PASSWORD: SECRET },
    ]) {
      const loaded = await loadConfig(inputs(['--print-config'], { ...env, ...extra }))
      if (loaded.action !== 'print-config') throw new Error('expected print-config')
      const printed = JSON.stringify(printableConfig(loaded.config))
      expect(printed).not.toContain(SECRET)
      expect(printed).toContain('[redacted]')
    }
  })
})
