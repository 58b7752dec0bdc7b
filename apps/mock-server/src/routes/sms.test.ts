import { describe, expect, it } from 'vitest'
import { inProcessRuntime, resolveSettings } from '../options.ts'
import { rawPath } from '../request.ts'
import { MemoryStore } from '../store/memory-store.ts'
import type { RouteDeps } from './context.ts'
import { createDirectSmsHandler, createPollLane, signsBody, unusableToken } from './sms.ts'

// The poll lane answers the common poll without the full path's steps. It must be invisible: the
// same answer, journal and events as the full path, and for every request it does not take,
// nothing changed, so that the full path then finds the store as it was.

const START = Date.parse('2026-11-29T12:00:00Z')

const scenario = {
  seed: 7,
  accounts: [{ name: 'other' }],
  users: [{ name: 'ops', password: 'pw' }],
  tokens: [
    'tok-demo',
    { token: 'tok-short', expiresInMs: 60_000 },
    { token: 'tok-other', account: 'other' },
  ],
  servers: [
    { id: 'ack-1', commands: [{ command_name: 'START', command_param: { task_id: 't1' } }] },
    {
      id: 'pop-1',
      delivery: 'pop' as const,
      commands: [{ command_name: 'SYNC' }, { command_name: 'STOP' }],
    },
    { id: 'quiet', idle: 'no-content' as const },
    { id: 'later', commands: [{ command_name: 'START', releaseAfterMs: 30_000 }] },
    { id: 'theirs', domain: 'other', commands: [{ command_name: 'DELETE' }] },
    { id: 'flaky', commands: [{ command_name: 'START' }] },
  ],
  faults: [{ kind: 'status' as const, status: 503, server: 'flaky', count: 2 }],
}

