import type { EmittedAgentEvent } from '../events/emitter.ts'
import { errorFields } from '../events/error-fields.ts'
import type { SmsCommand } from '../schemas/command.ts'
import { fullJitterBackoff } from '../time/backoff.ts'
import { commandKey } from './command-key.ts'
import { actOnCurrent, isHeldAfterRefusal, settleNotCurrent } from './delivery-rule.ts'
import type { DeliveryJournal, RecoveredEntry } from './journal.ts'
import type { DeliveryEntry, StoredResult } from './journal-state.ts'
import { isJournalStoreError, type JournalStoreError } from './journal-store-error.ts'
import { Reporter } from './reporter.ts'
import { settleRun } from './settle-run.ts'
import {
  type DelivererOptions,
  type DelivererSettings,
  NOTHING,
  SOON,
  type StepResult,
} from './step-types.ts'

/** How often a command held after a refused result is named again in a warning. */
export const HELD_WARNING_INTERVAL_MS = 10 * 60_000

/**
 * The delivery rule, carried out: every command is journaled before it is acted on, run at most
 * once, and its result reported only right after a poll showed its command still current
 * (`delivery-rule.ts`). A poll that shows another command, or none, settles the entry instead.
 *
 * @example
 * const deliverer = new Deliverer({ journal, client, settings, run, events, scheduler, random, loop })
 * const step = await deliverer.step(command, true) // journals and runs it; `SOON`: verify, then report
 */
export class Deliverer {
  private readonly journal: DeliveryJournal
  private readonly settings: DelivererSettings
  private readonly reporter: Reporter
  private journalFailures = 0
  /** The refused entry SMS still keeps current, and when it was last named in a warning. */
  private held: { entry: number; since: number; warnedAt: number } | undefined
  /** Entries whose run is in progress in this process. */
  private readonly runningHere = new Set<number>()
  /** The first store failure since {@link takeStoreError} was last called. */
  private storeError: JournalStoreError | undefined

  constructor(private readonly options: DelivererOptions) {
    this.journal = options.journal
    this.settings = options.settings
    this.reporter = new Reporter({
      ...options,
      keep: (write) => this.keep(write),
      noteStoreError: (error, msg) => this.noteStoreError(error, msg),
    })
  }

  /** Results waiting to be reported. */
  outbox(): number {
    return this.journal.outbox()
  }

  /** The first store failure since the last call (a pass ends with it), and forgets it. */
  takeStoreError(): JournalStoreError | undefined {
    const error = this.storeError
    this.storeError = undefined
    return error
  }

  /** Deals with runs a previous process (or pass) left unfinished. */
  async recover(): Promise<void> {
    let recovered: RecoveredEntry[]
    try {
      recovered = await this.journal.recover(this.settings.interrupted, this.runningHere)
    } catch (error) {
      if (!isJournalStoreError(error)) throw error
      this.noteStoreError(
        error,
        'cannot journal what the previous run left behind; kept in memory and retried',
      )
      recovered = []
    }
    for (const item of recovered) {
      const { entry, action } = item
      const fields = {
        command: entry.command.command_name,
        task_id: entry.command.command_param.task_id,
      }
      await this.options.onRecovered?.(item)
      if (action === 'interrupted') {
        this.emit({
          event: 'command.interrupted',
          ...fields,
          msg: 'the previous run stopped while this command ran; reporting fail (reason interrupted), not running it again',
        })
      } else {
        this.emit({
          event: 'command.rerun',
          ...fields,
          msg: 'the previous run stopped while this command ran; it will run once more (interrupted: rerun)',
        })
      }
    }
    const pending = this.journal.active()
    if (pending.length > 0) {
      this.emit({
        event: 'journal.recovered',
        outbox: pending.filter((entry) => entry.state === 'done').length,
        received: pending.filter((entry) => entry.state === 'received').length,
        msg: 'unfinished entries from a previous run are settled at the next poll',
      })
    }
  }

  /**
   * One step over what SMS says is current (`null`: nothing). Settles entries that are no longer
   * current, then journals/runs/reports the current command as its entry's state requires.
   */
  async step(current: SmsCommand | null, allowRun: boolean): Promise<StepResult> {
    try {
      // What memory knows and the store doesn't yet goes first; if it still can't, the step goes
      // on from memory (settling and reporting need no new durable step, running does).
      if (this.journal.unsaved) await this.keep(this.journal.flush())
      const result = await this.stepJournaled(current, allowRun)
      this.journalFailures = 0
      return result
    } catch (error) {
      if (!isJournalStoreError(error)) throw error
      const delay = this.noteStoreError(
        error,
        error.keptInMemory
          ? 'cannot save the journal: what is known stays in memory; no command is started until it can be saved'
          : 'cannot save the journal: nothing is run or reported until it can be',
      )
      return { delayMs: delay, pollSoon: true }
    }
  }

