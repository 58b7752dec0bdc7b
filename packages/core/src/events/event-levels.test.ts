import { describe, expect, it } from 'vitest'
import { AGENT_EVENT_NAMES } from './agent-events.ts'
import type { EmittedAgentEvent } from './emitter.ts'
import { agentEventLevel, LOOP_EVENT_LEVELS } from './event-levels.ts'

describe('agentEventLevel', () => {
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
    expect(agentEventLevel(event)).toBe(level)
  })

  it('names only events that @sms-command/core/events declares', () => {
    for (const name of Object.keys(LOOP_EVENT_LEVELS)) expect(AGENT_EVENT_NAMES).toContain(name)
  })
})
