import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeliveryJournal, isJournalStoreError } from '@sms-command/core/delivery'
import { beforeEach, describe, expect, it } from 'vitest'
import { FileJournalStore, JOURNAL_FILE, type JournalOptions } from './file-journal.ts'
import { isStateError, type StateError } from './state-error.ts'

const START = { command_name: 'START', command_param: { task_id: 't-1' } }
const STOP = { command_name: 'STOP', command_param: { task_id: 't-1' } }
let dir: string
let clock: number

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-journal-'))
  clock = Date.UTC(2026, 0, 1)
})

/** Core's delivery journal over the agent's file store, as the agent's loop sees it. */
const openJournal = async (options: JournalOptions) =>
  DeliveryJournal.open(await FileJournalStore.open(options), options.now ?? (() => clock))

const open = (options: { serverId?: string; readOnly?: boolean } = {}) =>
  openJournal({ dir, serverId: options.serverId ?? 'srv-1', now: () => clock, ...options })

async function onDisk(): Promise<{ entries: { state: string; id: number }[] }> {
  return JSON.parse(await readFile(join(dir, JOURNAL_FILE), 'utf8'))
}

async function refusal(promise: Promise<unknown>): Promise<StateError> {
  const error = await promise.then(
    () => new Error('expected a StateError'),
    (caught: unknown) => caught,
  )
  // A failed save reaches the delivery as core's JournalStoreError, caused by the file's StateError.
  const state = isJournalStoreError(error) ? error.cause : error
  if (!isStateError(state)) throw error
  return state
}