  /** Emits a store failure (with the backoff the loop waits) and keeps the first for the pass. */
  private noteStoreError(error: JournalStoreError, msg: string): number {
    this.storeError ??= error
    this.journalFailures++
    const delay = this.backoff(this.journalFailures)
    this.emit(
      {
        event: 'journal.error',
        attempt: this.journalFailures,
        delay,
        msg,
        error: errorFields(error),
      },
      error,
    )
    return delay
  }

  private async stepJournaled(current: SmsCommand | null, allowRun: boolean): Promise<StepResult> {
    const currentEntry = current ? this.journal.findActive(current) : undefined
    for (const entry of this.journal.active()) {
      if (entry.id !== currentEntry?.id) await this.settleNotCurrent(entry, current)
    }
    if (!current) return NOTHING
    const fields = { command: current.command_name, task_id: current.command_param.task_id }
    const permission = () => ({ allowRun, stopping: this.options.loop.stopping() })
    let entry = currentEntry
    const latest = this.journal.latest()
    if (!entry && latest && isHeldAfterRefusal(latest, commandKey(current), commandKey)) {
      // SMS refused this result for good and still waits for it: never run it a second time,
      // and keep saying so (at a bounded rate): SMS shows the command as pending forever.
      this.emitHeld(latest.id, current)
      return NOTHING
    }
    this.held = undefined
    if (actOnCurrent(entry, permission()) === 'receive') {
      const earlier = this.journal.findReported(current)
      entry = await this.journal.receive(current)
      this.emit({
        event: 'command.received',
        ...fields,
        bucket: current.command_param.bucket,
        entry: entry.id,
        ...(earlier
          ? {
              msg: `issued again after entry ${earlier.id} was reported (${earlier.outcome}): a new command`,
            }
          : {}),
      })
    }
    if (!entry) return NOTHING
    switch (actOnCurrent(entry, permission())) {
      case 'run':
        // Report only after a poll confirms the command is still current; a run that never
        // began waits for the next regular poll.
        return (await this.execute(entry)) ? SOON : NOTHING
      case 'report':
        return this.report(entry)
      default:
        // `running` entries exist only while this process runs them (recover() settles the rest).
        return NOTHING
    }
  }

  private emitHeld(entryId: number, current: SmsCommand): void {
    const now = this.options.scheduler.now()
    if (this.held?.entry !== entryId) this.held = { entry: entryId, since: now, warnedAt: -1 }
    const held = this.held
    const reminder = held.warnedAt < 0 || now - held.warnedAt >= HELD_WARNING_INTERVAL_MS
    if (reminder) held.warnedAt = now
    const task = current.command_param.task_id
    this.emit({
      event: 'report.held',
      command: current.command_name,
      task_id: task,
      entry: entryId,
      held_since: new Date(held.since).toISOString(),
      reminder,
      msg: `SMS still asks for ${current.command_name}${task ? ` (task ${task})` : ''}, whose result it refused (journal entry ${entryId}, settled rejected): it will not be run again, and SMS shows it pending until someone acts. Cancel or re-issue the command in SMS (the report.refused error says what SMS objected to)`,
    })
  }

  /** A write that records what already happened: a failure is noted, the step goes on. */
  private async keep(write: Promise<unknown>): Promise<void> {
    try {
      await write
    } catch (error) {
      if (!isJournalStoreError(error) || !error.keptInMemory) throw error
      this.noteStoreError(
        error,
        'cannot save the journal: what is known stays in memory and is saved with the next write',
      )
    }
  }

  private async settleNotCurrent(entry: DeliveryEntry, current: SmsCommand | null): Promise<void> {
    const decision = settleNotCurrent(entry)
    if (decision.action === 'keep') return
    const fields = {
      command: entry.command.command_name,
      task_id: entry.command.command_param.task_id,
      entry: entry.id,
    }
    await this.keep(this.journal.markReported(entry.id, decision.outcome))
    const now = current ? `; SMS now asks for ${current.command_name}` : '; SMS now has no command'
    if (decision.action === 'drop-unstarted') {
      this.emit({
        event: 'command.superseded',
        ...fields,
        msg: `SMS no longer asks for this command; it was never started and will not be${now}`,
      })
      return
    }
    this.reporter.settled()
    if (decision.outcome === 'presumed-recorded') {
      this.emit({
        event: 'report.presumed-recorded',
        ...fields,
        attempt: entry.reportAttempts,
        msg: 'the answer to our report was lost, but SMS has moved on: it recorded the result',
      })
    } else {
      this.emit({
        event: 'report.superseded',
        ...fields,
        result: entry.result?.result,
        msg: `SMS moved on before the result could be reported; it is kept in the journal only${now}`,
      })
    }
  }

