import { SmsApiError } from '@sms-command/core'
import { createAgentEvents } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import { AgentHealth, type LoopStatus } from './agent-health.ts'
import { AgentMetrics } from './metrics.ts'

const START = Date.UTC(2026, 10, 29, 20, 0)
const POLLING: LoopStatus = { state: 'polling', startedAt: START, handler: undefined, outbox: 0 }

function observed() {
  let now = START
  const metrics = new AgentMetrics(START)
  const health = new AgentHealth(metrics)
  const events = createAgentEvents({ now: () => now })
  events.subscribe(health.observe)
  return {
    events,
    health,
    metrics,
    advance: (ms: number) => {
      now += ms
    },
    healthz: (loop: LoopStatus = POLLING) => health.report({ now, loop, maxAgeMs: 30_000 }),
  }
}

describe('AgentHealth', () => {
  it('counts a rejected report and remembers its entry', () => {
    const { events, health, metrics } = observed()
    events.emit({ event: 'report.rejected', command: 'START', entry: 7, status: 400 })
    events.emit({ event: 'report.refused', command: 'START', entry: 9, status: '403' })
    expect(health.snapshot().rejectedReports).toEqual({ count: 2, last: 9 })
    expect(metrics.render()).toContain('sms_agent_reports_total{outcome="rejected"} 2\n')
  })

  it('counts polls by outcome and failed polls by status', () => {
    const { events, metrics } = observed()
    events.emit({ event: 'poll.idle', latency_ms: 3, delay: 1_000 })
    events.emit({ event: 'poll.command', command: 'START', latency_ms: 3 })
    events.emit({ event: 'poll.error', attempt: 1, delay: 200, status: '503', msg: 'backing off' })
    const text = metrics.render()
    expect(text).toContain('sms_agent_polls_total{outcome="idle"} 1\n')
    expect(text).toContain('sms_agent_polls_total{outcome="command"} 1\n')
    expect(text).toContain('sms_agent_poll_errors_total{status="503"} 1\n')
    expect(text).toContain('sms_agent_backoff_seconds 0.2\n')
  })

  it('counts a finished and a refused command, and an interruption found at recovery', () => {
    const { events, metrics } = observed()
    events.emit({ event: 'command.finish', command: 'START', result: 'success' })
    events.emit({ event: 'command.rejected', command: 'STOP', reason: 'no-handler' })
    events.emit({ event: 'command.interrupted', command: 'STOP' })
    // Killed just now by a signal: it runs again at the next start and is counted then.
    events.emit({ event: 'command.interrupted', command: 'STOP', signal: 'SIGKILL' })
    const text = metrics.render()
    expect(text).toContain('sms_agent_commands_total{command="START",result="success"} 1\n')
    expect(text).toContain('sms_agent_commands_total{command="STOP",result="fail"} 2\n')
  })

  it('counts reports by how they were settled, and failed attempts by status', () => {
    const { events, metrics } = observed()
    events.emit({ event: 'report.acknowledged', result: 'success', entry: 1 })
    events.emit({ event: 'report.presumed-recorded', entry: 2 })
    events.emit({ event: 'report.superseded', entry: 3 })
    events.emit({ event: 'command.superseded', command: 'START' })
    events.emit({ event: 'report.error', entry: 5, status: 'timeout', delay: 1_500 })
    const text = metrics.render()
    expect(text).toContain('sms_agent_reports_total{outcome="acknowledged"} 1\n')
    expect(text).toContain('sms_agent_reports_total{outcome="presumed-recorded"} 1\n')
    expect(text).toContain('sms_agent_reports_total{outcome="superseded"} 2\n')
    expect(text).toContain('sms_agent_report_errors_total{status="timeout"} 1\n')
    expect(text).toContain('sms_agent_backoff_seconds 1.5\n')
  })

  it('healthz is unhealthy before the first poll and healthy after one', () => {
    const { events, healthz, advance } = observed()
    expect(healthz()).toMatchObject({ ok: false, body: { status: 'starting' } })
    advance(1_000)
    events.emit({ event: 'poll.idle', latency_ms: 3 })
    expect(healthz()).toMatchObject({
      ok: true,
      body: { status: 'ok', last_successful_poll_at: '2026-11-29T20:00:01.000Z' },
    })
    advance(31_000)
    expect(healthz()).toMatchObject({ ok: false, body: { status: 'stale' } })
  })

  it('healthz shows the clock offset', () => {
    const { metrics, healthz } = observed()
    expect(healthz().body.clock_offset_ms).toBeNull()
    metrics.clockOffsetMs = -90_000
    expect(healthz().body.clock_offset_ms).toBe(-90_000)
  })

  it('healthz shows the last poll error until a poll succeeds', () => {
    const { events, healthz, advance } = observed()
    const lockout = Object.assign(new Error('held back'), {
      name: 'IamPasswordRejectedError',
      retryAt: Date.UTC(2026, 10, 29, 20, 15),
    })
    events.emit(
      {
        event: 'poll.error',
        attempt: 2,
        delay: 400,
        status: 'other',
        service: 'iam',
        check: '--iam-user',
        msg: 'IAM refused this password',
      },
      { cause: lockout },
    )
    expect(healthz().body).toMatchObject({
      consecutive_errors: 2,
      backoff_ms: 400,
      last_error: {
        service: 'iam',
        status: 'other',
        check: '--iam-user',
        msg: 'IAM refused this password',
        at: '2026-11-29T20:00:00.000Z',
        retry_at: '2026-11-29T20:15:00.000Z',
      },
    })
    advance(500)
    events.emit({ event: 'poll.idle', latency_ms: 3 })
    expect(healthz().body).toMatchObject({ consecutive_errors: 0, backoff_ms: 0, last_error: null })
  })

  it('healthz and /metrics show the loop state, its handler and its outbox', () => {
    const { health, metrics, healthz } = observed()
    const handler = { command: 'START', task_id: 't1', startedAt: START }
    const loop: LoopStatus = { state: 'handling', startedAt: START, handler, outbox: 2 }
    health.watchLoop(() => loop)
    // A running handler keeps the agent healthy even before any poll succeeded.
    expect(healthz(loop)).toMatchObject({
      ok: true,
      body: { state: 'handling', handler, outbox: 2 },
    })
    const text = metrics.render()
    expect(text).toContain('sms_agent_outbox_size 2\n')
    expect(text).toContain('sms_agent_handler_running 1\n')
  })

  it('keeps a poll error status as the label it was logged with', () => {
    const { events, metrics } = observed()
    const error = new SmsApiError({ status: 429, serverId: 'srv-1' })
    events.emit(
      { event: 'poll.error', attempt: 1, status: '429', msg: 'throttled' },
      { cause: error },
    )
    expect(metrics.render()).toContain('sms_agent_poll_errors_total{status="429"} 1\n')
  })
})
