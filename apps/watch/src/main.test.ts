import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach, io } from '../test/main-io.ts'
import { startMock } from '../test/mock-admin.ts'
import { main } from './main.ts'

const cleanups = cleanupAfterEach()

/** A tiny SMS on loopback: answers GET .../command from a table, counts requests by method. */
async function fakeSms(answers: Record<string, { status: number; body: unknown }>) {
  const methods: string[] = []
  const server: Server = createServer((request, response) => {
    methods.push(request.method ?? '')
    const id = decodeURIComponent(
      /\/v3\/sources\/([^/]+)\/command$/.exec(request.url ?? '')?.[1] ?? '',
    )
    const answer = answers[id] ?? {
      status: 404,
      body: { error_code: 'SMS.0404', error_msg: 'unknown' },
    }
    response
      .writeHead(answer.status, { 'Content-Type': 'application/json' })
      .end(JSON.stringify(answer.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, methods }
}

describe('sms-watch without a TTY (NDJSON)', () => {
  it('polls SMS read-only and prints one line per server change, then stops at --duration', async () => {
    const sms = await fakeSms({
      a: { status: 200, body: { command_name: 'START', command_param: { task_id: 't1' } } },
      b: { status: 200, body: { command_name: '', command_param: {} } },
      c: { status: 401, body: { error_code: 'APIGW.0301', error_msg: 'token expired' } },
    })
    const run = io({ SMS_TOKEN: 'watch-secret-token' })
    const code = await main(
      [
        '--endpoint',
        sms.url,
        '--servers',
        'a,b,c',
        '--interval',
        '1s',
        '--max-rps',
        '10',
        '--duration',
        '2500ms',
      ],
      run.io,
    )
    expect(code).toBe(0)
    const lines = run.stdout.lines()
    const servers = lines.filter((line) => line.type === 'server')
    expect(servers.find((line) => line.server_id === 'a')).toMatchObject({
      state: 'pending',
      command: 'START',
      task_id: 't1',
      error: null,
    })
    expect(servers.find((line) => line.server_id === 'b')).toMatchObject({
      state: 'idle',
      command: null,
    })
    expect(servers.find((line) => line.server_id === 'c')).toMatchObject({
      state: 'error',
      error: { status: 401, code: 'APIGW.0301' },
    })
    // Repeated identical polls are not changes: one line per server.
    expect(servers.filter((line) => line.server_id === 'a')).toHaveLength(1)
    expect(lines.some((line) => line.type === 'source' && line.status === 'ok')).toBe(true)
    expect(sms.methods.length).toBeGreaterThanOrEqual(5)
    expect(new Set(sms.methods)).toEqual(new Set(['GET']))
    expect(run.stdout.text + run.stderr.text).not.toContain('watch-secret-token')
  })

  it('follows a mock server live and stops on a signal', async () => {
    const { mock, admin } = await startMock(cleanups, {
      tokens: ['agent-token'],
      adminToken: 'admin-tok',
    })
    await admin.registerServer({ id: 'web-1' })
    const run = io()
    const finished = main(['--mock', mock.url, '--admin-token', 'admin-tok', '--json'], run.io)
    for (let i = 0; i < 100 && !run.stdout.text.includes('"status":"ok"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await admin.enqueue('web-1', {
      command_name: 'SYNC',
      command_param: { task_id: 'live-1' },
    })
    for (let i = 0; i < 100 && !run.stdout.text.includes('live-1'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    run.signal()
    expect(await finished).toBe(0)
    const pending = run.stdout.lines().find((line) => line.task_id === 'live-1')
    expect(pending).toMatchObject({
      type: 'server',
      server_id: 'web-1',
      state: 'pending',
      command: 'SYNC',
    })
    expect(run.stdout.text).not.toContain('admin-tok')
  })

  it('shows an unreachable endpoint as a source error line instead of crashing', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const run = io({ SMS_TOKEN: 't' })
    const code = await main(
      ['--endpoint', `http://127.0.0.1:${port}`, '--servers', 'a', '--duration', '1500ms'],
      run.io,
    )
    expect(code).toBe(0)
    expect(run.stdout.lines()).toContainEqual(
      expect.objectContaining({
        type: 'source',
        kind: 'api',
        status: 'error',
        message: 'network on every server (endpoint unreachable)',
      }),
    )
  })

  it('prints every failed fleet listing with the time it is retried', async () => {
    const sms = await fakeSms({})
    const run = io({ SMS_TOKEN: 'listing-secret' })
    const code = await main(
      ['--endpoint', sms.url, '--servers', 'all', '--max-rps', '20', '--duration', '3s'],
      run.io,
    )
    expect(code).toBe(0)
    const failures = run.stdout
      .lines()
      .filter((line) => line.type === 'source' && line.kind === 'fleet' && line.status === 'error')
    // The first failure at once, its retry 2 s later, failing again.
    expect(failures.length).toBeGreaterThanOrEqual(2)
    for (const failure of failures) {
      expect(failure.message).toMatch(/^listing failed, retry at .*404 SMS\.0404/)
      const wait = Date.parse(String(failure.retry_at)) - Date.parse(String(failure.time))
      expect(wait).toBeGreaterThanOrEqual(1_000)
      expect(wait).toBeLessThanOrEqual(30_000)
    }
    expect(failures[1]?.retry_at).not.toBe(failures[0]?.retry_at)
    expect(run.stdout.text).not.toContain('listing-secret')
  })

  it('exits 2 with a message naming the flag on bad options, and 0 with help', async () => {
    const bad = io()
    expect(await main(['--interval', 'soon', '--mock', 'http://x'], bad.io)).toBe(2)
    expect(bad.stderr.text).toContain('sms-watch: Invalid --interval')
    const help = io()
    expect(await main(['--help'], help.io)).toBe(0)
    expect(help.stdout.text).toContain('Usage:')
    const version = io()
    expect(await main(['--version'], version.io)).toBe(0)
    expect(version.stdout.text).toMatch(/^sms-watch \d+\.\d+\.\d+\n$/)
  })
})

describe('sms-watch --servers all (discovery through the mock over HTTP)', () => {
  it("discovers the account's servers by name, with SMS state and cycle, filtered by --state", async () => {
    const { mock, admin } = await startMock(cleanups, { tokens: ['fleet-token'] })
    const servers = [
      {
        id: 'f32ab4d6-0001',
        name: '北京-数据库-01',
        state: 'replicate',
        migration_cycle: 'replicating',
      },
      { id: 'f32ab4d6-0002', name: 'web-\u202e01', state: 'replicate', migration_cycle: 'syncing' },
      { id: 'f32ab4d6-0003', name: 'done-01', state: 'finished', migration_cycle: 'cutovered' },
    ]
    for (const server of servers) {
      await admin.registerServer(server)
    }
    await admin.enqueue('f32ab4d6-0001', {
      command_name: 'START',
      command_param: { task_id: 't-1' },
    })
    const run = io({ SMS_TOKEN: 'fleet-token' })
    const code = await main(
      [
        '--endpoint',
        mock.url,
        '--servers',
        'all',
        '--state',
        'replicate',
        '--max-rps',
        '20',
        '--duration',
        '2500ms',
        '--json',
      ],
      run.io,
    )
    expect(code).toBe(0)
    const lines = run.stdout.lines()
    const byId = (id: string) =>
      lines.filter((line) => line.type === 'server' && line.server_id === id).at(-1)
    expect(byId('f32ab4d6-0001')).toMatchObject({
      name: '北京-数据库-01',
      sms_state: 'replicate',
      migration_cycle: 'replicating',
      state: 'pending',
      command: 'START',
    })
    expect(byId('f32ab4d6-0002')).toMatchObject({ name: 'web-\u202e01', sms_state: 'replicate' })
    // NDJSON keeps the bidi character, escaped.
    expect(run.stdout.text).toContain('web-\\u202e01')
    // Filtered out by --state replicate: never polled, never shown.
    expect(byId('f32ab4d6-0003')).toBeUndefined()
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'source',
        kind: 'fleet',
        status: 'ok',
        message: '2 servers listed',
      }),
    )
    expect(run.stdout.text).not.toContain('fleet-token')
  })

  it('prints the 429 that halves the budget, naming the server, when SMS throttles at 20/min', async () => {
    const { mock, admin } = await startMock(cleanups, {
      tokens: ['throttled-token'],
      rateLimit: '20/min',
    })
    const ids = Array.from({ length: 12 }, (_, i) => `srv-${String(i + 1).padStart(2, '0')}`)
    for (const id of ids) await admin.registerServer({ id, name: `name-${id}`, state: 'replicate' })
    const run = io({ SMS_TOKEN: 'throttled-token' })
    const code = await main(
      [
        '--endpoint',
        mock.url,
        '--servers',
        'all',
        '--interval',
        '1s',
        '--max-rps',
        '20',
        '--duration',
        '3s',
        '--json',
      ],
      run.io,
    )
    expect(code).toBe(0)
    const lines = run.stdout.lines()
    // Every line has a documented type.
    const types = new Set(['server', 'source', 'budget', 'throttled', 'servers', 'log', 'note'])
    expect(lines.filter((line) => !types.has(String(line.type)))).toEqual([])
    const throttled = lines.filter((line) => line.type === 'throttled')
    expect(throttled.length).toBeGreaterThanOrEqual(1)
    expect(throttled[0]).toMatchObject({
      error: { status: 429, code: 'APIGW.0308' },
      rps: 10,
      max_rps: 20,
    })
    expect(ids).toContain(throttled[0]?.server_id)
    const budgets = lines.filter((line) => line.type === 'budget')
    expect(budgets).toContainEqual(
      expect.objectContaining({ max_rps: 20, rps: 20, servers: 12, throttled_at: null }),
    )
    // After the 429: the halved rate, and the Retry-After holding every request.
    const halved = budgets.find((line) => line.rps === 10)
    expect(halved).toMatchObject({ max_rps: 20, throttled_at: expect.any(String) })
    expect(Date.parse(String(halved?.held_until))).toBeGreaterThan(Date.parse(String(halved?.time)))
    expect(lines.indexOf(halved ?? {})).toBeGreaterThan(lines.indexOf(throttled[0] ?? {}))
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'servers', count: 12, removed: [] }),
    )
    expect(run.stdout.text).not.toContain('throttled-token')
  })
})
