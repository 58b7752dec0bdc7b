import { describe, expect, it } from 'vitest'
import { AgentMetrics } from './metrics.ts'

describe('AgentMetrics', () => {
  it('renders OpenMetrics text ending in # EOF', () => {
    const metrics = new AgentMetrics(1_767_225_600_000)
    metrics.countPoll('idle')
    metrics.countPoll('idle')
    metrics.countPoll('error', '503')
    metrics.countPoll('error', 'timeout')
    metrics.countCommand('START', 'success')
    metrics.countReport('acknowledged')
    metrics.countReportError('500')
    metrics.backoffMs = 1500
    metrics.outboxSize = 1
    metrics.lastSuccessfulPollAt = 1_767_225_601_000
    const text = metrics.render()
    expect(text).toContain('# TYPE sms_agent_polls counter\n')
    expect(text).toContain('sms_agent_polls_total{outcome="idle"} 2\n')
    expect(text).toContain('sms_agent_poll_errors_total{status="503"} 1\n')
    expect(text).toContain('sms_agent_poll_errors_total{status="timeout"} 1\n')
    expect(text).toContain('sms_agent_commands_total{command="START",result="success"} 1\n')
    expect(text).toContain('sms_agent_reports_total{outcome="acknowledged"} 1\n')
    expect(text).toContain('sms_agent_report_errors_total{status="500"} 1\n')
    expect(text).toContain('sms_agent_backoff_seconds 1.5\n')
    expect(text).toContain('sms_agent_last_successful_poll_timestamp_seconds 1767225601\n')
    expect(text.endsWith('# EOF\n')).toBe(true)
    expect(metrics.pollCount).toBe(4)
  })

  it('counts unknown command names under one label, so a hostile name cannot add series', () => {
    const metrics = new AgentMetrics()
    metrics.countCommand('X"\n{evil}', 'fail')
    metrics.countCommand('PREMIGRATE', 'fail')
    expect(metrics.render()).toContain(
      'sms_agent_commands_total{command="other",result="fail"} 2\n',
    )
  })

  it('exports the measured clock offset as a gauge in seconds, once known', () => {
    const metrics = new AgentMetrics()
    expect(metrics.render()).not.toMatch(/^sms_agent_clock_offset_seconds /m)
    metrics.clockOffsetMs = 1_200_500
    expect(metrics.render()).toContain('# TYPE sms_agent_clock_offset_seconds gauge\n')
    expect(metrics.render()).toContain('sms_agent_clock_offset_seconds 1200.5\n')
  })
})
