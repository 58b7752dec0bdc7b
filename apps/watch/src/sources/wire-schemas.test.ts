import { parseMockEvent } from '@sms-command/core/events'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { describe, expect, it } from 'vitest'
import type { LogEntry } from '../model.ts'
import {
  countDropped,
  MockServerDetailSchema,
  MockServerListSchema,
  parseWire,
} from './wire-schemas.ts'

describe('parseWire', () => {
  it('accepts a well-formed server view and keeps unknown fields', () => {
    const view = parseWire(
      MockServerDetailSchema,
      JSON.stringify({ delivery: 'ack', queue: [{ seq: 1, command_name: 'START' }], extra: 1 }),
    )
    expect(view).toMatchObject({ queue: [{ command_name: 'START' }], extra: 1 })
  })

  it.each([
    ['not JSON', '{'],
    ['a queue entry that is a string', JSON.stringify({ queue: ['START'] })],
    ['an empty command name', JSON.stringify({ queue: [{ command_name: '' }] })],
    ['null', 'null'],
  ])('drops a server view with %s', (_what, text) => {
    expect(parseWire(MockServerDetailSchema, text)).toBeUndefined()
  })

  it('checks the mock server list', () => {
    expect(
      parseWire(MockServerListSchema, JSON.stringify({ servers: [{ id: 'a' }] }))?.servers,
    ).toEqual([{ id: 'a' }])
    expect(
      parseWire(MockServerListSchema, JSON.stringify({ servers: [{ id: 3 }] })),
    ).toBeUndefined()
  })
})

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
