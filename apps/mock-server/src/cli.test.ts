import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCli, startupLines } from './cli.ts'
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
    for (const [args, field] of [
      [['--port', '70000'], '--port'],
      [['--delivery', 'twice'], '--delivery'],
      [['--user', 'nopassword'], '--user'],
      [['--aksk', ':x'], '--aksk'],
      [['--seed', '-1'], 'arguments'],
      [['--idle', 'x'], '--idle'],
      [['--rate-limit', '20'], '--rate-limit'],
      [['--auth-errors', 'both'], '--auth-errors'],
      [['--bogus'], 'arguments'],
      [['--scenario', '/nonexistent/file.json'], '--scenario'],
    ] as const) {
      const error = await parseCli(args, {}).catch((e: unknown) => e)
      expect(error, args.join(' ')).toBeInstanceOf(MockConfigError)
      expect((error as MockConfigError).field).toBe(field)
    }
  })

  it('reads the rate limit and the auth-error style', async () => {
    const command = await parseCli(['--rate-limit', '20/min', '--auth-errors', 'sms'], {})
    expect(command).toMatchObject({
      help: false,
      options: { rateLimit: { limit: 20, windowMs: 60_000 }, authErrors: 'sms' },
    })
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
