import { parseAgentEvent } from '@sms-command/core/events'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger, type UntypedEvents } from '../logger.ts'
import { AgentMetrics } from './metrics.ts'
import { healthReport, type StatusServer, startStatusServer } from './status-server.ts'

let server: StatusServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(health = { ok: true, body: { status: 'ok' } }) {
  const logger = createLogger<UntypedEvents>({ format: 'json', level: 'error', write: () => {} })
  const metrics = new AgentMetrics()
  server = await startStatusServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
    health: () => health,
  })
  return { logger, metrics, url: server.url }
}

describe('startStatusServer', () => {
  it('answers /healthz with 200 or 503 and a JSON reason', async () => {
    const { url } = await start({ ok: false, body: { status: 'stale' } })
    const response = await fetch(`${url}/healthz`)
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ status: 'stale' })
  })

  it('serves /metrics as OpenMetrics and refuses other methods', async () => {
    const { url, metrics } = await start()
    metrics.countPoll('idle')
    const response = await fetch(`${url}/metrics`)
    expect(response.headers.get('content-type')).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    )
    expect(await response.text()).toContain('sms_agent_polls_total{outcome="idle"} 1')
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405)
  })

  it('streams events over SSE: history first, then live, resumable with Last-Event-ID', async () => {
    const { url, logger } = await start()
    logger.error('one')
    logger.error('two')
    const controller = new AbortController()
    const response = await fetch(`${url}/events`, {
      signal: controller.signal,
      headers: { 'Last-Event-ID': '1' },
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    logger.info('three')
    while (!text.includes('"event":"three"')) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    expect(text).not.toContain('"event":"one"')
    expect(text).toMatch(/id: 2\ndata: \{[^\n]*"event":"two"[^\n]*\}\n\n/)
    expect(text).toMatch(/id: 3\ndata: \{[^\n]*"event":"three"/)
  })

  it('sends a keep-alive comment every keepAliveMs, and events the core schema parses', async () => {
    const logger = createLogger({ format: 'json', level: 'error', write: () => {} })
    server = await startStatusServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      metrics: new AgentMetrics(),
      health: () => ({ ok: true, body: {} }),
      keepAliveMs: 20,
    })
    const controller = new AbortController()
    const response = await fetch(`${server.url}/events`, { signal: controller.signal })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    logger.debug('poll.idle', { latency_ms: 12, delay: 10_000 })
    let text = ''
    for (let reads = 0; reads < 50 && text.split(': keep-alive').length < 3; reads++) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    expect(text.split(': keep-alive\n\n').length).toBeGreaterThanOrEqual(3)
    const data = /data: (.*)\n/.exec(text)?.[1]
    const parsed = parseAgentEvent(data)
    expect(parsed.success && parsed.event).toMatchObject({ event: 'poll.idle', latency_ms: 12 })
  })

  it('closes with an /events client still connected', async () => {
    const { url } = await start()
    const response = await fetch(`${url}/events`)
    expect(response.status).toBe(200)
    await server?.close()
    server = undefined
  })
})

describe('healthReport', () => {
  const base = { now: 100_000, state: 'polling', handlerRunning: false, maxAgeMs: 30_000 }

  it('is healthy while the last successful poll is recent', () => {
    expect(healthReport({ ...base, lastSuccessfulPollAt: 80_000 })).toMatchObject({
      ok: true,
      body: { status: 'ok', last_successful_poll_age_ms: 20_000 },
    })
  })

  it('is unhealthy before the first successful poll and when the last one is stale', () => {
    expect(healthReport({ ...base, lastSuccessfulPollAt: undefined }).body.status).toBe('starting')
    expect(healthReport({ ...base, lastSuccessfulPollAt: 10_000 })).toMatchObject({
      ok: false,
      body: { status: 'stale' },
    })
  })

  it('is healthy while a handler runs, however long ago the last poll was', () => {
    expect(healthReport({ ...base, lastSuccessfulPollAt: 1, handlerRunning: true }).ok).toBe(true)
  })
})
