import type { SmsClient } from '../client/create-sms-client.ts'
import { isSmsApiError } from '../errors/sms-api-error.ts'
import type { AgentEvents, EmittedAgentEvent } from '../events/emitter.ts'
import { errorFields } from '../events/error-fields.ts'
import type { SmsCommand } from '../schemas/command.ts'
import { type BackoffOptions, fullJitterBackoff } from '../time/backoff.ts'
import type { Scheduler } from '../time/scheduler.ts'
import { errorLabel, reportErrorAdvice } from './advice.ts'
import { commandKey } from './command-key.ts'
import {
  actOnCurrent,
  isDeterministicRefusal,
  isHeldAfterRefusal,
  judgeReportFailure,
  settleNotCurrent,
} from './delivery-rule.ts'
import type { DeliveryJournal, RecoveredEntry } from './journal.ts'
import type { DeliveryEntry, StoredResult } from './journal-state.ts'
import { isJournalStoreError, type JournalStoreError } from './journal-store-error.ts'
import { fitReportBody, REPORT_BODY_LIMIT } from './report-body.ts'
import type { RunCommand, RunPlan } from './run-command.ts'
import { settleRun } from './settle-run.ts'

/** What one step over the current command decided about the next request. */
export interface StepResult {
  /** Wait this long before polling again (a failed report backs off). */
  delayMs: number
  /** Poll again without the usual interval (to verify before reporting, or to fetch the next). */
  pollSoon: boolean
}

/** Nothing to do until the next regular poll. */
export const NOTHING: StepResult = { delayMs: 0, pollSoon: false }
/** Poll again at once. */
export const SOON: StepResult = { delayMs: 0, pollSoon: true }

/** The command being run, for status pages. */
export interface RunningCommand {
  command: string
  task_id: string
  startedAt: number
}

/** What the step machine needs from the loop that drives it. */
export interface LoopControl {
  /** True once the delivery was asked to stop: no new run is started. */
  stopping(): boolean
  /** Aborted when the shutdown grace is over: the running command's work is to end. */
  readonly runSignal: AbortSignal
  /** A run started (its command), or ended (`undefined`). */
  onRunning(running: RunningCommand | undefined): void
}

/** The settings of the delivery rule. */
export interface DelivererSettings {
  serverId: string
  backoff: BackoffOptions
  slowRetryMs: number
  requestTimeoutMs: number
  reportRefusalLimit: number
  interrupted: 'fail' | 'rerun'
  /** How long a run may take to settle once its signal aborted. */
  runSettleTimeoutMs: number
  /** Fields put into every `result_detail` (the agent: `host`). */
  resultDetail: Record<string, unknown>
}

