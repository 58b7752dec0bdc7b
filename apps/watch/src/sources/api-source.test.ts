import { createSmsClient, staticToken } from '@sms-command/core'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { ServerUpdate, SourceStatus } from '../model.ts'
import { createSemaphore, startApiSource } from './api-source.ts'

type Answer = { status: number; body?: unknown; headers?: Record<string, string> }

/** An in-memory SMS: answers `GET .../command` per server, records every request. */
function fakeSms(answer: (serverId: string) => Answer | Promise<Answer>) {
  const requests: { method: string; serverId: string }[] = []
  let inFlight = 0
  let maxInFlight = 0
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const match = /\/v3\/sources\/([^/]+)\/command$/.exec(new URL(request.url).pathname)
    const serverId = decodeURIComponent(match?.[1] ?? '')
    requests.push({ method: request.method, serverId })
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    try {
      const { status, body, headers } = await answer(serverId)
      return new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json', ...headers },
      })
    } finally {
      inFlight--
    }
  }
  return {
    fetch: fetch as typeof globalThis.fetch,
    requests,
    get maxInFlight() {
      return maxInFlight
    },
  }
}

const controllers: AbortController[] = []
afterEach(() => {
  for (const controller of controllers.splice(0)) controller.abort()
})

function run(
  sms: ReturnType<typeof fakeSms>,
  serverIds: string[],
  options: { concurrency?: number; intervalMs?: number } = {},
) {
  const scheduler = createVirtualScheduler()
  const controller = new AbortController()
  controllers.push(controller)
  const updates: ServerUpdate[] = []
  const statuses: SourceStatus[] = []
  let intervalMs = options.intervalMs ?? 10_000
  const client = createSmsClient({
    endpoint: 'http://sms.test',
    auth: staticToken('secret-token-value'),
    fetch: sms.fetch,
    scheduler,
    retry: false,
  })
  const source = startApiSource({
    client,
    serverIds,
    concurrency: options.concurrency ?? 4,
    intervalMs: () => intervalMs,
    emit: (update) => updates.push(update),
    status: (status) => statuses.push(status),
    signal: controller.signal,
    scheduler,
    random: () => 0.5,
  })
  return {
    scheduler,
    source,
    updates,
    statuses,
    controller,
    setInterval: (ms: number) => {
      intervalMs = ms
    },
  }
}

const idle = (): Answer => ({ status: 200, body: { command_name: '', command_param: {} } })