describe("the file journal under core's DeliveryJournal", () => {
  it('creates an empty journal file in a new state directory', async () => {
    const nested = join(dir, 'a', 'b')
    const journal = await openJournal({ dir: nested, serverId: 'srv-1' })
    expect(journal.entries()).toEqual([])
    const file = JSON.parse(await readFile(join(nested, JOURNAL_FILE), 'utf8'))
    expect(file).toMatchObject({ format: 'sms-agent-journal', version: 1, serverId: 'srv-1' })
  })

  it('writes every step to disk before resolving', async () => {
    const journal = await open()
    const entry = await journal.receive(START)
    expect((await onDisk()).entries).toMatchObject([{ id: 1, state: 'received' }])
    await journal.markRunning(entry.id, '/bin/handler')
    expect((await onDisk()).entries).toMatchObject([{ state: 'running', runs: 1 }])
    await journal.setHandlerPid(entry.id, 4242)
    await journal.markDone(entry.id, { result: 'success', result_detail: { exit_code: 0 } })
    expect((await onDisk()).entries).toMatchObject([{ state: 'done', handlerPid: 4242 }])
    await journal.recordReportAttempt(entry.id)
    await journal.markReported(entry.id, 'acknowledged')
    expect((await onDisk()).entries).toMatchObject([
      { state: 'reported', outcome: 'acknowledged', reportAttempts: 1 },
    ])
    // No temporary files are left behind.
    expect((await readdir(dir)).sort()).toEqual([JOURNAL_FILE])
  })

  it('survives a reopen: a new process sees exactly what was written', async () => {
    const first = await open()
    const entry = await first.receive(START)
    await first.markRunning(entry.id, '/bin/handler')
    const second = await open()
    expect(second.findActive(START)).toMatchObject({ id: entry.id, state: 'running' })
    expect((await second.receive(STOP)).id).toBe(entry.id + 1)
  })

  it('refuses transitions out of order', async () => {
    const journal = await open()
    const entry = await journal.receive(START)
    await expect(journal.recordReportAttempt(entry.id)).rejects.toThrow(
      'journal entry 1 is received, expected done',
    )
    await journal.markDone(entry.id, { result: 'fail', result_detail: { reason: 'no-handler' } })
    await expect(journal.markRunning(entry.id, '/bin/x')).rejects.toThrow('expected received')
    expect(journal.get(entry.id)?.state).toBe('done')
  })

  it('finds the active entry of a command and the last reported one', async () => {
    const journal = await open()
    const first = await journal.receive(START)
    await journal.markDone(first.id, { result: 'success', result_detail: {} })
    await journal.markReported(first.id, 'acknowledged')
    expect(journal.findActive(START)).toBeUndefined()
    expect(journal.findReported(START)?.id).toBe(first.id)
    const again = await journal.receive(START)
    expect(journal.findActive(START)?.id).toBe(again.id)
    expect(journal.active().map((entry) => entry.id)).toEqual([again.id])
  })

  it('turns a handler cut short by a crash into a fail result with reason interrupted', async () => {
    const crashed = await open()
    const entry = await crashed.receive(START)
    await crashed.markRunning(entry.id, '/bin/handler')
    await crashed.setHandlerPid(entry.id, 999_999)
    clock += 5_000
    const restarted = await open()
    const recovered = await restarted.recover('fail')
    expect(recovered).toMatchObject([{ action: 'interrupted', handlerPid: 999_999 }])
    expect(restarted.get(entry.id)).toMatchObject({
      state: 'done',
      result: {
        result: 'fail',
        result_detail: { reason: 'interrupted', handler: '/bin/handler', runs: 1 },
      },
    })
    expect((await onDisk()).entries[0]?.state).toBe('done')
  })

  it('with the rerun policy sends an interrupted command back to received, once', async () => {
    const journal = await open()
    const entry = await journal.receive(START)
    await journal.markRunning(entry.id, '/bin/handler')
    expect(await (await open()).recover('rerun')).toMatchObject([{ action: 'rerun' }])
    const second = await open()
    expect(second.get(entry.id)?.state).toBe('received')
    await second.markRunning(entry.id, '/bin/handler')
    const third = await open()
    expect(await third.recover('rerun')).toMatchObject([{ action: 'interrupted' }])
    expect(third.get(entry.id)).toMatchObject({ state: 'done', runs: 2 })
  })

  it('keeps the last 100 reported entries and every active one', async () => {
    const journal = await open()
    const active = await journal.receive({ command_name: 'SYNC', command_param: { task_id: 'x' } })
    for (let index = 0; index < 105; index++) {
      const entry = await journal.receive({
        command_name: 'START',
        command_param: { task_id: `t-${index}` },
      })
      await journal.markDone(entry.id, { result: 'success', result_detail: {} })
      await journal.markReported(entry.id, 'acknowledged')
    }
    const entries = journal.entries()
    expect(entries.filter((entry) => entry.state === 'reported')).toHaveLength(100)
    expect(entries[0]?.id).toBe(active.id)
    expect(entries[1]?.command.command_param.task_id).toBe('t-5')
  })

  it('refuses a corrupt journal, naming the file, and leaves it untouched', async () => {
    await writeFile(join(dir, JOURNAL_FILE), '{"format": "sms-agent-jour')
    const error = await refusal(open())
    expect(error.kind).toBe('corrupt')
    expect(error.message).toContain(
      `DeliveryJournal ${join(dir, JOURNAL_FILE)} is corrupt (not valid JSON`,
    )
    expect(await readFile(join(dir, JOURNAL_FILE), 'utf8')).toBe('{"format": "sms-agent-jour')
  })

  it('names the broken field of a journal that fails the schema', async () => {
    const journal = await open()
    await journal.receive(START)
    const file = JSON.parse(await readFile(join(dir, JOURNAL_FILE), 'utf8'))
    file.entries[0].state = 'exploded'
    await writeFile(join(dir, JOURNAL_FILE), JSON.stringify(file))
    const error = await refusal(open())
    expect(error.kind).toBe('corrupt')
    expect(error.message).toContain('is corrupt at entries.0.state')
  })

  it('refuses a file that is not a journal, and a journal of another server', async () => {
    await writeFile(join(dir, JOURNAL_FILE), JSON.stringify({ hello: 'world' }))
    expect((await refusal(open())).message).toContain('is not an sms-agent journal')
    await writeFile(join(dir, JOURNAL_FILE), '')
    expect((await refusal(open())).kind).toBe('corrupt')

    const other = await mkdtemp(join(tmpdir(), 'agent-journal-'))
    await openJournal({ dir: other, serverId: 'srv-A' })
    const foreign = await refusal(openJournal({ dir: other, serverId: 'srv-B' }))
    expect(foreign.kind).toBe('foreign')
    expect(foreign.message).toContain('belongs to server "srv-A", not "srv-B"')
  })

  it('refuses a journal written by a newer version', async () => {
    await writeFile(
      join(dir, JOURNAL_FILE),
      JSON.stringify({ format: 'sms-agent-journal', version: 9, serverId: 'srv-1' }),
    )
    expect((await refusal(open())).message).toContain('written by a newer agent (version 9')
  })

  it('writes nothing when opened read-only', async () => {
    const readOnly = await open({ readOnly: true })
    await readOnly.receive(START)
    expect(await readdir(dir)).toEqual([])
  })

  it('keeps memory unchanged when a write fails', async () => {
    const journal = await open()
    const entry = await journal.receive(START)
    // With the directory gone the temporary file can't be created, even for root.
    await rm(dir, { recursive: true })
    const error = await refusal(journal.markRunning(entry.id, '/bin/x'))
    expect(error.kind).toBe('io')
    expect(error.message).toContain('Cannot write journal')
    expect(journal.get(entry.id)?.state).toBe('received')
  })
})

