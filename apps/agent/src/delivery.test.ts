import type { SmsCommand } from '@sms-command/core'
import { describe, expect, it } from 'vitest'
import { dryRunDelivery, NOTHING } from './delivery.ts'
import { createAgentEvents, type EmittedAgentEvent } from './observe/agent-events.ts'

const command = (task: string): SmsCommand =>
  ({ command_name: 'START', command_param: { task_id: task, bucket: 'b1' } }) as SmsCommand

function dryRun() {
  const emitted: EmittedAgentEvent[] = []
  const events = createAgentEvents({ now: () => 0 })
  events.subscribe((event) => emitted.push(event))
  const delivery = dryRunDelivery({ journal: null, handlers: { default: '/opt/h' }, events })
  return { delivery, emitted }
}

describe('dryRunDelivery', () => {
  it('says once per command what it would do, and never asks for a sooner poll', async () => {
    const { delivery, emitted } = dryRun()
    expect(await delivery.step(command('t1'), true)).toEqual(NOTHING)
    expect(await delivery.step(command('t1'), true)).toEqual(NOTHING)
    expect(await delivery.step(command('t2'), false)).toEqual(NOTHING)
    expect(emitted.map((event) => [event.event, event.task_id])).toEqual([
      ['command.dry-run', 't1'],
      ['command.dry-run', 't2'],
    ])
    expect(emitted[0]).toMatchObject({ bucket: 'b1', msg: expect.stringContaining('/opt/h') })
  })

  it('emits nothing when SMS has no command, and has no outbox to flush', async () => {
    const { delivery, emitted } = dryRun()
    await delivery.recover()
    expect(await delivery.step(null, true)).toEqual(NOTHING)
    expect(emitted).toEqual([])
    expect(delivery.outbox()).toBe(0)
    expect(delivery.flushes).toBe(false)
  })
})