/** A store and its handler, on a clock the test moves. */
function harness(withLane: boolean, options: { rateLimit?: string; autoRegister?: boolean } = {}) {
  const clock = { now: START }
  const settings = resolveSettings({
    scenario,
    demo: false,
    clock: () => clock.now,
    ...options,
  })
  const store = new MemoryStore(settings)
  const deps: RouteDeps = {
    store,
    settings,
    runtime: inProcessRuntime,
    sleep: async () => {},
    logError: (message) => {
      throw new Error(message)
    },
  }
  const direct = createDirectSmsHandler(deps)
  const lane = withLane ? createPollLane(deps) : undefined
  let laneAnswers = 0
  const send = async (url: string, token?: string) => {
    const request = new Request(`http://mock.test${url}`, {
      headers: token === undefined ? {} : { 'x-auth-token': token },
    })
    const path = rawPath(request.url)
    const quick = lane?.(request, path)
    if (quick !== undefined) laneAnswers++
    const response = await (quick ?? direct(request, 'GET', path, undefined))
    const headers = Object.fromEntries(response.headers)
    expect(headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    delete headers['x-request-id']
    const body = (await response.text()).replace(/"request_id":"[0-9a-f]{32}"/, '"request_id":"…"')
    return { status: response.status, headers, body }
  }
  const events: unknown[] = []
  const listening = new AbortController()
  const following = store.subscribe({}, listening.signal).then(async (stream) => {
    // Request ids differ between two runs; everything else must not.
    for await (const event of stream) events.push({ ...event, requestId: undefined })
  })
  const history = async () => {
    await new Promise((resolve) => setTimeout(resolve, 0))
    listening.abort()
    await following
    const journal = await store.readJournal({})
    return {
      journal: journal.map((entry) => ({ ...entry, requestId: undefined, durationMs: undefined })),
      events,
    }
  }
  return {
    clock,
    store,
    send,
    history,
    lanes: () => laneAnswers,
    direct: (request: Request) =>
      Promise.resolve(direct(request, request.method, rawPath(request.url), undefined)),
  }
}

/** Every kind of GET the lane must take or pass on, in an order that moves state. */
const polls: [string, string | undefined][] = [
  ['/v3/sources/ack-1/command', 'tok-demo'],
  ['/v3/sources/ack-1/command', 'tok-demo'],
  ['/v3/sources/pop-1/command', 'tok-demo'],
  ['/v3/sources/pop-1/command', 'tok-demo'],
  ['/v3/sources/pop-1/command', 'tok-demo'],
  ['/v3/sources/quiet/command', 'tok-demo'],
  ['/v3/sources/later/command', 'tok-demo'],
  ['/v3/sources/theirs/command', 'tok-demo'],
  ['/v3/sources/theirs/command', 'tok-other'],
  ['/v3/sources/nobody/command', 'tok-demo'],
  ['/v3/sources/flaky/command', 'tok-demo'],
  ['/v3/sources/ack-1/command', 'tok-nope'],
  ['/v3/sources/ack-1/command', undefined],
  ['/v3/sources/ack-1/command', ''],
  ['/v3/sources/ack-1/command', 't'.repeat(16_385)],
  ['/v3/sources/ack%2D1/command', 'tok-demo'],
  ['/v3/sources//command', 'tok-demo'],
  ['/v3/sources/ack-1/command_result', 'tok-demo'],
  ['/v3/sources/ack-1/command?x=1', 'tok-demo'],
]

async function run(withLane: boolean, options: { rateLimit?: string; autoRegister?: boolean }) {
  const h = harness(withLane, options)
  const answers = []
  for (const [url, token] of polls) answers.push(await h.send(url, token))
  // The scheduled command is due, the short token has expired, the flaky fault is used up.
  h.clock.now += 61_000
  for (const [url, token] of polls) answers.push(await h.send(url, token))
  answers.push(await h.send('/v3/sources/ack-1/command', 'tok-short'))
  return { answers, ...(await h.history()), lanes: h.lanes() }
}

describe('poll lane', () => {
  it.each<[string, { rateLimit?: string; autoRegister?: boolean }]>([
    ['no rate limit', {}],
    ['a rate limit', { rateLimit: '5/min' }],
    ['auto-registration', { autoRegister: true }],
  ])('answers, journals and publishes exactly as the full path, with %s', async (_, options) => {
    const full = await run(false, options)
    const laned = await run(true, options)
    expect(laned.answers).toEqual(full.answers)
    expect(laned.journal).toEqual(full.journal)
    expect(laned.events).toEqual(full.events)
    expect(full.events.length).toBeGreaterThan(5)
    expect(full.lanes).toBe(0)
    if (options.rateLimit === undefined) expect(laned.lanes).toBeGreaterThan(5)
    else expect(laned.lanes).toBe(0)
  })

  it('takes the plain poll and dates it with the mock clock', async () => {
    const h = harness(true)
    h.clock.now = Date.parse('2030-01-02T03:04:05Z')
    const answer = await h.send('/v3/sources/ack-1/command', 'tok-demo')
    expect(h.lanes()).toBe(1)
    expect(answer).toEqual({
      status: 200,
      headers: {
        'content-type': 'application/json;charset=UTF-8',
        date: 'Wed, 02 Jan 2030 03:04:05 GMT',
      },
      body: '{"command_name":"START","command_param":{"task_id":"t1"}}',
    })
    const [line] = await h.store.readJournal({})
    expect(line).toMatchObject({
      method: 'GET',
      path: '/v3/sources/ack-1/command',
      route: 'command',
      serverId: 'ack-1',
      status: 200,
      command: 'START',
      auth: { kind: 'static-token', account: 'demo' },
    })
  })

  it('leaves to the full path a poll with a fault armed, drawing the fault once', async () => {
    const h = harness(true)
    const first = await h.send('/v3/sources/flaky/command', 'tok-demo')
    expect(first.status).toBe(503)
    expect(h.lanes()).toBe(0)
    const faults = (await h.store.listFaults()).map((fault) => fault.remaining)
    expect(faults).toEqual([1])
  })

  it('is absent for a store without pollPlain', () => {
    const settings = resolveSettings({ scenario, demo: false })
    const store = new MemoryStore(settings)
    Object.defineProperty(store, 'pollPlain', { value: undefined })
    const deps = {
      store,
      settings,
      runtime: inProcessRuntime,
      sleep: async () => {},
      logError() {},
    }
    expect(createPollLane(deps)).toBeUndefined()
  })
})

describe('command_result body read', () => {
  /** A body stream that counts the bytes the handler pulls, 4 KiB a pull, up to `total`. */
  const countingBody = (total: number) => {
    let pulled = 0
    const chunk = new Uint8Array(4_096).fill(0x20)
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= total) return controller.close()
          pulled += chunk.byteLength
          controller.enqueue(chunk)
        },
      },
      { highWaterMark: 0 },
    )
    return { stream, pulled: () => pulled }
  }
  const post = (h: ReturnType<typeof harness>, headers: Record<string, string>, body: BodyInit) => {
    const request = new Request('http://mock.test/v3/sources/ack-1/command_result', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      duplex: 'half',
    } as RequestInit)
    return h.direct(request)
  }
  const codeOf = async (response: Response) =>
    [response.status, ((await response.json()) as { error_code: string }).error_code] as const

  it('refuses a bad token 401 APIGW.0301 without reading the body', async () => {
    const h = harness(false)
    const body = countingBody(2_097_152)
    expect(await codeOf(await post(h, { 'x-auth-token': 'tok-nope' }, body.stream))).toEqual([
      401,
      'APIGW.0301',
    ])
    expect(body.pulled()).toBe(0)
  })

  it('refuses a bad token 401 APIGW.0301 when Content-Length alone claims over 1 MiB', async () => {
    const h = harness(false)
    const claim = { 'content-length': '2097152' }
    expect(await codeOf(await post(h, { ...claim, 'x-auth-token': 'tok-nope' }, '{}'))).toEqual([
      401,
      'APIGW.0301',
    ])
    expect(await codeOf(await post(h, { ...claim, 'x-auth-token': '' }, '{}'))).toEqual([
      401,
      'APIGW.0301',
    ])
    expect(await codeOf(await post(h, { ...claim, 'x-auth-token': 'tok-demo' }, '{}'))).toEqual([
      401,
      'SMS.2004',
    ])
  })

  it('answers a good token SMS.2004 past 10,240 bytes, reading no further than the bound', async () => {
    const h = harness(false)
    const body = countingBody(2_097_152)
    expect(await codeOf(await post(h, { 'x-auth-token': 'tok-demo' }, body.stream))).toEqual([
      401,
      'SMS.2004',
    ])
    expect(body.pulled()).toBeGreaterThan(10_240)
    expect(body.pulled()).toBeLessThanOrEqual(10_240 + 4_096)
    const [line] = await h.store.readJournal({})
    expect(line).toMatchObject({
      route: 'command_result',
      status: 401,
      errorCode: 'SMS.2004',
      auth: { account: 'demo' },
    })
  })
})

