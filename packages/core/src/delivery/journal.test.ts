import { describe, expect, it } from 'vitest'
import { DeliveryJournal, type JournalStore } from './journal.ts'
import type { DeliveryState } from './journal-state.ts'
import { isJournalStoreError } from './journal-store-error.ts'
import { memoryJournal } from './memory-journal.ts'

const START = { command_name: 'START', command_param: { task_id: 't-1' } }

/** A memory store whose saves fail while `failing` is set. */
function switchableStore() {
  const inner = memoryJournal()
  const control = { failing: false }
  const store: JournalStore = {
    name: 'switchable store',
    load: () => inner.load(),
    save: (state: DeliveryState) =>
      control.failing
        ? Promise.reject(new Error('ENOSPC: no space left on device'))
        : inner.save(state),
  }
  return { store, inner, control }
}

describe('DeliveryJournal', () => {
  it('saves every step before it resolves, and a new instance over the stored value sees it', async () => {
    const store = memoryJournal()
    const journal = await DeliveryJournal.open(store)
    const entry = await journal.receive(START)
    await journal.markRunning(entry.id, 'runner')
    expect(store.value()).toMatchObject({
      nextId: 2,
      entries: [{ id: 1, state: 'running', runs: 1 }],
    })
    const reopened = await DeliveryJournal.open(memoryJournal(store.value()))
    expect(reopened.findActive(START)).toMatchObject({ id: 1, state: 'running', handler: 'runner' })
  })

  it('leaves memory unchanged when a step that gates an action (receive, running) cannot be saved', async () => {
    const { store, control } = switchableStore()
    const journal = await DeliveryJournal.open(store)
    const entry = await journal.receive(START)
    control.failing = true
    const error = await journal.markRunning(entry.id, 'runner').catch((caught: unknown) => caught)
    expect(isJournalStoreError(error) && !error.keptInMemory).toBe(true)
    expect((error as Error).message).toContain('switchable store')
    expect(journal.get(entry.id)?.state).toBe('received')
    expect(journal.unsaved).toBe(false)
  })

  it('keeps what already happened (a result) in memory when it cannot be saved, and saves it with the next write', async () => {
    const { store, inner, control } = switchableStore()
    const journal = await DeliveryJournal.open(store)
    const entry = await journal.receive(START)
    await journal.markRunning(entry.id, 'runner')
    control.failing = true
    const error = await journal
      .markDone(entry.id, { result: 'success', result_detail: { exit_code: 0 } })
      .catch((caught: unknown) => caught)
    expect(isJournalStoreError(error) && error.keptInMemory).toBe(true)
    expect(journal.get(entry.id)?.state).toBe('done')
    expect(journal.unsaved).toBe(true)
    expect(inner.value()).toMatchObject({ entries: [{ state: 'running' }] })
    control.failing = false
    await journal.flush()
    expect(journal.unsaved).toBe(false)
    expect(inner.value()).toMatchObject({
      entries: [{ state: 'done', result: { result: 'success' } }],
    })
  })

  it('refuses transitions out of order', async () => {
    const journal = await DeliveryJournal.open(memoryJournal())
    const entry = await journal.receive(START)
    await expect(journal.recordReportAttempt(entry.id)).rejects.toThrow(
      'journal entry 1 is received, expected done',
    )
  })

  it('recovers an entry left running as interrupted, except one this process still runs', async () => {
    const journal = await DeliveryJournal.open(memoryJournal())
    const first = await journal.receive(START)
    await journal.markRunning(first.id, 'runner')
    expect(await journal.recover('fail', new Set([first.id]))).toEqual([])
    expect(await journal.recover('fail')).toMatchObject([{ action: 'interrupted' }])
    expect(journal.get(first.id)).toMatchObject({
      state: 'done',
      result: { result: 'fail', result_detail: { reason: 'interrupted', handler: 'runner' } },
    })
  })
})
