import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { parseDeliveryState } from '../delivery/journal-state.ts'
import { parseMockEvent } from '../events/parse-event.ts'
import { BucketSchema, CommandNameSchema, CommandSchema, TaskIdSchema } from './command.ts'

// The command's one home: every schema of a command takes its name and parameter rules from
// here, so a bound holds in each (the wire, the journal, the mock's events) alike.
describe('the command schema and those built from it', () => {
  it('bounds the name, the task id and the bucket', () => {
    expect(v.safeParse(CommandNameSchema, 'START').success).toBe(true)
    expect(v.safeParse(CommandNameSchema, '').issues?.[0]?.message).toBe(
      'expected a non-empty command name',
    )
    expect(v.safeParse(CommandNameSchema, 'C'.repeat(256)).issues?.[0]?.message).toBe(
      'expected at most 255 characters',
    )
    expect(v.safeParse(TaskIdSchema, 't'.repeat(256)).success).toBe(false)
    expect(v.safeParse(BucketSchema, 7).issues?.[0]?.message).toBe('expected a string')
    expect(v.parse(CommandSchema, { command_name: 'STOP' })).toEqual({
      command_name: 'STOP',
      command_param: {},
    })
  })

  const entry = (command: unknown) => ({
    nextId: 2,
    entries: [
      {
        id: 1,
        command,
        state: 'received',
        receivedAt: '2026-01-01T00:00:00.000Z',
        runs: 0,
        reportAttempts: 0,
      },
    ],
  })

  it('holds in the journal: a stored command has no null and no over-long field', () => {
    expect(parseDeliveryState(entry({ command_name: 'START', command_param: {} })).success).toBe(
      true,
    )
    expect(
      parseDeliveryState(entry({ command_name: 'C'.repeat(256), command_param: {} })),
    ).toMatchObject({ success: false, field: 'entries.0.command.command_name' })
    expect(
      parseDeliveryState(entry({ command_name: 'START', command_param: { task_id: null } })),
    ).toMatchObject({ success: false, field: 'entries.0.command.command_param.task_id' })
  })

  it("holds in the mock's events", () => {
    const event = (command: unknown) => ({
      seq: 1,
      at: '2026-01-01T00:00:00.000Z',
      type: 'delivery',
      serverId: 'a',
      command,
      detail: { deliveries: 1, mode: 'ack' },
      state: { current: null, queued: 0, awaiting: 0, scheduled: 0 },
    })
    expect(
      parseMockEvent(event({ seq: 1, command_name: 'START', command_param: { task_id: 't' } }))
        .success,
    ).toBe(true)
    expect(parseMockEvent(event({ seq: 1, command_name: '', command_param: {} })).success).toBe(
      false,
    )
    expect(
      parseMockEvent(event({ seq: 1, command_name: 'START', command_param: { task_id: 5 } }))
        .success,
    ).toBe(false)
  })
})
