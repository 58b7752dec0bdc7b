import { describe, expect, it } from 'vitest'
import { fakeSms, recordingRun, SERVER, START, testProcess } from '../../test/delivery-harness.ts'
import { deliverOnce } from './deliver.ts'
import type { JournalStore } from './journal.ts'
import type { DeliveryState } from './journal-state.ts'
import { isJournalStoreError } from './journal-store-error.ts'
import { memoryJournal } from './memory-journal.ts'

/** A store that keeps what was saved, and can be told to crash the process at the n-th save. */
function crashingStore(crashAt: number, onCrash: () => void) {
  let saved: unknown
  let saves = 0
  const store: JournalStore = {
    name: 'crash-test store',
    load: () => Promise.resolve(saved),
    save(state: DeliveryState) {
      saves++
      if (saves === crashAt) {
        onCrash()
        // The process is gone: this save never completes, and nothing after it happens.
        return new Promise<void>(() => {})
      }
      saved = JSON.parse(JSON.stringify(state))
      return Promise.resolve()
    },
  }
  return { store, saved: () => saved, saves: () => saves }
}

const idOf = (result: { command: { command_param: { task_id?: string } } }) =>
  result.command.command_param.task_id

describe('a delivery that crashes at any step', () => {
  it('counts the saves of a clean pass (the crash points below)', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const clean = crashingStore(0, () => {})
    await process.drive(
      deliverOnce(process.client, SERVER, {
        ...process.base,
        journal: clean.store,
        run: recordingRun(),
      }),
    )
    // receive, running, done, report attempt, acknowledged
    expect(clean.saves()).toBe(5)
  })

  for (const policy of ['fail', 'rerun'] as const) {
    for (let crashAt = 1; crashAt <= 5; crashAt++) {
      it(`(interrupted: ${policy}) crash at save ${crashAt}: each command runs at most once${policy === 'rerun' ? ' (twice if cut short)' : ''}, each result is recorded once, and the next command of the same name is never cleared`, async () => {
        const sms = fakeSms(START('t1'), START('t2'))
        const runs: string[] = []
        const first = testProcess(sms)
        const crashing = crashingStore(crashAt, () => first.die())
        // The first process runs t1 and dies at the chosen save; its pass never ends.
        const hanging = deliverOnce(first.client, SERVER, {
          ...first.base,
          journal: crashing.store,
          interrupted: policy,
          run: recordingRun(runs),
        })
        hanging.catch(() => {})
        for (let turn = 0; turn < 200; turn++) {
          if (first.scheduler.pending > 0) await first.scheduler.runNext()
          else await first.scheduler.advance(0)
        }
        // A new process over the stored value, a minute later.
        const second = testProcess(sms, first.scheduler.now() + 60_000)
        const journal = memoryJournal(crashing.saved())
        const options = {
          ...second.base,
          journal,
          interrupted: policy,
          run: recordingRun(runs),
          maxCommands: 3,
        }
        for (let pass = 0; pass < 4 && sms.current(SERVER); pass++) {
          await second.drive(deliverOnce(second.client, SERVER, options))
        }
        expect(sms.current(SERVER)).toBeUndefined()
        expect(sms.results.map(idOf)).toEqual(['t1', 't2'])
        expect(runs.filter((id) => id === 't2')).toEqual(['t2'])
        const t1Runs = runs.filter((id) => id === 't1').length
        expect(t1Runs).toBeLessThanOrEqual(policy === 'rerun' ? 2 : 1)
        const t1 = sms.results[0]
        // A t1 that did not finish is reported interrupted, never success; a finished one, as it ended.
        if (t1?.result === 'fail') expect(t1.result_detail).toMatchObject({ reason: 'interrupted' })
        // From save 4 on (the result is durable) t1 is reported as it ended.
        if (crashAt >= 4) expect(t1?.result).toBe('success')
        expect(
          sms.results.filter((result) => result.result === 'success').length,
        ).toBeGreaterThanOrEqual(1)
      })
    }
  }

  it('after a crash while the run was pending, reports it interrupted and does not run it again (fail)', async () => {
    const sms = fakeSms(START('t1'))
    const first = testProcess(sms)
    const journal = memoryJournal()
    const hanging = deliverOnce(first.client, SERVER, {
      ...first.base,
      journal,
      run: () => new Promise(() => {}),
    })
    hanging.catch(() => {})
    for (let turn = 0; turn < 20; turn++) await first.scheduler.advance(0)
    first.die()
    expect(journal.value()).toMatchObject({ entries: [{ state: 'running', runs: 1 }] })
    const second = testProcess(sms)
    const run = recordingRun()
    await second.drive(
      deliverOnce(second.client, SERVER, {
        ...second.base,
        journal: memoryJournal(journal.value()),
        run,
      }),
    )
    expect(run.runs).toEqual([])
    expect(sms.results).toMatchObject([
      { result: 'fail', result_detail: { reason: 'interrupted', runs: 1 } },
    ])
  })
})

