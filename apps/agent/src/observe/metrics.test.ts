import { describe, expect, it } from 'vitest'
import { AgentMetrics, LATENCY_BUCKETS_SECONDS } from './metrics.ts'

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

  it('says which build runs where: sms_agent_build_info, an OpenMetrics info metric', () => {
    const metrics = new AgentMetrics(0, {
      version: '0.1.0',
      runtime: 'node',
      runtimeVersion: '24.1.0',
    })
    const text = metrics.render()
    expect(text).toContain('# TYPE sms_agent_build info\n')
    expect(text).toContain(
      'sms_agent_build_info{version="0.1.0",runtime="node",runtime_version="24.1.0"} 1\n',
    )
    expect(new AgentMetrics().render()).toMatch(
      /^sms_agent_build_info\{version="\d+\.\d+\.\d+"\} 1$/m,
    )
  })

  it('renders the request-latency histogram per endpoint in OpenMetrics form', () => {
    const metrics = new AgentMetrics()
    const series = 'sms_agent_request_duration_seconds'
    // Declared before any request, with no samples yet.
    expect(metrics.render()).toContain(`# TYPE ${series} histogram\n# UNIT ${series} seconds\n`)
    expect(metrics.render()).not.toContain(`${series}_count`)
    for (const ms of [4, 5, 80, 2_000, 45_000]) metrics.observeLatency('command', ms)
    metrics.observeLatency('command', Number.NaN)
    metrics.observeLatency('command', -1)
    const lines = metrics.render().split('\n')
    const buckets = lines.filter((line) => line.startsWith(`${series}_bucket{endpoint="command",`))
    expect(buckets).toHaveLength(LATENCY_BUCKETS_SECONDS.length + 1)
    // Cumulative, ascending bounds written as floats, ending at +Inf = the count.
    const values = buckets.map((line) => Number(line.split(' ')[1]))
    expect(values).toEqual([...values].sort((a, b) => a - b))
    expect(buckets[0]).toBe(`${series}_bucket{endpoint="command",le="0.005"} 2`)
    expect(buckets).toContain(`${series}_bucket{endpoint="command",le="1.0"} 3`)
    expect(buckets).toContain(`${series}_bucket{endpoint="command",le="2.5"} 4`)
    expect(buckets).toContain(`${series}_bucket{endpoint="command",le="30.0"} 4`)
    expect(buckets.at(-1)).toBe(`${series}_bucket{endpoint="command",le="+Inf"} 5`)
    expect(lines).toContain(`${series}_count{endpoint="command"} 5`)
    expect(lines).toContain(`${series}_sum{endpoint="command"} 47.089`)
    // Samples of a family follow its metadata, before the next family.
    const type = lines.indexOf(`# TYPE ${series} histogram`)
    const next = lines.findIndex((line, index) => index > type + 2 && line.startsWith('# TYPE'))
    expect(lines.indexOf(buckets[0] as string)).toBeGreaterThan(type)
    expect(lines.indexOf(`${series}_sum{endpoint="command"} 47.089`)).toBeLessThan(next)
  })

  it('exports the measured clock offset as a gauge in seconds, once known', () => {
    const metrics = new AgentMetrics()
    expect(metrics.render()).not.toMatch(/^sms_agent_clock_offset_seconds /m)
    metrics.clockOffsetMs = 1_200_500
    expect(metrics.render()).toContain('# TYPE sms_agent_clock_offset_seconds gauge\n')
    expect(metrics.render()).toContain('sms_agent_clock_offset_seconds 1200.5\n')
  })
})
