import { describe, expect, it } from 'vitest'
import {
  AgentEventSchema,
  MockEventSchema,
  MockServerListSchema,
  parseWire,
} from './wire-schemas.ts'

describe('parseWire', () => {
  it('accepts well-formed events and keeps unknown fields', () => {
    const event = parseWire(
      MockEventSchema,
      JSON.stringify({
        seq: 1,
        type: 'enqueue',
        at: '2026-01-01T00:00:00Z',
        serverId: 'a',
        command: { seq: 1, command_name: 'START' },
        extra: 1,
      }),
    )
    expect(event).toMatchObject({ type: 'enqueue', command: { command_name: 'START' }, extra: 1 })
  })

  it.each([
    ['not JSON', '{'],
    [
      'a command that is a string',
      JSON.stringify({ type: 'enqueue', at: 'x', serverId: 'a', command: 'START' }),
    ],
    [
      'an empty command name',
      JSON.stringify({ type: 'enqueue', at: 'x', command: { command_name: '' } }),
    ],
    [
      'a server id over 255 characters',
      JSON.stringify({ type: 'delivery', at: 'x', serverId: 'x'.repeat(256) }),
    ],
    ['an unknown result', JSON.stringify({ type: 'result', at: 'x', result: 'maybe' })],
    ['an array', '[]'],
    ['null', 'null'],
  ])('drops a mock event with %s', (_what, text) => {
    expect(parseWire(MockEventSchema, text)).toBeUndefined()
  })

  it('drops agent events with an unknown level or a non-numeric latency', () => {
    const base = { time: '2026-01-01T00:00:00Z', event: 'poll.idle', server_id: 'a' }
    expect(parseWire(AgentEventSchema, JSON.stringify({ ...base, level: 'debug' }))).toBeDefined()
    expect(parseWire(AgentEventSchema, JSON.stringify({ ...base, level: 'loud' }))).toBeUndefined()
    expect(
      parseWire(AgentEventSchema, JSON.stringify({ ...base, level: 'info', latency_ms: '5' })),
    ).toBeUndefined()
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
