import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { MockApp } from './app.ts'
import { MockConfigError } from './errors.ts'
import type { NodeServerOptions } from './node-server.ts'
import { DEMO_CREDENTIALS } from './options.ts'
import { parseScenarioText } from './scenario.ts'
import { parseRateLimit } from './state/rate-limit.ts'
import { IDLE_SHAPES, type IdleShape } from './types.ts'

export const USAGE = `Usage: sms-mock [options]

A stateful, fault-injecting mock of the Huawei Cloud SMS command channel.

Options:
  --host HOST            address to listen on (default 127.0.0.1; others need --admin-token)
  --port PORT            port, 0 for a free one (default 8080)
  --scenario FILE        JSON scenario: accounts, users, tokens, AK/SK, servers, commands, faults
  --admin-token TOKEN    require "Authorization: Bearer TOKEN" on /_mock/* (or SMS_MOCK_ADMIN_TOKEN)
  --seed N               seed of probabilistic faults (default: random, shown by GET /_mock)
  --delivery ack|pop     ack: a command stays current until its result (default); pop: GET hands it out once
  --idle SHAPE           answer when idle: ${IDLE_SHAPES.join(', ')}
  --token VALUE          static token of account "demo" (repeatable)
  --user NAME:PASSWORD   IAM user of account "demo" (repeatable)
  --aksk AK:SK           access key pair of account "demo" (repeatable)
  --auto-register        create unknown servers on first use instead of answering 404
  --journal-size N       requests kept in the journal (default 1000)
  --rate-limit BUDGET    requests per identity, e.g. 20/min (past it: 429 APIGW.0308 + Retry-After)
  --auth-errors STYLE    gateway (default): 401 APIGW.0301 as API Gateway answers; sms: SMS.0202/SMS.0205
  --help                 show this help

With no --token, --user, --aksk or scenario credentials, demo credentials are added and printed.
`

/** What the command line asks for. */
export type CliCommand = { help: true } | { help: false; options: NodeServerOptions }

function integer(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new MockConfigError(
      flag,
      `expected an integer ${min}–${max}, got ${JSON.stringify(value)}`,
    )
  }
  return Number(value)
}

/**
 * Parses `sms-mock`'s arguments (and `SMS_MOCK_ADMIN_TOKEN`) into server options, reading the
 * scenario file.
 *
 * @throws {MockConfigError} naming the flag, for an unknown flag or a bad value.
 * @example
 * await parseCli(['--port', '0', '--token', 't0k3n'], {}) // { help: false, options: { port: 0, tokens: ['t0k3n'], … } }
 */
