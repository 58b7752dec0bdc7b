import { describe, expect, it } from 'vitest'
import {
  fakeSms,
  recordingRun,
  SERVER,
  START,
  TOKEN,
  testProcess,
} from '../../test/delivery-harness.ts'
import { parseAgentEvent } from '../events/parse-event.ts'
import { deliverCommands, deliverOnce } from './deliver.ts'
import type { DeliveryEvent } from './delivery-event.ts'
import { memoryJournal } from './memory-journal.ts'

/** Collects what `deliverCommands` yields until `stopWhen` holds, then aborts and drains. */
async function collect(
  iterable: AsyncIterable<DeliveryEvent>,
  controller: AbortController,
  stopWhen: (events: DeliveryEvent[]) => boolean,
) {
  const events: DeliveryEvent[] = []
  for await (const event of iterable) {
    events.push(event)
    if (!controller.signal.aborted && stopWhen(events)) controller.abort()
  }
  return events
}

describe('deliverCommands', () => {
  it('delivers command after command as typed events, and ends when the signal aborts', async () => {
    const sms = fakeSms(START('t1'), START('t2'), START('t3'))
    const process = testProcess(sms)
    const controller = new AbortController()
    const run = recordingRun()
    const events = await process.drive(
      collect(
        deliverCommands(process.client, SERVER, {
          ...process.base,
          journal: memoryJournal(),
          run,
          signal: controller.signal,
        }),
        controller,
        (seen) => seen.filter((event) => event.event === 'report.acknowledged').length === 3,
      ),
    )
    expect(run.runs).toEqual(['t1', 't2', 't3'])
    expect(sms.results.map((result) => result.command.command_param.task_id)).toEqual([
      't1',
      't2',
      't3',
    ])
    // Every event is one the agent's stream declares, with its envelope, and holds no secret.
    for (const event of events) {
      const parsed = parseAgentEvent(JSON.stringify(event))
      expect(parsed.success, JSON.stringify(event)).toBe(true)
      expect(event.server_id).toBe(SERVER)
    }
    expect(JSON.stringify(events)).not.toContain(TOKEN)
    expect(events.map((event) => event.event)).toContain('agent.stopping')
  })

  it('stops the delivery when the loop is left early', async () => {
    const sms = fakeSms(START('t1'), START('t2'))
    const process = testProcess(sms)
    const run = recordingRun()
    const journal = memoryJournal()
    const loop = async () => {
      for await (const event of deliverCommands(process.client, SERVER, {
        ...process.base,
        journal,
        run,
      })) {
        if (event.event === 'report.acknowledged') break
      }
    }
    await process.drive(loop())
    expect(run.runs).toEqual(['t1'])
    // The store is free again: a pass can run over it.
    await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
    expect(run.runs).toEqual(['t1', 't2'])
  })

  it('gives a running command the shutdown grace, then aborts its signal: interrupted is reported fail and never rerun', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const controller = new AbortController()
    let started = 0
    const run = (_command: unknown, context: { signal: AbortSignal }) => {
      started++
      return new Promise<never>((_, reject) => {
        context.signal.addEventListener('abort', () => reject(context.signal.reason), {
          once: true,
        })
      })
    }
    const journal = memoryJournal()
    const events = await process.drive(
      collect(
        deliverCommands(process.client, SERVER, {
          ...process.base,
          journal,
          run,
          signal: controller.signal,
          shutdownGraceMs: 3_000,
        }),
        controller,
        (seen) => seen.some((event) => event.event === 'command.start'),
      ),
    )
    expect(events.map((event) => event.event)).toEqual(
      expect.arrayContaining(['agent.stopping', 'handler.terminating', 'command.finish']),
    )
    // The flush after the stop reported it.
    expect(sms.results).toMatchObject([
      { result: 'fail', result_detail: { reason: 'interrupted' } },
    ])
    await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
    expect(started).toBe(1)
  })

  it('with interrupted: rerun runs a command cut short once more, and only once', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    let started = 0
    const run = (_command: unknown, context: { signal: AbortSignal }) => {
      started++
      return new Promise<never>((_, reject) => {
        context.signal.addEventListener('abort', () => reject(new Error('cut short')), {
          once: true,
        })
      })
    }
    for (let round = 0; round < 2; round++) {
      const controller = new AbortController()
      await process.drive(
        collect(
          deliverCommands(process.client, SERVER, {
            ...process.base,
            journal,
            run,
            signal: controller.signal,
            interrupted: 'rerun',
          }),
          controller,
          (seen) =>
            seen.some((event) => event.event === 'command.start') ||
            seen.some((event) => event.event === 'report.acknowledged'),
        ),
      )
    }
    await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal, run, interrupted: 'rerun' }),
    )
    expect(started).toBe(2)
    expect(sms.results).toMatchObject([
      { result: 'fail', result_detail: { reason: 'interrupted' } },
    ])
  })

  it('does not wait forever for a run that ignores its signal: it is reported interrupted at the next pass', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    const controller = new AbortController()
    await process.drive(
      collect(
        deliverCommands(process.client, SERVER, {
          ...process.base,
          journal,
          run: () => new Promise(() => {}),
          signal: controller.signal,
          runSettleTimeoutMs: 1_000,
        }),
        controller,
        (seen) => seen.some((event) => event.event === 'command.start'),
      ),
    )
    const run = recordingRun()
    await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
    expect(run.runs).toEqual([])
    expect(sms.results).toMatchObject([
      { result: 'fail', result_detail: { reason: 'interrupted' } },
    ])
  })
})