describe('a journal store that fails', () => {
  /** A memory store whose saves number `failAt` (1-based) reject. */
  function flakyStore(failAt: readonly number[]) {
    const inner = memoryJournal()
    let saves = 0
    const store: JournalStore & { value(): unknown } = {
      name: 'flaky test store',
      load: () => inner.load(),
      save(state) {
        saves++
        if (failAt.includes(saves)) return Promise.reject(new Error('EIO: disk on fire'))
        return inner.save(state)
      },
      value: () => inner.value(),
    }
    return store
  }

  for (let failAt = 1; failAt <= 5; failAt++) {
    it(`save ${failAt} rejecting stops the pass with a JournalStoreError naming the store; the next pass resumes without a doubled or lost result`, async () => {
      const sms = fakeSms(START('t1'))
      const process = testProcess(sms)
      const journal = flakyStore([failAt])
      const run = recordingRun()
      const options = { ...process.base, journal, run }
      const error = await process.drive(deliverOnce(process.client, SERVER, options)).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(isJournalStoreError(error)).toBe(true)
      expect((error as Error).message).toContain('flaky test store')
      expect((error as Error).message).not.toContain('tok-')
      for (let pass = 0; pass < 3; pass++)
        await process.drive(deliverOnce(process.client, SERVER, options))
      expect(run.runs).toEqual(['t1'])
      expect(sms.results).toMatchObject([{ result: 'success' }])
      expect(journal.value()).toMatchObject({ entries: [{ state: 'reported' }] })
    })
  }

  it('a store that keeps failing after the run never turns the success into a failure: it is reported from memory', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const journal = flakyStore([3, 4, 5, 6, 7, 8, 9, 10])
    const run = recordingRun()
    const error = await process
      .drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(isJournalStoreError(error) && error.keptInMemory).toBe(true)
    expect(sms.results).toMatchObject([{ result: 'success' }])
    expect(run.runs).toEqual(['t1'])
  })

  it('a store whose load fails or holds something else is refused, naming the broken field, and left as it is', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const broken = memoryJournal({ nextId: 1, entries: [{ id: 1, state: 'exploded' }] })
    const error = await process
      .drive(
        deliverOnce(process.client, SERVER, {
          ...process.base,
          journal: broken,
          run: recordingRun(),
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(isJournalStoreError(error) && error.operation).toBe('load')
    expect((error as Error).message).toContain('memory is corrupt at entries.0')
    expect(broken.saves).toBe(0)
    expect(sms.requests).toEqual([])
  })

  it('says what is wrong with a store whose load returns the saved JSON as text (a KV get), without quoting it', async () => {
    const sms = fakeSms(START('t1'))
    const process = testProcess(sms)
    const text = JSON.stringify({ version: 1, nextId: 1, entries: [], note: 'out-SECRET' })
    const store = { name: 'kv journal', load: async () => text, save: async () => {} }
    const error = await process
      .drive(
        deliverOnce(process.client, SERVER, {
          ...process.base,
          journal: store,
          run: recordingRun(),
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(isJournalStoreError(error) && error.operation).toBe('load')
    expect((error as Error).message).toContain('kv journal came back as text')
    expect((error as Error).message).toContain('JSON.parse in load()')
    expect((error as Error).message).not.toContain('SECRET')
    expect(sms.requests).toEqual([])
  })
})