export async function parseCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<CliCommand> {
  let parsed: ReturnType<typeof parseFlags>
  try {
    parsed = parseFlags(argv)
  } catch (error) {
    throw new MockConfigError('arguments', (error as Error).message, { cause: error })
  }
  const { values } = parsed
  if (values.help) return { help: true }
  const options: NodeServerOptions = {}
  options.host = values.host ?? '127.0.0.1'
  options.port = values.port === undefined ? 8080 : integer(values.port, '--port', 0, 65_535)
  if (values.seed !== undefined) options.seed = integer(values.seed, '--seed', 0, 0xffff_ffff)
  if (values['journal-size'] !== undefined) {
    options.journalSize = integer(values['journal-size'], '--journal-size', 1, 10_000_000)
  }
  if (values.delivery !== undefined) {
    if (values.delivery !== 'ack' && values.delivery !== 'pop') {
      throw new MockConfigError('--delivery', 'expected ack or pop')
    }
    options.delivery = values.delivery
  }
  if (values.idle !== undefined) {
    if (!(IDLE_SHAPES as readonly string[]).includes(values.idle)) {
      throw new MockConfigError('--idle', `expected one of ${IDLE_SHAPES.join(', ')}`)
    }
    options.idle = values.idle as IdleShape
  }
  const adminToken = values['admin-token'] ?? env.SMS_MOCK_ADMIN_TOKEN
  if (adminToken !== undefined) {
    if (adminToken === '') throw new MockConfigError('--admin-token', 'expected a non-empty token')
    options.adminToken = adminToken
  }
  if (values.token) options.tokens = values.token
  if (values.user) {
    options.users = values.user.map((pair) => {
      const i = pair.indexOf(':')
      if (i <= 0 || i === pair.length - 1)
        throw new MockConfigError('--user', 'expected NAME:PASSWORD')
      return { name: pair.slice(0, i), password: pair.slice(i + 1) }
    })
  }
  if (values.aksk) {
    options.accessKeys = values.aksk.map((pair) => {
      const i = pair.indexOf(':')
      if (i <= 0 || i === pair.length - 1) throw new MockConfigError('--aksk', 'expected AK:SK')
      return { ak: pair.slice(0, i), sk: pair.slice(i + 1) }
    })
  }
  if (values['auto-register']) options.autoRegister = true
  if (values['rate-limit'] !== undefined) {
    options.rateLimit = parseRateLimit(values['rate-limit'], '--rate-limit')
  }
  if (values['auth-errors'] !== undefined) {
    if (values['auth-errors'] !== 'gateway' && values['auth-errors'] !== 'sms') {
      throw new MockConfigError('--auth-errors', 'expected gateway or sms')
    }
    options.authErrors = values['auth-errors']
  }
  if (values.scenario !== undefined) {
    let text: string
    try {
      text = await readFile(values.scenario, 'utf8')
    } catch (cause) {
      throw new MockConfigError(
        '--scenario',
        `cannot read ${values.scenario}: ${(cause as Error).message}`,
        {
          cause,
        },
      )
    }
    options.scenario = parseScenarioText(text, `scenario ${values.scenario}`)
  }
  return { help: false, options }
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      scenario: { type: 'string' },
      'admin-token': { type: 'string' },
      seed: { type: 'string' },
      delivery: { type: 'string' },
      idle: { type: 'string' },
      token: { type: 'string', multiple: true },
      user: { type: 'string', multiple: true },
      aksk: { type: 'string', multiple: true },
      'auto-register': { type: 'boolean' },
      'journal-size': { type: 'string' },
      'rate-limit': { type: 'string' },
      'auth-errors': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/**
 * The lines `sms-mock` prints at start; the first is exactly `sms-mock listening on URL`.
 * Secrets given on the command line are never printed, only counted; the public demo
 * credentials are printed in full.
 */
export function startupLines(
  running: { url: string; app: MockApp },
  options: NodeServerOptions,
): string[] {
  const { settings } = running.app.mock
  const lines = [`sms-mock listening on ${running.url}`]
  const demo = settings.scenario.tokens?.some(
    (t) => (typeof t === 'string' ? t : t.token) === DEMO_CREDENTIALS.token,
  )
  if (demo) {
    lines.push(
      `demo account "${DEMO_CREDENTIALS.account}" (public demo credentials, for trying the mock only):`,
      `  token      X-Auth-Token: ${DEMO_CREDENTIALS.token}`,
      `  IAM user   ${DEMO_CREDENTIALS.user} / ${DEMO_CREDENTIALS.password} (domain ${DEMO_CREDENTIALS.account}) via POST ${running.url}/v3/auth/tokens`,
      `  AK/SK      ${DEMO_CREDENTIALS.ak} / ${DEMO_CREDENTIALS.sk}`,
      `  server     ${DEMO_CREDENTIALS.server}`,
    )
  }
  const counts = [
    `${options.tokens?.length ?? 0} token(s)`,
    `${options.users?.length ?? 0} user(s)`,
    `${options.accessKeys?.length ?? 0} AK/SK pair(s)`,
  ]
  if (
    !demo ||
    (options.tokens?.length ?? 0) +
      (options.users?.length ?? 0) +
      (options.accessKeys?.length ?? 0) >
      0
  ) {
    lines.push(
      `credentials from flags: ${counts.join(', ')} for account "${DEMO_CREDENTIALS.account}"`,
    )
  }
  lines.push(
    `servers: ${settings.scenario.servers?.length ?? 0}, delivery ${settings.delivery}, idle ${settings.idle}, seed ${settings.seed}`,
    `admin API: ${running.url}/_mock (${options.adminToken ? 'Bearer token required' : 'open, loopback only'}); OpenAPI: ${running.url}/openapi.json`,
  )
  return lines
}
