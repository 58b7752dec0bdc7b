import { createVirtualScheduler } from '@sms-command/core/testing'
import { describe, expect, it } from 'vitest'
import { createSseParser, followEventStream, SSE_MAX_LINE, type SseMessage } from './sse.ts'

describe('createSseParser', () => {
  it('parses events split across chunks at any point', () => {
    const text =
      'id: 1\nevent: enqueue\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\ndata: line one\ndata: line two\n\n'
    for (let cut = 0; cut < text.length; cut++) {
      const parser = createSseParser()
      const messages = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))]
      expect(messages).toEqual([
        { event: 'enqueue', data: '{"a":1}', id: '1' },
        { event: 'message', data: 'line one\nline two', id: '2' },
      ])
    }
  })

  it('accepts CRLF and CR line ends, and reads retry', () => {
    const parser = createSseParser()
    expect(parser.push('retry: 2500\r\ndata: x\r\rdata: y\r\n\r\n')).toEqual([
      { event: 'message', data: 'x', id: undefined },
      { event: 'message', data: 'y', id: undefined },
    ])
    expect(parser.retryMs).toBe(2500)
  })

  it('ignores events without data and drops over-long lines instead of buffering them', () => {
    const parser = createSseParser()
    expect(parser.push('event: ping\n\n')).toEqual([])
    parser.push(`data: ${'x'.repeat(SSE_MAX_LINE + 10)}`)
    parser.push('yyy\n\n')
    expect(parser.push('data: ok\n\n')).toEqual([{ event: 'message', data: 'ok', id: undefined }])
  })
})

function streamResponse(chunks: string[], status = 200, type = 'text/event-stream'): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
      controller.close()
    },
  })
  return new Response(body, { status, headers: { 'Content-Type': type } })
}

describe('followEventStream', () => {
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

  it('reports HTTP errors with the error body, and waits at least 10 s after a 401', async () => {
    const scheduler = createVirtualScheduler()
    const controller = new AbortController()
    const statuses: string[] = []
    let calls = 0
    const fetch = (async () => {
      calls++
      return new Response(
        JSON.stringify({ error_code: 'MOCK.0401', error_msg: 'admin token required' }),
        {
          status: 401,
        },
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
