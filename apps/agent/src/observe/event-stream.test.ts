import { createAgentEvents, parseAgentEvent } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { EVENT_STREAM_BACKLOG_LIMIT, streamEvents } from './event-stream.ts'
import { logAgentEvents } from './log-events.ts'

function observed() {
  const logger = createLogger({
    format: 'json',
    level: 'error',
    write: () => {},
    serverId: 'srv-1',
    secrets: ['tok-SECRET-93c1f0aa'],
  })
  const events = createAgentEvents({ now: () => 0 })
  events.subscribe(logAgentEvents(logger))
  const chunks: string[] = []
  let backlog = 0
  let destroyed = false
  const sink = {
    write: (chunk: string) => chunks.push(chunk),
    backlog: () => backlog,
    destroy: () => {
      destroyed = true
    },
  }
  return {
    events,
    logger,
    chunks,
    sink,
    setBacklog: (bytes: number) => {
      backlog = bytes
    },
    destroyed: () => destroyed,
  }
}

/** Lets the stream's reader (a later microtask) catch up with what was emitted. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/** The `data:` of each SSE message, checked against the core schema: [event, level]. */
const messages = (chunks: string[]) =>
  chunks
    .filter((chunk) => chunk.startsWith('id: '))
    .map((chunk) => {
      const parsed = parseAgentEvent(JSON.parse(chunk.split('data: ')[1] as string))
      if (!parsed.success) throw parsed.error
      return [parsed.event.event, parsed.event.level]
    })

describe('streamEvents', () => {
  it('streams every emitted event, whatever its level, after the history the client missed', async () => {
    const { events, logger, chunks, sink } = observed()
    events.emit({ event: 'poll.idle', latency_ms: 3 })
    events.emit({ event: 'report.invalid', command: 'START', entry: 4 })
    events.emit({ event: 'report.refused', command: 'START', entry: 5, status: '403' })
    const close = streamEvents(logger.published, sink, { after: 1, keepAliveMs: 60_000 })
    events.emit({ event: 'poll.idle', latency_ms: 4 })
    await settle()
    close()
    events.emit({ event: 'poll.idle', latency_ms: 5 })
    expect(chunks[0]).toBe('retry: 2000\n\n')
    // The first poll.idle is below the log level and nobody was listening: neither kept nor
    // numbered. The client had id 1 (report.invalid) already.
    expect(chunks.slice(1).map((chunk) => chunk.split('\n')[0])).toEqual(['id: 2', 'id: 3'])
    expect(messages(chunks)).toEqual([
      ['report.refused', 'error'],
      ['poll.idle', 'debug'],
    ])
  })

  it('sends the redacted line, never a secret', async () => {
    const { events, logger, chunks, sink } = observed()
    const close = streamEvents(logger.published, sink, { after: 0, keepAliveMs: 60_000 })
    events.emit({ event: 'poll.error', status: 401, msg: 'refused tok-SECRET-93c1f0aa' })
    await settle()
    close()
    expect(chunks.join('')).toContain('[REDACTED]')
    expect(chunks.join('')).not.toContain('tok-SECRET-93c1f0aa')
  })

  it('drops a client that stops reading', async () => {
    const { events, logger, chunks, sink, setBacklog, destroyed } = observed()
    const close = streamEvents(logger.published, sink, { after: 0, keepAliveMs: 60_000 })
    setBacklog(EVENT_STREAM_BACKLOG_LIMIT + 1)
    events.emit({ event: 'outbox.pending', outbox: 1 })
    await settle()
    close()
    expect(destroyed()).toBe(true)
    expect(chunks).toEqual(['retry: 2000\n\n'])
  })
})
