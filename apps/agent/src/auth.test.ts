import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSmsClient } from '@sms-command/core'
import { describe, expect, it } from 'vitest'
import { createAuth } from './auth.ts'
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
