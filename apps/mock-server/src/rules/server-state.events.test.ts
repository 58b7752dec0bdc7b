import { parseMockEvent } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import { resolveSettings } from '../options.ts'
import { MemoryStore } from '../store/memory-store.ts'
import type { MockEvent } from '../types.ts'

async function run(delivery: 'ack' | 'pop') {
  const store = new MemoryStore(
    resolveSettings({ demo: false, delivery, scenario: { servers: [{ id: 's' }] } }),
  )
  const controller = new AbortController()
  const stream = (await store.subscribe({ servers: ['s'] }, controller.signal))[
    Symbol.asyncIterator
  ]()
  await store.enqueue('s', [
    { command_name: 'START', command_param: { task_id: 't-1' } },
    { command_name: 'STOP', command_param: {} },
  ])
  await store.deliver('s', 'demo', 'r-1')
  await store.report(
    's',
    'demo',
    { command_name: 'STOP', result: 'fail', result_detail: {} },
    'r-2',
  )
  await store.report(
    's',
    'demo',
    { command_name: 'START', result: 'success', result_detail: {} },
    'r-3',
  )
  const events: MockEvent[] = []
  for (let i = 0; i < 5; i++) {
    const next = await stream.next()
    events.push(next.value as MockEvent)
  }
  controller.abort()
  return events
}

describe('mock events carry their effect', () => {
  it.each(['ack', 'pop'] as const)(
    'every event parses with the core schema and says what the queue became (%s)',
    async (delivery) => {
      const events = await run(delivery)
      for (const event of events) {
        const parsed = parseMockEvent(JSON.stringify(event))
        expect(parsed.success ? 'ok' : parsed.error.message).toBe('ok')
      }
      const effects = events.map((event) =>
        'state' in event && event.state
          ? `${event.type}: ${event.state.current?.command_name ?? '-'}/${event.state.current?.deliveries ?? '-'} +${event.state.queued}`
          : event.type,
      )
      expect(effects).toEqual([
        'enqueue: START/0 +0',
        'enqueue: START/0 +1',
        'delivery: START/1 +1',
        'result-rejected: START/1 +1',
        'result: STOP/0 +0',
      ])
    },
  )
})

describe('GET /_mock/events keep-alive', () => {
  it('sends a keep-alive comment every eventKeepAliveMs', async () => {
    const { createMockApp } = await import('../app.ts')
    const app = createMockApp({ demo: true, eventKeepAliveMs: 20 })
    const controller = new AbortController()
    const response = await app.request('/_mock/events', { signal: controller.signal })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    for (let reads = 0; reads < 50 && text.split(': keep-alive').length < 3; reads++) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    await reader.cancel().catch(() => {})
    expect(text).toContain('event: ready')
    expect(text.split(': keep-alive\n\n').length).toBeGreaterThanOrEqual(3)
  })
})
