import { describe, expect, it } from 'vitest'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { followEventStream, SSE_MAX_RETRY_MS, type SseMessage } from './follow-event-stream.ts'

const encoder = new TextEncoder()

function streamResponse(chunks: (string | Uint8Array)[], status = 200, type = 'text/event-stream') {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
      }
      controller.close()
    },
  })
  return new Response(body, { status, headers: { 'Content-Type': type } })
}

/** A response whose body stays open: the test pushes chunks (or nothing) when it likes. */
function openResponse() {
  let push: (chunk: string) => void = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (chunk) => controller.enqueue(encoder.encode(chunk))
    },
  })
  return {
    response: new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }),
    push: (chunk: string) => push(chunk),
  }
}

/** Reads `chunks` as one stream (then aborts on the reconnection) and returns the messages. */
async function readAll(chunks: (string | Uint8Array)[]) {
  const scheduler = createVirtualScheduler()
  const controller = new AbortController()
  const seen: SseMessage[] = []
  let calls = 0
  const fetch = (async () => {
    calls++
    if (calls > 1) controller.abort()
    return streamResponse(chunks)
  }) as typeof globalThis.fetch
  const done = followEventStream({
    url: 'http://mock.test/events',
    onMessage: (message) => seen.push(message),
    onStatus: () => {},
    signal: controller.signal,
    fetch,
    scheduler,
    random: () => 0.5,
  })
  while (!controller.signal.aborted) await scheduler.runNext()
  await done
  return seen
}

describe('followEventStream: parsing', () => {
  it('yields one event when a CRLF is split across chunks', async () => {
    // A hand-written reader that ends the line at the CR sees an empty line after the LF and
    // dispatches 'line one' alone, then 'line two' as a second event.
    const seen = await readAll([
      'data: line one\r',
      '\ndata: line two\r\n\r\n',
      'data: next\r\n\r\n',
    ])
    expect(seen).toEqual([
      { event: 'message', data: 'line one\nline two', id: undefined },
      { event: 'message', data: 'next', id: undefined },
    ])
  })

  it('parses events split across chunks at any point, named, with ids and multi-line data', async () => {
    const text =
      'id: 1\nevent: enqueue\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\ndata: line one\ndata: line two\n\n'
    for (const cut of [1, 7, 20, 31, 40, 60, text.length - 1]) {
      expect(await readAll([text.slice(0, cut), text.slice(cut)])).toEqual([
        { event: 'enqueue', data: '{"a":1}', id: '1' },
        { event: 'message', data: 'line one\nline two', id: '2' },
      ])
    }
  })

  it('drops a byte order mark at the start of the stream', async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf])
    const seen = await readAll([bom, 'event: ready\ndata: {}\n\n'])
    expect(seen).toEqual([{ event: 'ready', data: '{}', id: undefined }])
  })

  it('skips comments and events without data', async () => {
    const seen = await readAll([': keep-alive\n\n', 'event: ping\n\n', ':x\ndata: ok\n\n'])
    expect(seen).toEqual([{ event: 'message', data: 'ok', id: undefined }])
  })

  it('accepts a lone CR as a line end', async () => {
    const seen = await readAll(['data: x\r\rdata: y\r\r', 'data: z\r\r\n'])
    expect(seen.map((message) => message.data)).toEqual(['x', 'y', 'z'])
  })

  it('drops an event that never ends instead of buffering it', async () => {
    const seen = await readAll([`data: ${'x'.repeat(1_100_000)}`, 'yyy\n\n', 'data: ok\n\n'])
    expect(seen.map((message) => message.data)).toEqual(['ok'])
  })
})

