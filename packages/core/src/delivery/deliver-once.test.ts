import { describe, expect, it } from 'vitest'
import {
  fakeSms,
  recordingRun,
  SERVER,
  START,
  TOKEN,
  testProcess,
} from '../../test/delivery-harness.ts'
import { isSmsInputError } from '../errors/sms-input-error.ts'
import { deliverOnce } from './deliver.ts'
import type { DeliveryEvent } from './delivery-event.ts'
import { isJournalStoreError } from './journal-store-error.ts'
import { memoryJournal } from './memory-journal.ts'
import { REPORT_BODY_LIMIT } from './report-body.ts'
import { RunNotStartedError } from './run-command.ts'

describe('deliverOnce', () => {
  it('runs a new command once, reports it only after a poll shows it still current, and is idle after', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    const pass = await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal, run }),
    )
    expect(pass).toEqual({ polled: 'command', ran: 1, outbox: 0 })
    expect(run.runs).toEqual(['t1'])
    expect(sms.results).toMatchObject([
      { command: START('t1'), result: 'success', result_detail: { task_id: 't1', took_ms: 5 } },
    ])
    // poll (command) → run → poll (still current) → report; one command per pass, so no more.
    expect(sms.requests.map((request) => request.route)).toEqual([
      'command',
      'command',
      'command_result',
    ])
    const again = await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal, run }),
    )
    expect(again).toEqual({ polled: 'idle', ran: 0, outbox: 0 })
    expect(run.runs).toEqual(['t1'])
    expect(journal.value()).toMatchObject({
      entries: [{ state: 'reported', outcome: 'acknowledged' }],
    })
  })

  it('reports a run resolving fail as fail, and a run that throws as fail with its message, then goes on', async () => {
    const sms = fakeSms(START('t1'), START('t2'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = async (command: { command_param: { task_id?: string } }) => {
      if (command.command_param.task_id === 't1') {
        return { result: 'fail' as const, result_detail: { reason: 'disk-full' } }
      }
      throw new TypeError('rsync exited 23')
    }
    const options = { ...process.base, journal, run, maxCommands: 2 }
    await process.drive(deliverOnce(process.client, SERVER, options))
    expect(sms.results).toMatchObject([
      { result: 'fail', result_detail: { task_id: 't1', reason: 'disk-full' } },
      {
        result: 'fail',
        result_detail: {
          task_id: 't2',
          reason: 'run-error',
          error: 'TypeError',
          message: 'rsync exited 23',
        },
      },
    ])
    expect(JSON.stringify(sms.results)).not.toContain(TOKEN)
  })

  it('keeps the secrets named in redact out of reports, the journal and events, whether a run returns or throws them', async () => {
    const sms = fakeSms(START('t1'), START('t2'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    const password = 'iam-"pass"-SECRET'
    const run = async (command: { command_param: { task_id?: string } }) => {
      if (command.command_param.task_id === 't1') {
        return {
          result: 'success' as const,
          result_detail: { output_tail: `cat pw: ${password}\n` },
        }
      }
      throw new Error(`login as ops with ${password} refused`)
    }
    const events: DeliveryEvent[] = []
    const options = {
      ...process.base,
      journal,
      run,
      maxCommands: 2,
      redact: [password],
      onEvent: (event: DeliveryEvent) => events.push(event),
    }
    await process.drive(deliverOnce(process.client, SERVER, options))
    expect(sms.results).toMatchObject([
      { result: 'success', result_detail: { output_tail: 'cat pw: [REDACTED]\n' } },
      { result: 'fail', result_detail: { message: 'login as ops with [REDACTED] refused' } },
    ])
    for (const kept of [sms.results, journal.value(), events]) {
      expect(JSON.stringify(kept)).not.toContain('SECRET')
    }
    await expect(
      deliverOnce(process.client, SERVER, { ...options, redact: 'one-secret' as never }),
    ).rejects.toThrow(
      'Invalid options.redact: an array of strings (the secrets to redact) or a Redactor, received a string',
    )
    // An unset variable in the list: named by its place, never by the other values.
    const unset = deliverOnce(process.client, SERVER, {
      ...options,
      redact: [password, undefined as never],
    })
    await expect(unset).rejects.toThrow(
      'Invalid options.redact[1]: a string (a secret), received undefined',
    )
  })

  it('runs at most maxCommands new commands in one pass (1 by default, like sms-agent --once)', async () => {
    const sms = fakeSms(START('t1'), START('t2'), START('t3'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
    expect(run.runs).toEqual(['t1'])
    await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal, run, maxCommands: 5 }),
    )
    expect(run.runs).toEqual(['t1', 't2', 't3'])
    expect(sms.results.map((result) => result.command.command_param.task_id)).toEqual([
      't1',
      't2',
      't3',
    ])
  })

  it('never lets a re-sent report clear the next command of the same name after a lost answer', async () => {
    const sms = fakeSms(START('t1'), START('t2'))
    // SMS records t1's result, then the answer is lost on the way back.
    sms.fault('command_result', { kind: 'lose-answer' })
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    const events: DeliveryEvent[] = []
    const options = {
      ...process.base,
      journal,
      run,
      onEvent: (event: DeliveryEvent) => events.push(event),
    }
    await process.drive(deliverOnce(process.client, SERVER, options))
    await process.drive(deliverOnce(process.client, SERVER, options))
    expect(run.runs).toEqual(['t1', 't2'])
    expect(sms.results.map((result) => result.command.command_param.task_id)).toEqual(['t1', 't2'])
    expect(events.find((event) => event.event === 'report.presumed-recorded')).toMatchObject({
      task_id: 't1',
      server_id: SERVER,
      level: 'info',
    })
  })

  it('keeps a result through 500s and connection resets, and reports it once when SMS answers', async () => {
    const sms = fakeSms(START('t1'))
    sms.fault('command_result', { kind: 'status', status: 500 })
    sms.fault('command_result', { kind: 'network' })
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    const first = await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal, run }),
    )
    const later =
      first.outbox > 0
        ? await process.drive(
            deliverOnce(process.client, SERVER, { ...process.base, journal, run }),
          )
        : first
    expect(later.outbox).toBe(0)
    expect(run.runs).toEqual(['t1'])
    expect(sms.results).toHaveLength(1)
  })

  it('retries statuses that say "not processed" (408, 429, 503) without bounding them like refusals', async () => {
    const sms = fakeSms(START('t1'))
    sms.fault('command_result', { kind: 'status', status: 408 }, 4)
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    for (let pass = 0; pass < 4 && sms.results.length === 0; pass++) {
      await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
    }
    expect(sms.results).toHaveLength(1)
    expect(journal.value()).toMatchObject({ entries: [{ outcome: 'acknowledged' }] })
  })

  it('settles a result SMS keeps refusing as rejected after reportRefusalLimit, and never runs it again', async () => {
    const sms = fakeSms(START('t1'))
    sms.fault('command_result', { kind: 'status', status: 403, errorCode: 'SMS.1003' }, 20)
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    const events: DeliveryEvent[] = []
    const options = {
      ...process.base,
      journal,
      run,
      reportRefusalLimit: 2,
      onEvent: (event: DeliveryEvent) => events.push(event),
    }
    for (let pass = 0; pass < 4; pass++)
      await process.drive(deliverOnce(process.client, SERVER, options))
    expect(run.runs).toEqual(['t1'])
    expect(journal.value()).toMatchObject({
      entries: [{ state: 'reported', outcome: 'rejected', rejection: 'refused' }],
    })
    expect(events.some((event) => event.event === 'report.refused')).toBe(true)
    expect(events.some((event) => event.event === 'report.held')).toBe(true)
  })

  it('leaves a run that never began pending, uncounted and unreported, and runs it at the next pass', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    let attempts = 0
    const run = async () => {
      attempts++
      if (attempts === 1) throw new RunNotStartedError('the program could not be started yet')
      return { result: 'success' as const, result_detail: {} }
    }
    await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
    expect(sms.results).toEqual([])
    expect(journal.value()).toMatchObject({ entries: [{ state: 'received', runs: 0 }] })
    await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
    expect(sms.results).toMatchObject([{ result: 'success' }])
    expect(journal.value()).toMatchObject({ entries: [{ state: 'reported', runs: 1 }] })
  })

  it('fits a report with a huge output into 10,240 bytes, trimming the output from the front', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const output = `${'x'.repeat(30_000)}THE END`
    const run = async () => ({ result: 'success' as const, result_detail: { output } })
    await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal: memoryJournal(), run }),
    )
    const detail = sms.results[0]?.result_detail as { output: string; report_trimmed: boolean }
    expect(
      new TextEncoder().encode(
        JSON.stringify({ command_name: 'START', result: 'success', result_detail: detail }),
      ).byteLength,
    ).toBeLessThanOrEqual(REPORT_BODY_LIMIT)
    expect(detail.output.endsWith('THE END')).toBe(true)
    expect(detail.report_trimmed).toBe(true)
  })

  it('reports a result whose details are not JSON as what the run said, with the details replaced', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const run = async () => ({
      result: 'success' as const,
      result_detail: { big: 10n } as Record<string, unknown>,
    })
    await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal: memoryJournal(), run }),
    )
    expect(sms.results[0]).toMatchObject({
      result: 'success',
      result_detail: { result_detail_error: expect.stringContaining('not JSON') },
    })
  })

  it('reports a run resolving something that is not a result as fail, saying what was expected', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const run = async () => 'done' as never
    await process.drive(
      deliverOnce(process.client, SERVER, { ...process.base, journal: memoryJournal(), run }),
    )
    expect(sms.results[0]).toMatchObject({
      result: 'fail',
      result_detail: {
        reason: 'invalid-result',
        message: expect.stringContaining("expected { result: 'success' | 'fail'"),
      },
    })
  })

  it('refuses bad options naming the field and what was expected, before any request', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const run = recordingRun()
    const cases: [Record<string, unknown>, string][] = [
      [{ journal: {}, run }, 'options.journal'],
      [{ journal: memoryJournal(), run: 'sh run.sh' }, 'options.run'],
      [{ journal: memoryJournal(), run, intervalMs: -5 }, 'options.intervalMs'],
      [{ journal: memoryJournal(), run, interrupted: 'retry' }, 'options.interrupted'],
      [{ journal: memoryJournal(), run, maxCommands: 0 }, 'options.maxCommands'],
    ]
    for (const [options, field] of cases) {
      const error = await process
        .drive(deliverOnce(process.client, SERVER, { ...process.base, ...options } as never))
        .then(
          () => undefined,
          (caught: unknown) => caught,
        )
        .catch((caught: unknown) => caught)
      expect(isSmsInputError(error), field).toBe(true)
      expect((error as Error).message).toContain(field)
    }
    expect(sms.requests).toEqual([])
  })

  it('says so when two deliveries run over one journal store at once', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    const first = deliverOnce(process.client, SERVER, { ...process.base, journal, run })
    const second = deliverOnce(process.client, SERVER, { ...process.base, journal, run })
    const [one, two] = await Promise.allSettled([process.drive(first), process.drive(second)])
    const failures = [one, two].filter((outcome) => outcome.status === 'rejected')
    expect(failures).toHaveLength(1)
    const reason = (failures[0] as PromiseRejectedResult).reason
    expect(isJournalStoreError(reason) && reason.operation).toBe('busy')
    expect(run.runs).toEqual(['t1'])
  })

  it('in a dry run says once per command what it would do, and runs, writes and reports nothing', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const journal = memoryJournal()
    const run = recordingRun()
    const events: DeliveryEvent[] = []
    const options = {
      ...process.base,
      journal,
      run,
      dryRun: () => 'would run it',
      onEvent: (event: DeliveryEvent) => events.push(event),
    }
    await process.drive(deliverOnce(process.client, SERVER, options))
    expect(run.runs).toEqual([])
    expect(sms.results).toEqual([])
    expect(journal.saves).toBe(0)
    expect(events.filter((event) => event.event === 'command.dry-run')).toMatchObject([
      { task_id: 't1', msg: 'dry run, nothing run or reported; would run it' },
    ])
  })
})
