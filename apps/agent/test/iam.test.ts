/**
 * IAM in the field: a wrong password must not lock the IAM user out, the operator must be told
 * that IAM refused and which setting to check (log and /healthz), a fixed password file is used
 * at the next attempt, and a 404 from IAM points at --iam-endpoint, not --server-id.
 */
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const TOKEN = 'tok-SECRET-iam-issued-5c1d'
/** IAM's own limit for a token: Node's fetch refuses such a response header by default. */
const BIG_TOKEN = `big-SECRET-${'t'.repeat(16_384 - 11)}`
/** What IAM issues on a good login. */
let issue = TOKEN
const GOOD = 'pw-SECRET-good-81aa'
const WRONG = 'pw-SECRET-wrong-02bb'

let mock: Mock
let iam: Server
let iamUrl: string
let dir: string
/** Passwords of every login IAM received. */
const logins: string[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-iam-'))
  mock = await startMock({ tokens: [TOKEN, BIG_TOKEN] })
  // A Keystone-shaped IAM that issues the token the mock accepts.
  iam = createServer({ maxHeaderSize: 65_536 }, (request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      if (!request.url?.startsWith('/v3/auth/tokens')) {
        response.writeHead(404, { 'Content-Type': 'application/json' })
        response.end('{"error":{"code":404,"message":"Not found","title":"Not Found"}}')
        return
      }
      const password = JSON.parse(body).auth.identity.password.user.password as string
      logins.push(password)
      if (password !== GOOD) {
        response.writeHead(401, { 'Content-Type': 'application/json' })
        response.end(
          '{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}',
        )
        return
      }
      const expires = new Date(Date.now() + 3_600_000).toISOString()
      response.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': issue })
      response.end(JSON.stringify({ token: { expires_at: expires } }))
    })
  })
  await new Promise<void>((resolve) => iam.listen(0, '127.0.0.1', resolve))
  iamUrl = `http://127.0.0.1:${(iam.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => iam?.close(() => resolve()))
  await mock?.close()
})

describe('IAM password authentication in the field', () => {
  it('sends a rejected password once, names IAM and the flags to check in the log and /healthz, and uses a fixed password file at once', async () => {
    const passwordFile = join(dir, 'iam-password')
    await writeFile(passwordFile, `${WRONG}\n`)
    await chmod(passwordFile, 0o600)
    await mock.register('srv-iam')
    logins.length = 0
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', mock.url, '--server-id', 'srv-iam', '--state-dir', join(dir, 's1')],
        ...['--iam-user', 'ops', '--iam-domain', 'demo', '--iam-endpoint', `${iamUrl}/v3`],
        ...['--iam-password-file', passwordFile],
        ...['--interval', '50ms', '--first-poll-jitter', '0ms', '--slow-retry', '50ms'],
        ...['--backoff-base', '50ms', '--backoff-max', '100ms', '--status-port', '0'],
      ],
      {},
    )
    try {
      const listening = await agent.waitForEvent((event) => event.event === 'status.listening')
      const pollErrors = () => agent.events().filter((event) => event.event === 'poll.error')
      for (let tries = 0; tries < 400 && pollErrors().length < 5; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      expect(pollErrors().length).toBeGreaterThanOrEqual(5)
      // Five failed polls, one login: IAM counts rejected logins towards locking the user out.
      expect(logins).toEqual([WRONG])
      expect(pollErrors().at(-1)).toMatchObject({ service: 'iam' })
      expect(String(pollErrors().at(-1)?.check)).toContain('--iam-password-file')
      expect(String(pollErrors().at(-1)?.msg)).toContain('IAM refused')
      const health = await (await fetch(`${String(listening.url)}/healthz`)).json()
      // A login held back in the lockout window is named, not "other".
      expect(health.last_error).toMatchObject({ service: 'iam', status: 'iam-locked-out' })
      expect(health.last_error.check).toContain('--iam-user')
      // The operator fixes the password file: the next attempt reads it and logs in.
      await writeFile(passwordFile, `${GOOD}\n`)
      await agent.waitForEvent((event) => event.event === 'poll.recovered', 10_000)
      expect(logins).toEqual([WRONG, GOOD])
      const healed = await (await fetch(`${String(listening.url)}/healthz`)).json()
      expect(healed.last_error).toBeNull()
      expect(agent.lines.join('\n')).not.toContain(WRONG)
      expect(agent.lines.join('\n')).not.toContain(GOOD)
    } finally {
      agent.child.kill('SIGTERM')
      await agent.exited
    }
  }, 30_000)

  it('says "check --iam-endpoint", not --server-id, when IAM answers 404', async () => {
    await mock.register('srv-iam-404')
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', mock.url, '--server-id', 'srv-iam-404', '--state-dir', join(dir, 's2')],
        ...['--iam-user', 'ops', '--iam-domain', 'demo', '--iam-endpoint', `${iamUrl}/identity`],
        '--once',
      ],
      { SMS_IAM_PASSWORD: GOOD },
    )
    expect(await agent.exited).toBe(4)
    const error = agent.events().find((event) => event.event === 'poll.error')
    expect(error).toMatchObject({ service: 'iam', check: '--iam-endpoint' })
    expect(String(error?.msg)).toContain('check --iam-endpoint')
    expect(String(error?.msg)).not.toContain('--server-id')
  }, 30_000)

  it('logs in at an --iam-endpoint written with /v3 and uses a 16,384-character token on Node', async () => {
    expect(BIG_TOKEN).toHaveLength(16_384)
    issue = BIG_TOKEN
    try {
      await mock.register('srv-big-token')
      await mock.enqueue('srv-big-token', [
        { command_name: 'SYNC', command_param: { task_id: 'big' } },
      ])
      const agent = startAgentProcess(
        'node',
        [
          ...['--endpoint', mock.url, '--server-id', 'srv-big-token'],
          ...['--state-dir', join(dir, 's3'), '--handler', '/bin/true', '--once'],
          ...['--iam-user', 'ops', '--iam-domain', 'demo', '--iam-endpoint', `${iamUrl}/v3/`],
        ],
        { SMS_IAM_PASSWORD: GOOD },
      )
      expect(await agent.exited, agent.lines.join('\n').slice(0, 2_000)).toBe(0)
      expect(await mock.results('srv-big-token')).toMatchObject([
        { result: 'success', result_detail: { task_id: 'big' } },
      ])
      expect(agent.lines.join('\n')).not.toContain(BIG_TOKEN.slice(0, 40))
    } finally {
      issue = TOKEN
    }
  }, 30_000)

  it('says that IAM answered with oversized headers (a 70,000-character token), not "no connection"', async () => {
    issue = `huge-SECRET-${'t'.repeat(70_000)}`
    try {
      await mock.register('srv-huge-token')
      const agent = startAgentProcess(
        'node',
        [
          ...['--endpoint', mock.url, '--server-id', 'srv-huge-token', '--once'],
          ...['--state-dir', join(dir, 's5')],
          ...['--iam-user', 'ops', '--iam-domain', 'demo', '--iam-endpoint', iamUrl],
        ],
        { SMS_IAM_PASSWORD: GOOD },
      )
      expect(await agent.exited).not.toBe(0)
      const error = agent.events().find((event) => event.event === 'poll.error')
      expect(error).toMatchObject({ service: 'iam', status: 'headers-too-large' })
      expect(String(error?.msg)).toContain('headers larger than this runtime accepts')
      expect(String(error?.msg)).not.toContain('no connection')
      expect(agent.lines.join('\n')).not.toContain('huge-SECRET')
    } finally {
      issue = TOKEN
    }
  }, 30_000)

  it('sends one rejected password over several restarts (--once from cron), keeping only a fingerprint in the state directory', async () => {
    const passwordFile = join(dir, 'iam-password-cron')
    await writeFile(passwordFile, `${WRONG}\n`)
    await chmod(passwordFile, 0o600)
    await mock.register('srv-iam-cron')
    logins.length = 0
    const stateDir = join(dir, 's4')
    const run = () =>
      startAgentProcess(
        'node',
        [
          ...['--endpoint', mock.url, '--server-id', 'srv-iam-cron', '--state-dir', stateDir],
          ...['--iam-user', 'ops', '--iam-domain', 'demo', '--iam-endpoint', iamUrl],
          ...['--iam-password-file', passwordFile, '--once'],
        ],
        {},
      )
    const runs = []
    for (let restart = 0; restart < 3; restart++) {
      const agent = run()
      expect(await agent.exited).not.toBe(0)
      runs.push(agent)
    }
    // Three processes, one login: the rejection outlived the process that got it.
    expect(logins).toEqual([WRONG])
    expect(runs[2]?.events().some((event) => event.event === 'auth.rejection-kept')).toBe(true)
    const kept = join(stateDir, 'iam-rejection.json')
    expect((await stat(kept)).mode & 0o777).toBe(0o600)
    const record = await readFile(kept, 'utf8')
    expect(record).not.toContain(WRONG)
    expect(JSON.parse(record)).toMatchObject({
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    // The password file is fixed: the next run logs in at once, and the record is cleared.
    await writeFile(passwordFile, `${GOOD}\n`)
    const fixed = run()
    expect(await fixed.exited).toBe(0)
    expect(logins).toEqual([WRONG, GOOD])
    await expect(stat(kept)).rejects.toThrow(/ENOENT/)
  }, 60_000)
})