describe('credentials before the body', () => {
  const request = (headers: Record<string, string>) =>
    new Request('http://mock.test/v3/sources/s/command_result', { method: 'POST', headers })
  const signature = 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=00'

  it('reads the body first only for an AK/SK signature without a token', () => {
    expect(signsBody(request({ authorization: signature }))).toBe(true)
    expect(signsBody(request({ authorization: `  sdk-hmac-sha256 ${signature.slice(16)}` }))).toBe(
      true,
    )
    expect(signsBody(request({ authorization: signature, 'x-auth-token': '' }))).toBe(false)
    expect(signsBody(request({ authorization: signature, 'x-auth-token': 'tok' }))).toBe(false)
    expect(signsBody(request({ authorization: 'Bearer tok' }))).toBe(false)
    expect(signsBody(request({}))).toBe(false)
  })

  it('takes an empty token for a missing one and an over-long one for an invalid one', () => {
    expect(unusableToken('')).toEqual({
      ok: false,
      reason: 'missing',
      message: 'X-Auth-Token: expected a non-empty token',
    })
    expect(unusableToken('t'.repeat(16_385))).toEqual({
      ok: false,
      reason: 'unknown-token',
      message: 'X-Auth-Token: expected at most 16384 characters, got 16385',
    })
  })
})