/** Everything {@link Deliverer} works with. */
export interface DelivererOptions {
  journal: DeliveryJournal
  client: Pick<SmsClient, 'reportResult'>
  settings: DelivererSettings
  run: RunCommand
  planRun?: ((command: SmsCommand) => RunPlan) | undefined
  onRecovered?: ((recovered: RecoveredEntry) => Promise<void> | void) | undefined
  events: AgentEvents
  scheduler: Scheduler
  random: () => number
  loop: LoopControl
}

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
  private reportFailures = 0
  /** Deterministic refusals per journal entry (bounded by `reportRefusalLimit`). */
  private readonly refusals = new Map<number, number>()
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
        await this.execute(entry)
        // Report only after a poll confirms the command is still current.
        return SOON
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
    this.reportFailures = 0
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

  private async execute(entry: DeliveryEntry): Promise<void> {
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
      return
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
      })
    } finally {
      loop.onRunning(undefined)
    }
    await pidWritten
    if (settled.kind === 'abandoned' || settled.kind === 'rerun') {
      // Left `running` on purpose: a later start (or pass) recovers it.
      this.runningHere.delete(entry.id)
      this.emit({
        event: 'command.interrupted',
        ...fields,
        ...settled.eventFields,
        msg: settled.message,
      })
      return
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
  }

  /** Sends the result of `entry`, whose command the poll just showed to be current. */
  private async report(entry: DeliveryEntry): Promise<StepResult> {
    const result = entry.result as StoredResult
    let attempts = entry.reportAttempts + 1
    try {
      attempts = (await this.journal.recordReportAttempt(entry.id)).reportAttempts
    } catch (error) {
      // Counted in memory: the result must still be able to reach SMS.
      if (!isJournalStoreError(error) || !error.keptInMemory) throw error
      this.noteStoreError(
        error,
        'cannot save the report attempt; sending the result anyway (the poll before it showed the command current)',
      )
    }
    const fields = {
      command: entry.command.command_name,
      task_id: entry.command.command_param.task_id,
      attempt: attempts,
      entry: entry.id,
    }
    const fitted = fitReportBody({
      command_name: entry.command.command_name,
      result: result.result,
      // Every report names its task (and what the caller adds, e.g. the host: clones show up as
      // duplicates on the SMS side), so a result can be matched to its command and machine.
      result_detail: {
        task_id: entry.command.command_param.task_id ?? null,
        ...this.settings.resultDetail,
        ...result.result_detail,
      },
    })
    if (fitted.trimmed) {
      this.emit({
        event: 'report.trimmed',
        ...fields,
        bytes: fitted.bytes,
        msg: `the result was ${fitted.originalBytes} bytes as JSON; its output was cut from the front to ${fitted.bytes} bytes so SMS takes it (limit ${REPORT_BODY_LIMIT})`,
      })
    }
    this.emit({ event: 'report.send', ...fields, result: result.result, bytes: fitted.bytes })
    try {
      const receipt = await this.options.client.reportResult(this.settings.serverId, fitted.body, {
        retry: false,
      })
      this.reportFailures = 0
      this.refusals.delete(entry.id)
      await this.keep(this.journal.markReported(entry.id, 'acknowledged'))
      this.emit({
        event: 'report.acknowledged',
        ...fields,
        result: result.result,
        status: receipt.status,
        request_id: receipt.requestId,
      })
      return SOON
    } catch (error) {
      if (isJournalStoreError(error)) throw error
      return this.reportFailed(entry, error, fields)
    }
  }

  private async reportFailed(
    entry: DeliveryEntry,
    error: unknown,
    fields: { command: string; task_id: string | undefined; attempt: number; entry: number },
  ): Promise<StepResult> {
    this.reportFailures++
    const refusals = isDeterministicRefusal(error) ? (this.refusals.get(entry.id) ?? 0) + 1 : 0
    if (refusals > 0) this.refusals.set(entry.id, refusals)
    const verdict = judgeReportFailure(error, {
      refusals,
      refusalLimit: this.settings.reportRefusalLimit,
      backoffMs: this.backoff(this.reportFailures),
      slowRetryMs: this.settings.slowRetryMs,
      requestTimeoutMs: this.settings.requestTimeoutMs,
    })
    if (verdict.action === 'reject') {
      this.refusals.delete(entry.id)
      this.reportFailures = 0
      await this.keep(this.journal.markReported(entry.id, 'rejected', verdict.why))
      if (verdict.why === 'not-current') {
        this.emit(
          {
            event: 'report.rejected',
            ...fields,
            status: 400,
            msg: 'SMS refused the result: the command is no longer current (SMS.2009)',
            error: errorFields(error),
          },
          error,
        )
      } else if (verdict.why === 'invalid') {
        this.emit({ event: 'report.invalid', ...fields, error: errorFields(error) }, error)
      } else {
        this.emit(
          {
            event: 'report.refused',
            ...fields,
            status: errorLabel(error),
            msg: `SMS refused this result ${refusals} times with a deterministic error; it is settled as rejected (kept in the journal) and delivery goes on with the next command`,
            error: errorFields(error),
          },
          error,
        )
      }
      return SOON
    }
    const requested = isSmsApiError(error) ? error.retryAfterClampedFromMs : undefined
    this.emit(
      {
        event: 'report.error',
        ...fields,
        delay: verdict.delayMs,
        ...(requested === undefined ? {} : { retry_after_requested_ms: requested }),
        status: errorLabel(error),
        msg: reportErrorAdvice(error, { delayMs: verdict.delayMs, clampedFromMs: requested }),
        error: errorFields(error),
      },
      error,
    )
    return { delayMs: verdict.delayMs, pollSoon: true }
  }

  private emit(event: EmittedAgentEvent, cause?: unknown): void {
    this.options.events.emit(event, cause === undefined ? undefined : { cause })
  }

  private backoff(failures: number): number {
    return fullJitterBackoff(failures, this.settings.backoff, this.options.random)
  }
}
