import { describe, expect, it } from 'vitest'
import { decodeEventLine, type EventLineTally } from './event-lines.ts'

const base = { seq: 9, at: '2026-01-01T00:00:01.000Z' }
const SAMPLES = [
  {
    ...base,
    type: 'auth-failure',
    requestId: 'req-4',
    reason: 'expired',
    message: 'token expired',
  },
  { ...base, type: 'fault-added', fault: { id: 'f2', kind: 'latency', seed: 7 } },
  { ...base, type: 'reset' },
]

describe('decodeEventLine', () => {
  it('hands on valid events as parsed', () => {
    const tally: EventLineTally = { dropped: 0 }
    for (const sample of SAMPLES) {
      expect(decodeEventLine(JSON.stringify(sample), tally)).toEqual(sample)
    }
    expect(tally.dropped).toBe(0)
  })

  it('drops and counts lines that are not valid events, without throwing', () => {
    const tally: EventLineTally = { dropped: 0 }
    const valid = JSON.stringify(SAMPLES[0])
    for (const bad of ['not json', '{"type":"teleport"}', '[]', '{"type":"enqueue"}', '']) {
      expect(decodeEventLine(bad, tally), bad).toBeUndefined()
    }
    expect(tally.dropped).toBe(5)
    expect(tally.lastProblem).toBeTypeOf('string')
    expect(decodeEventLine(valid, tally)).toBeDefined()
    expect(tally.dropped).toBe(5)
  })
})
