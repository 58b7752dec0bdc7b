import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { rejection } from '../../test/fake-fetch.ts'
import { iamPasswordToken } from '../auth/iam-password-token.ts'
import { staticToken } from '../auth/static-token.ts'
import { isSmsRedirectError, type SmsRedirectError } from '../errors/sms-redirect-error.ts'
import { createSmsClient } from './create-sms-client.ts'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(() => r(null)))))
})

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('redirects are never followed (real HTTP on loopback)', () => {
  it('a 301 to another origin on GET, POST result and IAM login: typed error, the other origin receives nothing', async () => {
    const elsewhere: string[] = []
    const other = await listen((request, response) => {
      elsewhere.push(`${request.method} ${request.url} ${request.headers['x-auth-token'] ?? ''}`)
      response.end('{}')
    })
    const sms = await listen((_request, response) => {
      response.writeHead(301, { Location: `${other}/moved?token=secret` }).end()
    })
    const client = createSmsClient({ endpoint: sms, auth: staticToken('T'.repeat(40)), retry: 1 })
    const get = (await rejection(client.getCommand('srv'))) as SmsRedirectError
    expect(isSmsRedirectError(get)).toBe(true)
    expect(get.status).toBe(301)
    expect(get.location).toBe(`${other}/moved`)
    expect(get.message).toContain('GET /v3/sources/srv/command')
    expect(get.message).not.toContain('secret')
    const post = (await rejection(
      client.reportResult('srv', { command_name: 'START', result: 'success', result_detail: {} }),
    )) as SmsRedirectError
    expect(isSmsRedirectError(post)).toBe(true)
    expect(post.message).toContain('POST /v3/sources/srv/command_result')
    const iam = iamPasswordToken({ iamEndpoint: sms, user: 'u', password: 'p', domain: 'd' })
    const login = (await rejection(iam.authorize({} as never))) as SmsRedirectError
    expect(isSmsRedirectError(login)).toBe(true)
    expect(login.service).toBe('iam')
    expect(elsewhere).toEqual([])
  })

  it('is not retried: one request, however many attempts the policy allows', async () => {
    let hits = 0
    const sms = await listen((_request, response) => {
      hits++
      response.writeHead(302, { Location: 'http://192.0.2.1/elsewhere' }).end()
    })
    const client = createSmsClient({ endpoint: sms, auth: staticToken('T'.repeat(40)), retry: 4 })
    expect(isSmsRedirectError(await rejection(client.getCommand('srv')))).toBe(true)
    expect(hits).toBe(1)
  })
})