describe('followEventStream: connection', () => {
  it('delivers messages, reconnects when the stream ends, and resumes with Last-Event-ID', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const seen: SseMessage[] = []
    const statuses: string[] = []
    const lastIds: (string | null)[] = []
    let call = 0
    const fetch = (async (_url: URL, init: RequestInit) => {
      lastIds.push(new Headers(init.headers).get('Last-Event-ID'))
      call++
      if (call === 1) return streamResponse(['id: 7\ndata: one\n\n'])
      if (call === 2) return streamResponse(['id: 8\ndata: two\n\n'])
      controller.abort()
      return streamResponse([])
    }) as typeof globalThis.fetch
    const done = followEventStream({
      url: new URL('http://mock.test/_mock/events'),
      headers: { Authorization: 'Bearer admin-secret' },
      onMessage: (message) => seen.push(message),
      onStatus: (status, message) => statuses.push(message ? `${status}: ${message}` : status),
      signal: controller.signal,
      fetch,
      scheduler,
      random: () => 0.5,
    })
    for (let i = 0; i < 5 && !controller.signal.aborted; i++) await scheduler.runNext()
    await done
    expect(seen.map((message) => message.data)).toEqual(['one', 'two'])
    expect(lastIds).toEqual([null, '7', '8'])
    expect(statuses.slice(0, 3)).toEqual(['connecting', 'ok', 'error: the stream ended'])
    expect(statuses.join('\n')).not.toContain('admin-secret')
  })

  it('resumes without Last-Event-ID after an empty id: line, and ignores an id holding NUL', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const lastIds: (string | null)[] = []
    let call = 0
    const fetch = (async (_url: URL, init: RequestInit) => {
      lastIds.push(new Headers(init.headers).get('Last-Event-ID'))
      call++
      if (call === 1) return streamResponse(['id: 7\ndata: one\n\nid\ndata: two\n\n'])
      if (call === 2) return streamResponse(['id: 9\ndata: three\n\nid: 1\u00002\ndata: four\n\n'])
      controller.abort()
      return streamResponse([])
    }) as typeof globalThis.fetch
    const done = followEventStream({
      url: 'http://mock.test/events',
      onMessage: () => {},
      onStatus: () => {},
      signal: controller.signal,
      fetch,
      scheduler,
      random: () => 0.5,
    })
    for (let i = 0; i < 5 && !controller.signal.aborted; i++) await scheduler.runNext()
    await done
    expect(lastIds).toEqual([null, null, '9'])
  })

  it("waits at least the server's retry: before reconnecting, clamped to a sane maximum", async () => {
    for (const [retry, expected] of [
      [4_000, 4_000],
      [86_400_000, SSE_MAX_RETRY_MS],
    ] as const) {
      const scheduler = createVirtualScheduler()
      const controller = new AbortController()
      let calls = 0
      const fetch = (async () => {
        calls++
        if (calls > 1) controller.abort()
        return streamResponse([`retry: ${retry}\n\n`])
      }) as typeof globalThis.fetch
      const done = followEventStream({
        url: 'http://mock.test/events',
        onMessage: () => {},
        onStatus: () => {},
        signal: controller.signal,
        fetch,
        scheduler,
        random: () => 0.5,
      })
      expect(await scheduler.runNext()).toBe(expected)
      await done
    }
  })

  it("waits out a refused attempt's Retry-After (429, 503), clamped like retry:", async () => {
    for (const [status, retryAfter, expected] of [
      [429, '20', 20_000],
      [503, '86400', SSE_MAX_RETRY_MS],
    ] as const) {
      const scheduler = createVirtualScheduler()
      const controller = new AbortController()
      let calls = 0
      const fetch = (async () => {
        calls++
        if (calls > 1) controller.abort()
        return new Response('busy', { status, headers: { 'Retry-After': retryAfter } })
      }) as typeof globalThis.fetch
      const done = followEventStream({
        url: 'http://agent.test/events',
        onMessage: () => {},
        onStatus: () => {},
        signal: controller.signal,
        fetch,
        scheduler,
        random: () => 0.5,
      })
      expect(await scheduler.runNext()).toBe(expected)
      await done
    }
  })

  it('reports a silent stream stale (since its last byte) after 2.5 keep-alives, then reconnects with Last-Event-ID', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const statuses: { status: string; since?: number | undefined }[] = []
    const lastIds: (string | null)[] = []
    const first = openResponse()
    const fetch = (async (_url: URL, init: RequestInit) => {
      lastIds.push(new Headers(init.headers).get('Last-Event-ID'))
      if (lastIds.length === 1) return first.response
      return openResponse().response
    }) as typeof globalThis.fetch
    const done = followEventStream({
      url: 'http://agent.test/events',
      onMessage: () => {},
      onStatus: (status, _message, info) => statuses.push({ status, since: info?.since }),
      signal: controller.signal,
      fetch,
      scheduler,
      random: () => 0.5,
      keepAliveMs: 1_000,
    })
    await scheduler.advance(0)
    first.push('id: 41\ndata: {}\n\n')
    await scheduler.advance(1_000)
    const lastByteAt = scheduler.now()
    first.push(': keep-alive\n\n')
    // Comments count as life: 2 s after the last one the stream is still live.
    await scheduler.advance(2_000)
    expect(statuses.map((entry) => entry.status)).toEqual(['connecting', 'ok'])
    await scheduler.advance(500)
    expect(statuses[2]).toEqual({ status: 'stale', since: lastByteAt })
    await scheduler.advance(1_000)
    expect(lastIds).toEqual([null, '41'])
    expect(statuses.at(-1)?.status).toBe('ok')
    controller.abort()
    await done
  })

  it('stays stale with the same since while reconnections hang, until one opens', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const statuses: { status: string; since?: number | undefined }[] = []
    let calls = 0
    const fetch = ((_url: URL, init: RequestInit) => {
      calls++
      if (calls === 1) return Promise.resolve(openResponse().response)
      if (calls === 3) return Promise.resolve(openResponse().response)
      // A dropped route: no answer, ever, until aborted.
      return new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true })
      })
    }) as typeof globalThis.fetch
    const done = followEventStream({
      url: 'http://agent.test/events',
      onMessage: () => {},
      onStatus: (status, _message, info) => statuses.push({ status, since: info?.since }),
      signal: controller.signal,
      fetch,
      scheduler,
      random: () => 0,
      keepAliveMs: 1_000,
    })
    await scheduler.advance(0)
    const openedAt = scheduler.now()
    await scheduler.advance(2_500)
    await scheduler.advance(100)
    await scheduler.advance(2_500)
    await scheduler.advance(200)
    const stale = statuses.filter((entry) => entry.status === 'stale')
    expect(stale).toEqual([
      { status: 'stale', since: openedAt },
      { status: 'stale', since: openedAt },
    ])
    expect(statuses.some((entry) => entry.status === 'error')).toBe(false)
    expect(calls).toBe(3)
    expect(statuses.at(-1)?.status).toBe('ok')
    controller.abort()
    await done
  })

  it('reports HTTP errors with the error body, and waits at least 10 s after a 401', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const statuses: string[] = []
    let calls = 0
    const fetch = (async () => {
      calls++
      return new Response(
        JSON.stringify({ error_code: 'MOCK.0401', error_msg: 'admin token required' }),
        { status: 401 },
      )
    }) as typeof globalThis.fetch
    const done = followEventStream({
      url: new URL('http://mock.test/_mock/events'),
      onMessage: () => {},
      onStatus: (status, message) => statuses.push(message ? `${status}: ${message}` : status),
      signal: controller.signal,
      fetch,
      scheduler,
      random: () => 0.5,
    })
    const waited = await scheduler.runNext()
    expect(waited).toBe(10_000)
    expect(statuses).toContain('error: HTTP 401: MOCK.0401 admin token required')
    expect(calls).toBe(2)
    controller.abort()
    await done
  })

  it('refuses a response that is not an event stream', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const statuses: string[] = []
    const fetch = (async () =>
      streamResponse(['<html>'], 200, 'text/html')) as typeof globalThis.fetch
    const done = followEventStream({
      url: new URL('http://mock.test/'),
      onMessage: () => {},
      onStatus: (status, message) => {
        statuses.push(`${status}: ${message ?? ''}`)
        if (status === 'error') controller.abort()
      },
      signal: controller.signal,
      fetch,
      scheduler,
    })
    await done
    expect(statuses).toContain('error: expected text/event-stream, received text/html')
  })

  it('describes a refused connection and keeps trying with growing delays', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const statuses: string[] = []
    const fetch = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') })
    }) as typeof globalThis.fetch
    const done = followEventStream({
      url: new URL('http://127.0.0.1:9/'),
      onMessage: () => {},
      onStatus: (status, message) => statuses.push(`${status}: ${message ?? ''}`),
      signal: controller.signal,
      fetch,
      scheduler,
      random: () => 0.5,
    })
    const delays = [await scheduler.runNext(), await scheduler.runNext(), await scheduler.runNext()]
    expect(delays).toEqual([250, 500, 1_000])
    expect(statuses).toContain('error: fetch failed (connect ECONNREFUSED 127.0.0.1:9)')
    controller.abort()
    await done
  })
})