describe('startApiSource', () => {
  it('reports idle servers, pending commands and errors with status and code', async () => {
    const sms = fakeSms((serverId) => {
      if (serverId === 'cmd') {
        return {
          status: 200,
          body: { command_name: 'START', command_param: { task_id: 't1', bucket: 'b' } },
        }
      }
      if (serverId === 'denied') {
        return { status: 403, body: { error_code: 'SMS.2002', error_msg: 'no permission' } }
      }
      return idle()
    })
    const { scheduler, updates } = run(sms, ['idle', 'cmd', 'denied'])
    await scheduler.advance(600)
    const byServer = new Map(updates.map((update) => [update.serverId, update]))
    expect(byServer.get('idle')).toMatchObject({
      command: null,
      error: null,
      poll: { latencyMs: 0 },
    })
    expect(byServer.get('cmd')).toMatchObject({
      command: { name: 'START', taskId: 't1', bucket: 'b' },
      error: null,
    })
    expect(byServer.get('denied')?.error).toMatchObject({ status: 403, code: 'SMS.2002' })
    expect(byServer.get('denied')?.error?.message).not.toContain('secret-token-value')
  })

  it('only ever sends GET: watching never consumes or answers a command', async () => {
    const sms = fakeSms(() => ({ status: 200, body: { command_name: 'STOP', command_param: {} } }))
    const { scheduler } = run(sms, ['a', 'b'], { intervalMs: 1_000 })
    for (let i = 0; i < 5; i++) await scheduler.advance(1_000)
    expect(sms.requests.length).toBeGreaterThanOrEqual(10)
    expect(new Set(sms.requests.map((request) => request.method))).toEqual(new Set(['GET']))
  })

  it('keeps at most `concurrency` requests in flight across a large fleet', async () => {
    const release: (() => void)[] = []
    const sms = fakeSms(
      () =>
        new Promise<Answer>((resolve) => {
          release.push(() => resolve(idle()))
        }),
    )
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`)
    const { scheduler } = run(sms, ids, { concurrency: 3 })
    await scheduler.advance(1_000)
    for (let round = 0; round < 30 && sms.requests.length < 50; round++) {
      for (const resolve of release.splice(0)) resolve()
      await scheduler.advance(1)
    }
    expect(sms.requests.length).toBe(50)
    expect(sms.maxInFlight).toBe(3)
  })

  it('backs off a failing server without slowing the healthy ones', async () => {
    const sms = fakeSms((serverId) =>
      serverId === 'bad'
        ? { status: 500, body: { error_code: 'SMS.2007', error_msg: 'x' } }
        : idle(),
    )
    const { scheduler, updates } = run(sms, ['good', 'bad'], { intervalMs: 1_000 })
    // random() is 0.5: the bad one polls at 0.5, 1, 2, 4, 8 and 16 s; the good one every second.
    await scheduler.advance(20_500)
    const good = sms.requests.filter((request) => request.serverId === 'good').length
    const bad = updates.filter((update) => update.serverId === 'bad')
    expect(good).toBe(21)
    expect(bad.map((update) => update.at - (bad[0]?.at ?? 0))).toEqual([
      0, 500, 1_500, 3_500, 7_500, 15_500,
    ])
    expect(bad.every((update) => update.error?.status === 500)).toBe(true)
  })

  it('waits at least a minute after a 401 before polling that server again', async () => {
    const sms = fakeSms(() => ({
      status: 401,
      body: { error_code: 'APIGW.0301', error_msg: 'expired' },
    }))
    const { scheduler, statuses } = run(sms, ['a', 'b'], { intervalMs: 1_000 })
    await scheduler.advance(60_000)
    expect(sms.requests.filter((request) => request.serverId === 'a')).toHaveLength(1)
    await scheduler.advance(1_000)
    expect(sms.requests.filter((request) => request.serverId === 'a')).toHaveLength(2)
    expect(statuses.at(-1)).toMatchObject({
      kind: 'api',
      status: 'error',
      message: '401 APIGW.0301 on every server (check the credentials)',
    })
  })

  it('says the endpoint is unreachable when no server can be reached', async () => {
    const fetch = (() => Promise.reject(new TypeError('fetch failed'))) as typeof globalThis.fetch
    const sms = { ...fakeSms(idle), fetch }
    const { scheduler, statuses, updates } = run(sms, ['a'])
    await scheduler.advance(600)
    expect(updates[0]?.error).toMatchObject({ code: 'network' })
    expect(statuses.at(-1)).toMatchObject({
      status: 'error',
      message: 'network on every server (endpoint unreachable)',
    })
  })

  it.each([
    ['timeout', 'timeout on every server (no answer within the request timeout)'],
    [
      'headers-too-large',
      'headers-too-large on every server (answers arrive, but with headers larger',
    ],
  ] as const)(
    'names a %s failure as itself, not as an unreachable endpoint',
    async (reason, text) => {
      const fetch = ((_input: unknown, init?: RequestInit) =>
        reason === 'timeout'
          ? // Never answers: core's own deadline (30 s by default) ends the attempt.
            new Promise((_resolve, reject) =>
              init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
            )
          : Promise.reject(
              Object.assign(new TypeError('fetch failed'), {
                cause: Object.assign(new Error('Headers Overflow Error'), {
                  code: 'UND_ERR_HEADERS_OVERFLOW',
                }),
              }),
            )) as typeof globalThis.fetch
      const sms = { ...fakeSms(idle), fetch }
      const { scheduler, statuses, updates } = run(sms, ['a'])
      await scheduler.advance(31_000)
      expect(updates[0]?.error).toMatchObject({ code: reason })
      expect(statuses.at(-1)?.message).toContain(text)
      expect(statuses.at(-1)?.message).not.toContain('unreachable')
    },
  )

  it('turns healthy again (status ok) once any server answers', async () => {
    let fail = true
    const sms = fakeSms(() => (fail ? { status: 503 } : idle()))
    const { scheduler, statuses } = run(sms, ['a'], { intervalMs: 1_000 })
    await scheduler.advance(600)
    expect(statuses.at(-1)?.status).toBe('error')
    fail = false
    await scheduler.advance(5_000)
    expect(statuses.map((status) => status.status)).toEqual(['connecting', 'error', 'ok'])
  })

  it('shows an id SMS cannot take as an error row and polls the others', async () => {
    const sms = fakeSms(idle)
    const { scheduler, updates } = run(sms, ['x'.repeat(300), 'fine'])
    await scheduler.advance(600)
    const bad = updates.find((update) => update.serverId.startsWith('xxx'))
    expect(bad?.error).toMatchObject({ code: 'bad-serverId' })
    expect(bad?.error?.message).toMatch(/serverId.*not polled/)
    expect(updates.some((update) => update.serverId === 'fine' && update.command === null)).toBe(
      true,
    )
    expect(sms.requests.map((request) => request.serverId)).toEqual(['fine'])
  })

  it('applies a shorter interval at once when woken', async () => {
    const sms = fakeSms(idle)
    const { scheduler, source, setInterval } = run(sms, ['a'], { intervalMs: 60_000 })
    await scheduler.advance(600)
    expect(sms.requests).toHaveLength(1)
    setInterval(1_000)
    source.wakeAll()
    await scheduler.advance(600)
    expect(sms.requests).toHaveLength(2)
    await scheduler.advance(1_000)
    expect(sms.requests).toHaveLength(3)
  })

  it('stops every poller when the signal aborts', async () => {
    const sms = fakeSms(idle)
    const { scheduler, source, controller } = run(sms, ['a', 'b'], { intervalMs: 1_000 })
    await scheduler.advance(600)
    controller.abort()
    await source.done
    const count = sms.requests.length
    await scheduler.advance(10_000)
    expect(sms.requests.length).toBe(count)
  })
})

describe('createSemaphore', () => {
  it('hands slots out in order and lets an aborted waiter leave the queue', async () => {
    const gate = createSemaphore(1)
    const first = await gate.acquire()
    const controller = new AbortController()
    const order: string[] = []
    const second = gate.acquire(controller.signal).then(
      () => order.push('second'),
      () => order.push('second aborted'),
    )
    const third = gate.acquire().then((release) => {
      order.push('third')
      release()
    })
    controller.abort()
    await second
    first()
    first() // releasing twice is harmless
    await third
    expect(order).toEqual(['second aborted', 'third'])
    expect(gate.active).toBe(0)
  })
})
