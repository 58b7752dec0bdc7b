import { setMaxListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { fakeFetch, json, START, smsError } from '../../test/fake-fetch.ts'
import { staticToken } from '../auth/static-token.ts'
import { createSmsClient } from '../client/create-sms-client.ts'
import type { SmsInputError } from '../errors/sms-input-error.ts'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { type PollEvent, type PollOptions, pollCommands } from './poll-commands.ts'

function setup(
  script: Parameters<typeof fakeFetch>[0],
  fallback?: Parameters<typeof fakeFetch>[1],
  options: PollOptions = {},
) {
  const api = fakeFetch(script, fallback)
  const scheduler = createVirtualScheduler()
  const controller = new AbortController()
  const client = createSmsClient({
    endpoint: 'https://sms.example.test',
    auth: staticToken('t'),
    fetch: api.fetch,
    scheduler,
  })
  const poller = pollCommands(client, 'srv-1', {
    scheduler,
    signal: controller.signal,
    random: () => 0.5,
    intervalMs: 10_000,
    firstPollJitterMs: 0,
    ...options,
  })
  /** Pulls the next event, letting virtual time run through the pause before it. */
  async function next(): Promise<PollEvent> {
    const pending = poller.next()
    let done = false
    pending.finally(() => {
      done = true
    })
    for (let turn = 0; !done && turn < 50; turn++) {
      if (scheduler.pending > 0) await scheduler.runNext()
      else await scheduler.advance(0)
    }
    const result = await pending
    if (result.done) throw new Error('poller ended')
    return result.value
  }
  return { api, scheduler, controller, poller, next }
}

describe('pollCommands', () => {
  it('yields a command event with its time, latency and sequence', async () => {
    const { next, scheduler } = setup([json(START)])
    const event = await next()
    expect(event).toMatchObject({
      type: 'command',
      command: START,
      serverId: 'srv-1',
      sequence: 1,
      nextDelayMs: 10_000,
    })
    expect(event.at).toBe(scheduler.now())
    expect(event.latencyMs).toBe(0)
  })

  it('yields idle events every interval while nothing is pending', async () => {
    const { next, scheduler } = setup([], () => json({ command_name: '' }))
    const start = scheduler.now()
    const events = [await next(), await next(), await next()]
    expect(events.map((event) => event.type)).toEqual(['idle', 'idle', 'idle'])
    expect(events.map((event) => event.at - start)).toEqual([0, 10_000, 20_000])
  })

  it('measures request latency on the injected clock', async () => {
    const api = fakeFetch([])
    const scheduler = createVirtualScheduler()
    const slowFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      await scheduler.sleep(1234)
      return api.fetch(input, init)
    }
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken('t'),
      fetch: slowFetch as typeof fetch,
      scheduler,
    })
    const poller = pollCommands(client, 's', { scheduler, firstPollJitterMs: 0 })
    const pending = poller.next()
    await scheduler.runNext()
    const event = (await pending).value as PollEvent
    expect(event.latencyMs).toBe(1234)
  })

  it('jitters the first poll within the given window', async () => {
    const { next, scheduler } = setup([json({})], undefined, {
      firstPollJitterMs: 8000,
      random: () => 0.25,
    })
    const start = scheduler.now()
    const event = await next()
    expect(event.at - start).toBe(2000)
  })

  it('reads the interval before every pause, so it can change while running', async () => {
    let interval = 10_000
    const { next } = setup([], () => json({}), { intervalMs: () => interval })
    expect((await next()).nextDelayMs).toBe(10_000)
    interval = 2_000
    expect((await next()).nextDelayMs).toBe(2_000)
  })

  it('backs off with capped full jitter on consecutive errors and resets after a success', async () => {
    const errors = Array.from({ length: 6 }, () => smsError(500, 'SMS.2007'))
    const { next } = setup([...errors, json({}), smsError(500, 'SMS.2007')], undefined, {
      random: () => 0.999999,
      backoff: { baseDelayMs: 1000, maxDelayMs: 10_000 },
    })
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      const event = await next()
      expect(event.type).toBe('error')
      if (event.type === 'error') expect(event.consecutiveErrors).toBe(i + 1)
      delays.push(event.nextDelayMs)
    }
    expect(delays).toEqual([999, 1999, 3999, 7999, 9999, 9999])
    expect((await next()).type).toBe('idle')
    const after = await next()
    expect(after.type === 'error' && after.consecutiveErrors).toBe(1)
  })

  it('never retries at once after an error, even when the jitter draws 0', async () => {
    const { next } = setup([smsError(500, 'SMS.2007'), new TypeError('fetch failed')], undefined, {
      random: () => 0,
      backoff: { minDelayMs: 250 },
    })
    expect((await next()).nextDelayMs).toBe(250)
    expect((await next()).nextDelayMs).toBe(250)
  })

  it('floors the error delay at a tenth of the backoff base by default', async () => {
    const { next } = setup([smsError(500, 'SMS.2007')], undefined, {
      random: () => 0,
      backoff: { baseDelayMs: 2000 },
    })
    expect((await next()).nextDelayMs).toBe(200)
  })

  it('waits at least as long as Retry-After asks', async () => {
    const { next } = setup([smsError(429, 'SMS.429', 'slow', { 'Retry-After': '90' })], undefined, {
      random: () => 0,
    })
    const event = await next()
    expect(event.type).toBe('error')
    expect(event.nextDelayMs).toBe(90_000)
  })

  it.each([
    ['Retry-After: 2592000 (30 days in seconds)', () => '2592000'],
    ['a far-future HTTP date', (now: number) => new Date(now + 90 * 86_400_000).toUTCString()],
  ])(
    'bounds %s: the request rate stays low and the loop is never silent for days',
    async (_label, retryAfter) => {
      const api = fakeFetch([], (request) => {
        void request
        return smsError(429, 'APIGW.0308', 'over ratelimit', {
          'Retry-After': retryAfter(scheduler.now()),
        })
      })
      const scheduler = createVirtualScheduler()
      const client = createSmsClient({
        endpoint: 'https://sms.example.test',
        auth: staticToken('t'),
        fetch: api.fetch,
        scheduler,
      })
      const controller = new AbortController()
      const poller = pollCommands(client, 'srv-1', {
        scheduler,
        signal: controller.signal,
        random: () => 0.5,
        firstPollJitterMs: 0,
      })
      const events: PollEvent[] = []
      const consuming = (async () => {
        for await (const event of poller) events.push(event)
      })()
      const start = scheduler.now()
      // Six virtual hours, jumping from sleep to sleep.
      while (scheduler.now() - start < 6 * 3_600_000) await scheduler.runNext()
      controller.abort()
      await scheduler.advance(0)
      await consuming
      // At most one poll per backoff maximum (5 min): about 72 in six hours, not millions, not 1.
      expect(api.requests.length).toBeGreaterThanOrEqual(70)
      expect(api.requests.length).toBeLessThanOrEqual(74)
      const errors = events.filter((event) => event.type === 'error')
      expect(errors.every((event) => event.nextDelayMs === 300_000)).toBe(true)
      expect(errors[0]?.retryAfterClampedFromMs).toBeGreaterThanOrEqual(2_592_000_000)
      expect(Math.max(...scheduler.sleeps)).toBe(300_000)
    },
  )

  it('bounds server delays by maxServerDelayMs when given', async () => {
    const { next } = setup(
      [smsError(503, 'SMS.503', 'busy', { 'Retry-After': '3600' })],
      undefined,
      { random: () => 0, maxServerDelayMs: 120_000 },
    )
    const event = await next()
    expect(event).toMatchObject({
      type: 'error',
      nextDelayMs: 120_000,
      retryAfterClampedFromMs: 3_600_000,
    })
  })

  // Any refusal in core's status table, not a list of its own: a 409 or 410 won't change soon either.
  it.each([400, 403, 404, 405, 409, 410, 422])(
    'retries HTTP %i slowly instead of hammering',
    async (status) => {
      const { next } = setup([smsError(status, 'SMS.0404')], undefined, {
        random: () => 0,
        slowRetryDelayMs: 120_000,
      })
      const event = await next()
      expect(event.type === 'error' && event.error.message).toContain(`HTTP ${status}`)
      expect(event.nextDelayMs).toBe(120_000)
    },
  )

  it.each([408, 429, 503, 502])(
    'retries HTTP %i at the backoff, not slowly: it says "not processed" or "try again"',
    async (status) => {
      const { next } = setup([smsError(status, 'X')], undefined, {
        random: () => 0,
        slowRetryDelayMs: 120_000,
      })
      const event = await next()
      expect(event.type).toBe('error')
      expect(event.nextDelayMs).toBeLessThan(120_000)
    },
  )

  it('reports network errors and schema errors as error events and carries on', async () => {
    const { next } = setup([new TypeError('fetch failed'), json({ command_name: 5 }), json(START)])
    const first = await next()
    const second = await next()
    expect(first.type === 'error' && first.error.name).toBe('SmsNetworkError')
    expect(second.type === 'error' && second.error.name).toBe('SmsResponseValidationError')
    expect((await next()).type).toBe('command')
  })

  it('does not let the client retry inside a poll unless asked', async () => {
    const { next, api } = setup([smsError(503, 'X'), json({})])
    expect((await next()).type).toBe('error')
    expect(api.requests).toHaveLength(1)
  })

  it('stops without an error when the signal aborts during a pause', async () => {
    const { poller, controller, scheduler, next } = setup([], () => json({}))
    await next()
    const pending = poller.next()
    await scheduler.advance(100)
    controller.abort()
    expect(await pending).toEqual({ done: true, value: undefined })
  })

  it('stops when the signal aborts during a request', async () => {
    const hanging = (_: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      )
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken('t'),
      fetch: hanging as typeof fetch,
      scheduler,
    })
    const poller = pollCommands(client, 's', {
      scheduler,
      signal: controller.signal,
      firstPollJitterMs: 0,
    })
    const pending = poller.next()
    await scheduler.advance(0)
    controller.abort()
    expect((await pending).done).toBe(true)
  })

  it('wake() cuts the pause short so the next command is fetched at once', async () => {
    const { next, poller, scheduler } = setup([json(START), json({})])
    const first = await next()
    const start = scheduler.now()
    poller.wake()
    const second = await next()
    expect(first.type).toBe('command')
    expect(second.at - start).toBe(0)
  })

  it('wake() during a pause ends it', async () => {
    const { next, poller, scheduler } = setup([], () => json({}))
    await next()
    const pending = poller.next()
    await scheduler.advance(3000)
    poller.wake()
    const event = (await pending).value as PollEvent
    expect(event.sequence).toBe(2)
    expect(scheduler.now() - event.at).toBe(0)
  })

  it('throws from the iterator on an invalid server id, without sending a request', async () => {
    const api = fakeFetch([])
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken('t'),
      fetch: api.fetch,
    })
    const poller = pollCommands(client, '', { firstPollJitterMs: 0 })
    let caught: unknown
    try {
      await poller.next()
    } catch (error) {
      caught = error
    }
    expect((caught as SmsInputError).field).toBe('serverId')
    expect(api.requests).toHaveLength(0)
  })

  it("adds no listener to the caller's signal while pausing, however many pollers share it", async () => {
    const api = fakeFetch([], () => json({}))
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    setMaxListeners(30, controller.signal) // 20 pollers share it on purpose
    let live = 0
    const add = controller.signal.addEventListener.bind(controller.signal)
    const remove = controller.signal.removeEventListener.bind(controller.signal)
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      live++
      add(...args)
    }) as typeof add
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      live--
      remove(...args)
    }) as typeof remove
    const client = createSmsClient({
      endpoint: 'https://sms.example.test',
      auth: staticToken('t'),
      fetch: api.fetch,
      scheduler,
    })
    const pollers = Array.from({ length: 20 }, (_, i) =>
      pollCommands(client, `srv-${i}`, {
        scheduler,
        signal: controller.signal,
        firstPollJitterMs: 0,
      }),
    )
    await Promise.all(pollers.map((poller) => poller.next()))
    const pending = pollers.map((poller) => poller.next())
    await scheduler.advance(1)
    const liveDuringPauses = live
    controller.abort()
    expect((await Promise.all(pending)).every((result) => result.done)).toBe(true)
    expect(liveDuringPauses).toBe(20)
    expect(live).toBe(0)
  })

  it('works with for await and ends on abort', async () => {
    const { poller, controller, scheduler } = setup([json(START), json({}), json({})], () =>
      json({}),
    )
    const seen: string[] = []
    const consume = (async () => {
      for await (const event of poller) {
        seen.push(event.type)
        if (seen.length === 3) controller.abort()
      }
    })()
    while (seen.length < 3) await scheduler.runNext()
    await consume
    expect(seen).toEqual(['command', 'idle', 'idle'])
  })
})
