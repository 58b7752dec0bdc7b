import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSmsClient } from '@sms-command/core'
import { describe, expect, it } from 'vitest'
import { createAuth, keptIamRejection } from './auth.ts'
import { createLogger, type UntypedEvents } from './logger.ts'

function setup() {
  const lines: string[] = []
  const logger = createLogger<UntypedEvents>({
    format: 'json',
    level: 'debug',
    write: (line) => lines.push(line),
  })
  const seen: (string | null)[] = []
  let accepted = 'token-NEW-0002'
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const token = request.headers.get('X-Auth-Token')
    seen.push(token)
    if (token !== accepted) {
      return new Response('{"error_code":"APIGW.0301","error_msg":"expired"}', { status: 401 })
    }
    return new Response('{"command_name":""}', { status: 200 })
  }
  return {
    lines,
    logger,
    seen,
    fetch,
    accept: (token: string) => {
      accepted = token
    },
  }
}

describe('createAuth with a token file', () => {
  it('reads the file again on 401 and retries once with the new token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-auth-'))
    const file = join(dir, 'token')
    await writeFile(file, 'token-OLD-0001\n')
    const { lines, logger, seen, fetch } = setup()
    const auth = createAuth({ kind: 'token', token: 'token-OLD-0001', tokenFile: file }, { logger })
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth,
      fetch,
      retry: false,
    })
    await writeFile(file, 'token-NEW-0002\n') // rotated meanwhile
    expect(await client.getCommand('srv-1')).toBeNull()
    expect(seen).toEqual(['token-OLD-0001', 'token-NEW-0002'])
    const refresh = lines.map((line) => JSON.parse(line)).find((e) => e.event === 'auth.refresh')
    expect(refresh?.msg).toContain('using the new token')
    // The new token is a secret from now on.
    logger.info('leak', { msg: 'token-NEW-0002' })
    expect(lines.at(-1)).not.toContain('token-NEW-0002')
  })

  it('surfaces the 401 when the file holds no new token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-auth-'))
    const file = join(dir, 'token')
    await writeFile(file, 'token-OLD-0001\n')
    const { lines, logger, fetch } = setup()
    const auth = createAuth({ kind: 'token', token: 'token-OLD-0001', tokenFile: file }, { logger })
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth,
      fetch,
      retry: false,
    })
    await expect(client.getCommand('srv-1')).rejects.toMatchObject({ status: 401 })
    expect(lines.join('')).toContain('holds no new token')
  })
})

describe('createAuth', () => {
  it('builds a static token, AK/SK and IAM password provider', () => {
    const { logger } = setup()
    expect(createAuth({ kind: 'token', token: 'abcd' }, { logger }).kind).toBe('token')
    expect(createAuth({ kind: 'ak-sk', ak: 'AK', sk: 'SK' }, { logger }).kind).toBe('ak-sk')
    const iam = createAuth(
      {
        kind: 'iam-password',
        iamEndpoint: 'https://iam.example.test',
        user: 'u',
        password: 'p',
        domain: 'd',
      },
      { logger },
    )
    expect(iam.kind).toBe('iam-password')
    expect(typeof iam.refresh).toBe('function')
  })
})

describe('keptIamRejection', () => {
  const record = (at: number) => ({ at, salt: 'ab'.repeat(8), fingerprint: 'cd'.repeat(32) })

  it('writes the record 0600, reads it back, names it at start, and removes it when cleared', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-kept-'))
    const { logger, lines } = setup()
    const now = Date.UTC(2026, 10, 29, 20, 5)
    const store = keptIamRejection(dir, logger, { now: () => now })
    await store.save(record(Date.UTC(2026, 10, 29, 20, 0)))
    expect((await stat(join(dir, 'iam-rejection.json'))).mode & 0o777).toBe(0o600)
    expect(await keptIamRejection(dir, logger, { now: () => now }).load()).toEqual(
      record(Date.UTC(2026, 10, 29, 20, 0)),
    )
    const kept = lines
      .map((line) => JSON.parse(line))
      .find((e) => e.event === 'auth.rejection-kept')
    expect(kept).toMatchObject({ level: 'warn', rejected_at: '2026-11-29T20:00:00.000Z' })
    expect(kept.msg).toContain('2026-11-29T20:15:00.000Z')
    await store.save(undefined)
    expect(await readdir(dir)).toEqual([])
  })

  it('writes nothing in a dry run, and reports a file it cannot read without failing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-kept-'))
    const { logger, lines } = setup()
    await keptIamRejection(dir, logger, { readOnly: true }).save(record(Date.now()))
    expect(await readdir(dir)).toEqual([])
    await writeFile(join(dir, 'iam-rejection.json'), '{"at":')
    expect(await keptIamRejection(dir, logger).load()).toBeUndefined()
    const error = lines.map((line) => JSON.parse(line)).find((e) => e.event === 'state.error')
    expect(error?.msg).toContain('iam-rejection.json')
  })
})