  private async execute(entry: DeliveryEntry): Promise<boolean> {
    const { command } = entry
    const fields = { command: command.command_name, task_id: command.command_param.task_id }
    const plan = this.options.planRun?.(command) ?? {}
    if (plan.refuse) {
      await this.keep(
        this.journal.markDone(entry.id, {
          result: 'fail',
          result_detail: { reason: plan.refuse.reason, message: plan.refuse.message },
        }),
      )
      this.emit({
        event: 'command.rejected',
        ...fields,
        reason: plan.refuse.reason,
        msg: plan.refuse.message,
      })
      return true
    }
    const loop = this.options.loop
    const startedAt = this.options.scheduler.now()
    // Marked as running before the journal write, so a stop arriving meanwhile grants the grace.
    loop.onRunning({
      command: command.command_name,
      task_id: command.command_param.task_id ?? '',
      startedAt,
    })
    this.runningHere.add(entry.id)
    let settled: Awaited<ReturnType<typeof settleRun>>
    let pidWritten: Promise<void> = Promise.resolve()
    try {
      const running = await this.journal.markRunning(entry.id, plan.handler)
      this.emit({ event: 'command.start', ...fields, handler: plan.handler, entry: entry.id })
      settled = await settleRun({
        run: this.options.run,
        command,
        context: {
          entry: entry.id,
          run: running.runs,
          handler: plan.handler,
          setPid: (pid) => {
            pidWritten = this.journal.setHandlerPid(entry.id, pid).then(
              () => {},
              (error: unknown) => {
                this.emit(
                  {
                    event: 'journal.error',
                    ...fields,
                    msg: 'could not journal the pid of the run',
                    error: errorFields(error),
                  },
                  error,
                )
              },
            )
          },
        },
        signal: loop.runSignal,
        settleTimeoutMs: this.settings.runSettleTimeoutMs,
        scheduler: this.options.scheduler,
        interrupted: this.settings.interrupted,
        runs: running.runs,
        redact: this.settings.redact,
      })
    } finally {
      loop.onRunning(undefined)
    }
    await pidWritten
    if (settled.kind === 'not-started') {
      this.runningHere.delete(entry.id)
      await this.keep(this.journal.markNotStarted(entry.id))
      this.emit({ event: 'command.interrupted', ...fields, msg: settled.message })
      return false
    }
    if (settled.kind === 'abandoned' || settled.kind === 'rerun') {
      // Left `running` on purpose: a later start (or pass) recovers it.
      this.runningHere.delete(entry.id)
      this.emit({
        event: 'command.interrupted',
        ...fields,
        ...settled.eventFields,
        msg: settled.message,
      })
      return true
    }
    this.runningHere.delete(entry.id)
    const result: StoredResult = settled.result
    const detail = result.result_detail
    await this.keep(this.journal.markDone(entry.id, result))
    this.emit({
      event: 'command.finish',
      ...fields,
      result: result.result,
      reason: typeof detail.reason === 'string' ? detail.reason : undefined,
      exit_code:
        typeof detail.exit_code === 'number' || detail.exit_code === null
          ? detail.exit_code
          : undefined,
      signal:
        typeof detail.signal === 'string' || detail.signal === null ? detail.signal : undefined,
      duration_ms:
        typeof detail.duration_ms === 'number'
          ? detail.duration_ms
          : this.options.scheduler.now() - startedAt,
      ...(typeof detail.message === 'string' && detail.message
        ? { msg: detail.message.slice(0, 4_000) }
        : {}),
    })
    return true
  }

  /** Sends the result of `entry`, whose command the poll just showed to be current. */
  private report(entry: DeliveryEntry): Promise<StepResult> {
    return this.reporter.report(entry)
  }

  private emit(event: EmittedAgentEvent, cause?: unknown): void {
    this.options.events.emit(event, cause === undefined ? undefined : { cause })
  }

  private backoff(failures: number): number {
    return fullJitterBackoff(failures, this.settings.backoff, this.options.random)
  }
}
