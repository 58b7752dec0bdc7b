import { AGENT_EVENT_NAMES } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { createAgentEvents, type EmittedAgentEvent } from './agent-events.ts'
import { LOOP_EVENT_LEVELS, levelOf, logAgentEvents } from './log-events.ts'

describe('levelOf', () => {
  it.each<[EmittedAgentEvent, string]>([
    [{ event: 'poll.idle', latency_ms: 3 }, 'debug'],
    [{ event: 'poll.error', status: 503 }, 'warn'],
    [{ event: 'command.finish', result: 'success' }, 'info'],
    [{ event: 'command.finish', result: 'fail' }, 'warn'],
    [{ event: 'journal.error', attempt: 2, delay: 200 }, 'error'],
    [
      { event: 'journal.error', command: 'START', msg: 'could not journal the handler pid' },
      'warn',
    ],
    [{ event: 'report.invalid' }, 'error'],
    [{ event: 'report.refused', status: '403' }, 'error'],
    [{ event: 'outbox.pending', outbox: 1 }, 'warn'],
    [{ event: 'agent.exit', exit_code: 0 }, 'info'],
  ])('logs %o at %s', (event, level) => {
    expect(levelOf(event)).toBe(level)
  })

  it('names only events that @sms-command/core/events declares', () => {
    for (const name of Object.keys(LOOP_EVENT_LEVELS)) expect(AGENT_EVENT_NAMES).toContain(name)
  })
})

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

  it('leaves out events below the log level but still publishes them to a listener', () => {
    const { events, lines, logger } = logged('info')
    const published: string[] = []
    logger.subscribe((event) => published.push(JSON.parse(event.json).event))
    events.emit({ event: 'poll.idle', latency_ms: 4, delay: 1_000 })
    events.emit({ event: 'poll.recovered', attempt: 1 })
    expect(lines.map((line) => JSON.parse(line).event)).toEqual(['poll.recovered'])
    expect(published).toEqual(['poll.idle', 'poll.recovered'])
  })
})