describe('the file journal on a cloned machine', () => {
  const golden = { machineId: 'a'.repeat(32), hostname: 'golden-image' }
  const clone = { machineId: 'a'.repeat(32), hostname: 'clone-17' }
  const openOn = (
    machine: { productUuid?: string; machineId?: string; hostname?: string },
    adopt = false,
  ) => {
    const adopted: unknown[] = []
    const unproven: string[] = []
    const journal = openJournal({
      dir,
      serverId: 'srv-1',
      now: () => clock,
      machine,
      adopt,
      onAdopt: (previous) => adopted.push(previous),
      onUnproven: (why) => unproven.push(why),
    })
    return { journal, adopted, unproven }
  }

  it('stamps a new journal with its machine and reopens it there', async () => {
    await openOn(golden).journal
    expect(await onDisk()).toMatchObject({ machine: golden })
    await expect(openOn(golden).journal).resolves.toBeInstanceOf(DeliveryJournal)
  })

  it('refuses a journal of another machine, saying what to do, and changes nothing', async () => {
    const journal = await openOn(golden).journal
    await journal.receive(START)
    const before = await readFile(join(dir, JOURNAL_FILE), 'utf8')
    const error = await refusal(openOn(clone).journal)
    expect(error.kind).toBe('foreign')
    expect(error.message).toContain('written on another machine (host "golden-image"')
    expect(error.message).toContain('this is host "clone-17"')
    expect(error.message).toContain('fresh --state-dir')
    expect(error.message).toContain('--adopt-state')
    expect(await readFile(join(dir, JOURNAL_FILE), 'utf8')).toBe(before)
    const otherId = await refusal(openOn({ ...golden, machineId: 'b'.repeat(32) }).journal)
    expect(otherId.kind).toBe('foreign')
  })

  it('with adopt takes it over, says from where, and stamps it with this machine', async () => {
    await (await openOn(golden).journal).receive(START)
    const { journal, adopted } = openOn(clone, true)
    expect((await journal).active()).toHaveLength(1)
    expect(adopted).toEqual([golden])
    expect(await onDisk()).toMatchObject({ machine: clone })
    await expect(openOn(clone).journal).resolves.toBeInstanceOf(DeliveryJournal)
  })

  it('stamps a journal written before machines were recorded, and skips facts it cannot read', async () => {
    await open()
    expect(await onDisk()).not.toHaveProperty('machine')
    await openOn(golden).journal
    expect(await onDisk()).toMatchObject({ machine: golden })
    await expect(openOn({ hostname: 'golden-image' }).journal).resolves.toBeInstanceOf(
      DeliveryJournal,
    )
  })

  // Facts as injected: the firmware uuid of a VM (a clone gets a new one), the machine id that
  // an unprepared image carries to its clones, and the hostname a container changes when recreated.
  const UUID_A = '4c4c4544-0042-3510-8051-b2c04f4a3732'
  const UUID_B = '4c4c4544-0042-3510-8051-b2c04f4a3799'

  it('refuses a clone that kept machine id and hostname when the firmware uuid differs', async () => {
    await (await openOn({ productUuid: UUID_A, ...golden }).journal).receive(START)
    const error = await refusal(openOn({ productUuid: UUID_B, ...golden }).journal)
    expect(error.kind).toBe('foreign')
    expect(error.message).toContain(`firmware uuid ${UUID_A}`)
  })

  it('refuses a clone without a machine id that kept the hostname, when the firmware uuid tells', async () => {
    await (await openOn({ productUuid: UUID_A, hostname: 'web-1' }).journal).receive(START)
    expect((await refusal(openOn({ productUuid: UUID_B, hostname: 'web-1' }).journal)).kind).toBe(
      'foreign',
    )
  })

  it('keeps the journal of the same firmware after a rename or reinstall (new machine id, hostname)', async () => {
    await (await openOn({ productUuid: UUID_A, ...golden }).journal).receive(START)
    const renamed = { productUuid: UUID_A, machineId: 'c'.repeat(32), hostname: 'renamed' }
    const { journal, adopted } = openOn(renamed)
    expect((await journal).active()).toHaveLength(1)
    expect(adopted).toEqual([])
    expect(await onDisk()).toMatchObject({ machine: renamed })
  })

  it('compares only facts both sides have: a uuid one side lacks decides nothing', async () => {
    await (await openOn(golden).journal).receive(START)
    // This start can read the firmware uuid (root), the journal's writer could not: machine id decides.
    await expect(openOn({ productUuid: UUID_A, ...golden }).journal).resolves.toBeInstanceOf(
      DeliveryJournal,
    )
    expect(await onDisk()).toMatchObject({ machine: { productUuid: UUID_A, ...golden } })
    const otherId = await refusal(openOn({ ...golden, machineId: 'b'.repeat(32) }).journal)
    expect(otherId.kind).toBe('foreign')
  })

  it('takes over with a warning, never refuses, when only a hostname is known and it changed (a recreated container)', async () => {
    await (await openOn({ hostname: 'c0ffee12' }).journal).receive(START)
    for (const name of ['deadbeef34', 'feedface56']) {
      const { journal, unproven, adopted } = openOn({ hostname: name })
      expect((await journal).active()).toHaveLength(1)
      expect(unproven).toEqual(['changed'])
      expect(adopted).toEqual([])
      expect(await onDisk()).toMatchObject({ machine: { hostname: name } })
    }
  })

  it('says that clone detection is weak when no machine id or firmware uuid is known', async () => {
    expect(await openOn({ hostname: 'web-1' }).unproven).toEqual([])
    const fresh = openOn({ hostname: 'web-1' })
    await fresh.journal
    expect(fresh.unproven).toEqual(['weak'])
    const strong = openOn({ ...golden, hostname: 'web-1' })
    await strong.journal
    expect(strong.unproven).toEqual([])
  })
})
