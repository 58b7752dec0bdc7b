import { createAgentEvents } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { logAgentEvents } from './log-events.ts'

describe('logAgentEvents', () => {
  function logged(level: 'debug' | 'info' = 'debug') {
    const lines: string[] = []
    const logger = createLogger({
      format: 'json',
      level,
      write: (line) => lines.push(line),
      serverId: 'srv-1',
      now: () => Date.UTC(2026, 10, 29),
    })
    const events = createAgentEvents({ now: () => 0 })
    events.subscribe(logAgentEvents(logger))
    return { events, lines, logger }
  }

  it('writes one line per event with its level and fields in the emitted order', () => {
    const { events, lines } = logged()
    events.emit({
      event: 'command.finish',
      command: 'START',
      task_id: 't1',
      result: 'fail',
      reason: 'exit',
      exit_code: 3,
    })
    expect(lines).toEqual([
      '{"time":"2026-11-29T00:00:00.000Z","level":"warn","event":"command.finish","server_id":"srv-1","command":"START","task_id":"t1","result":"fail","reason":"exit","exit_code":3}\n',
    ])
  })

  it('leaves out events below the log level but still publishes them to a reader', async () => {
    const { events, lines, logger } = logged('info')
    const published: string[] = []
    const controller = new AbortController()
    void (async () => {
      for await (const event of logger.published.follow(0, controller.signal)) {
        published.push(JSON.parse(event.json).event)
      }
    })()
    events.emit({ event: 'poll.idle', latency_ms: 4, delay: 1_000 })
    events.emit({ event: 'poll.recovered', attempt: 1 })
    await new Promise<void>((resolve) => setTimeout(resolve, 0))
    controller.abort()
    expect(lines.map((line) => JSON.parse(line).event)).toEqual(['poll.recovered'])
    expect(published).toEqual(['poll.idle', 'poll.recovered'])
  })
})
