import { describe, expect, it } from 'vitest'
import { describeOffset, watchClockSkew } from './clock-skew.ts'
import { AgentMetrics } from './metrics.ts'

describe('watchClockSkew', () => {
  it('warns once, with the amount, and keeps the latest offset for the gauge', () => {
    const metrics = new AgentMetrics()
    const warnings: { offset_ms: number; msg: string }[] = []
    const observe = watchClockSkew({ metrics, warn: (fields) => warnings.push(fields) })
    observe({ offsetMs: 1_000, source: 'date' })
    expect(warnings).toEqual([])
    expect(metrics.clockOffsetMs).toBe(1_000)
    observe({ offsetMs: 1_200_000, source: 'gateway' })
    observe({ offsetMs: 1_203_000, source: 'date' })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.offset_ms).toBe(1_200_000)
    expect(warnings[0]?.msg).toContain('20 min 0 s behind')
    expect(metrics.clockOffsetMs).toBe(1_203_000)
    expect(metrics.render()).toContain('sms_agent_clock_offset_seconds 1203\n')
  })
})

describe('describeOffset', () => {
  it.each([
    [1_201_000, '20 min 1 s behind'],
    [-45_000, '45 s ahead of'],
    [3_600_000 * 2 + 5_000, '2 h 5 s behind'],
  ])('%d → %s', (offset, text) => {
    expect(describeOffset(offset)).toBe(text)
  })
})
