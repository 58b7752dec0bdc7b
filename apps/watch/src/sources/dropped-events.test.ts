import { parseMockEvent } from '@sms-command/core/events'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { describe, expect, it } from 'vitest'
import type { LogEntry } from '../model.ts'
import { countDropped } from './dropped-events.ts'

describe('countDropped', () => {
  it('warns on the 1st, 10th and 100th malformed event, with the count and the field', () => {
    const log: LogEntry[] = []
    const dropped = countDropped('mock', (entry) => log.push(entry), createVirtualScheduler())
    const parsed = parseMockEvent({
      seq: 1,
      at: 'x',
      type: 'result',
      serverId: 'a',
      result: 'maybe',
    })
    if (parsed.success) throw new Error('expected a malformed event')
    for (let i = 0; i < 100; i++) dropped(parsed.error)
    expect(log.map((entry) => entry.text.split(' (')[0])).toEqual([
      'dropped 1 malformed mock event',
      'dropped 10 malformed mock events',
      'dropped 100 malformed mock events',
    ])
    expect(log[0]).toMatchObject({ level: 'warn' })
    expect(log[0]?.text).toContain('mock event result: ')
  })
})
