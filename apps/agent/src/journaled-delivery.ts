import {
  fullJitterBackoff,
  isSmsApiError,
  type Scheduler,
  type SmsClient,
  type SmsCommand,
} from '@sms-command/core'
import type { AgentSettings, CommandRunner } from './agent.ts'
import { type Delivery, NOTHING, SOON, type StepResult } from './delivery.ts'
import {
  actOnCurrent,
  isDeterministicRefusal,
  isHeldAfterRefusal,
  judgeHandlerEnding,
  judgeReportFailure,
  settleNotCurrent,
} from './delivery-rule.ts'
import {
  commandKey,
  type DeliveryJournal,
  type JournalEntry,
  type StoredResult,
} from './durable/delivery-journal.ts'
import { isStateError } from './durable/state-error.ts'
import { chooseHandler } from './handler/choose-handler.ts'
import type { HandlerOutcome } from './handler/run-handler.ts'
import { errorFields } from './logger.ts'
import { errorLabel, reportErrorAdvice } from './observe/advice.ts'
import type { AgentEvents, EmittedAgentEvent } from './observe/agent-events.ts'
import type { LoopStatus } from './observe/agent-health.ts'
import { fitReportBody, REPORT_BODY_LIMIT } from './report-body.ts'

/** How long a handler's death by a signal waits for the agent's own stop signal to arrive. */
const SIGNAL_SETTLE_MS = 500

/** What the delivery needs from the loop that drives it. */
export interface LoopControl {
  /** True once the agent was asked to stop: no new handler is started. */
  stopping(): boolean
  /** Aborted when the shutdown grace is over: the running handler is terminated. */
  readonly terminate: AbortSignal
  /** Sleeps unless stopped; false when stopped. */
  pause(ms: number): Promise<boolean>
  /** A handler started (its command), or ended (`undefined`). */
  onHandler(handler: LoopStatus['handler']): void
}

/** Everything {@link JournaledDelivery} works with. */
export interface JournaledDeliveryOptions {
  journal: DeliveryJournal
  settings: AgentSettings
  client: SmsClient
  events: AgentEvents
  runCommand: CommandRunner
  scheduler: Scheduler
  random: () => number
  stopOrphan?: ((pid: number) => Promise<boolean>) | undefined
  loop: LoopControl
}

/** How often a command held after a refused result is named again in a warning. */
export const HELD_WARNING_INTERVAL_MS = 10 * 60_000

/**
 * Delivery with a journal: every command is journaled before it is acted on, run at most once,
 * and its result reported through the outbox under the delivery rule (`delivery-rule.ts`): a
 * report goes out only right after a poll showed its command still current.
 *
 * @example
 * const delivery = new JournaledDelivery({ journal, settings, client, events, runCommand, scheduler, random, loop })
 * const step = await delivery.step(command, true) // journals and runs it; `SOON`: verify, then report
 */
export class JournaledDelivery implements Delivery {
  readonly flushes = true
  private readonly journal: DeliveryJournal
  private readonly events: AgentEvents
  private readonly scheduler: Scheduler
  private readonly loop: LoopControl
  private reportFailures = 0
  /** Deterministic refusals per journal entry (bounded by `reportRefusalLimit`). */
  private readonly refusals = new Map<number, number>()
  private journalFailures = 0
  /** The refused entry SMS still keeps current, and when it was last named in a warning. */
  private held: { entry: number; since: number; warnedAt: number } | undefined

  constructor(private readonly options: JournaledDeliveryOptions) {
    this.journal = options.journal
    this.events = options.events
    this.scheduler = options.scheduler
    this.loop = options.loop
  }

  /** Results waiting to be reported. */
  outbox(): number {
    return this.journal.active().filter((entry) => entry.state === 'done').length
  }

  /** Deals with what a previous run left behind: handlers it was running when it died. */
  async recover(): Promise<void> {
    const recovered = await this.journal.recover(this.options.settings.interrupted)
    for (const { entry, action, handlerPid } of recovered) {
      const fields = {
        command: entry.command.command_name,
        task_id: entry.command.command_param.task_id,
      }
      if (handlerPid !== undefined && this.options.stopOrphan) {
        const stopped = await this.options.stopOrphan(handlerPid).catch(() => false)
        if (stopped) {
          this.emit({
            event: 'handler.orphan-stopped',
            ...fields,
            pid: handlerPid,
            msg: 'a handler of the previous run was still running; it was terminated',
          })
        }
      }
      if (action === 'interrupted') {
        this.emit({
          event: 'command.interrupted',
          ...fields,
          msg: 'the previous run stopped while this handler ran; reporting fail (reason interrupted), not running it again',
        })
      } else {
        this.emit({
          event: 'command.rerun',
          ...fields,
          msg: 'the previous run stopped while this handler ran; it will run once more (--interrupted rerun)',
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
      const result = await this.stepJournaled(current, allowRun)
      this.journalFailures = 0
      return result
    } catch (error) {
      if (!isStateError(error)) throw error
      this.journalFailures++
      const delay = this.backoff(this.journalFailures)
      this.emit(
        {
          event: 'journal.error',
          attempt: this.journalFailures,
          delay,
          msg: 'cannot write the journal: nothing is run or reported until it can be',
          error: errorFields(error),
        },
        error,
      )
      return { delayMs: delay, pollSoon: true }
    }
  }

  private async stepJournaled(current: SmsCommand | null, allowRun: boolean): Promise<StepResult> {
    const currentEntry = current ? this.journal.findActive(current) : undefined
    for (const entry of this.journal.active()) {
      if (entry.id !== currentEntry?.id) await this.settleNotCurrent(entry, current)
    }
    if (!current) return NOTHING
    const fields = { command: current.command_name, task_id: current.command_param.task_id }
    const permission = () => ({ allowRun, stopping: this.loop.stopping() })
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
    const now = this.scheduler.now()
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
      msg: `SMS still asks for ${current.command_name}${task ? ` (task ${task})` : ''}, whose result it refused (journal entry ${entryId}, settled rejected): the agent will not run it again, and SMS shows it pending until someone acts. Cancel or re-issue the command in SMS (the report.refused error says what SMS objected to)`,
    })
  }

  private async settleNotCurrent(entry: JournalEntry, current: SmsCommand | null): Promise<void> {
    const decision = settleNotCurrent(entry)
    if (decision.action === 'keep') return
    const fields = {
      command: entry.command.command_name,
      task_id: entry.command.command_param.task_id,
      entry: entry.id,
      now_current: current ? current.command_name : null,
    }
    await this.journal.markReported(entry.id, decision.outcome)
    if (decision.action === 'drop-unstarted') {
      this.emit({
        event: 'command.superseded',
        ...fields,
        msg: 'SMS no longer asks for this command; it was never started and will not be',
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
        msg: 'SMS moved on before the result could be reported; it is kept in the journal only',
      })
    }
  }

  private async execute(entry: JournalEntry): Promise<void> {
    const { command } = entry
    const fields = { command: command.command_name, task_id: command.command_param.task_id }
    const choice = chooseHandler(command.command_name, this.options.settings.handlers)
    if ('reason' in choice) {
      const result: StoredResult = {
        result: 'fail',
        result_detail: { reason: choice.reason, message: choice.message },
      }
      await this.journal.markDone(entry.id, result)
      this.emit({
        event: 'command.rejected',
        ...fields,
        reason: choice.reason,
        msg: choice.message,
      })
      return
    }
    // Marked as running before the journal write, so a stop arriving meanwhile grants the grace.
    this.loop.onHandler({
      command: command.command_name,
      task_id: command.command_param.task_id ?? '',
      startedAt: this.scheduler.now(),
    })
    let pidWritten: Promise<unknown> = Promise.resolve()
    let outcome: HandlerOutcome
    try {
      await this.journal.markRunning(entry.id, choice.path)
      this.emit({ event: 'command.start', ...fields, handler: choice.path, entry: entry.id })
      outcome = await this.options.runCommand({
        handler: choice.path,
        command,
        signal: this.loop.terminate,
        onSpawn: (pid) => {
          pidWritten = this.journal.setHandlerPid(entry.id, pid).catch((error: unknown) => {
            this.emit(
              {
                event: 'journal.error',
                ...fields,
                msg: 'could not journal the handler pid',
                error: errorFields(error),
              },
              error,
            )
          })
        },
      })
    } finally {
      this.loop.onHandler(undefined)
    }
    await pidWritten
    if (outcome.detail.reason === 'signal' && !this.loop.stopping()) {
      // A service manager signals the handler and the agent in the same instant, in no order:
      // give the agent's own signal a moment to arrive before judging the handler's death.
      await this.loop.pause(SIGNAL_SETTLE_MS)
    }
    const ending = judgeHandlerEnding(outcome.detail, {
      stopping: this.loop.stopping(),
      interrupted: this.options.settings.interrupted,
      runs: entry.runs + 1,
    })
    if (ending.action === 'rerun-next-start') {
      // Left `running` on purpose: the next start's recovery runs it once more.
      this.emit({
        event: 'command.interrupted',
        ...fields,
        signal: outcome.detail.signal ?? undefined,
        msg: `the handler was killed by ${outcome.detail.signal} while the agent was stopping (a signal the agent did not send, e.g. systemd KillMode=control-group); it runs once more at the next start (--interrupted rerun)`,
      })
      return
    }
    if (ending.action === 'record-interrupted') {
      outcome = {
        result: 'fail',
        detail: {
          ...outcome.detail,
          reason: 'interrupted',
          message: `the handler was killed by ${outcome.detail.signal} while the agent was stopping (a signal the agent did not send, e.g. systemd KillMode=control-group); not run again (--interrupted fail)`,
        },
      }
    }
    const detail = outcome.detail
    await this.persistDone(entry.id, {
      result: outcome.result,
      result_detail: { ...detail },
    })
    this.emit({
      event: 'command.finish',
      ...fields,
      result: outcome.result,
      reason: detail.reason,
      exit_code: detail.exit_code,
      signal: detail.signal,
      duration_ms: detail.duration_ms,
      ...(detail.message ? { msg: detail.message } : {}),
    })
  }

  /** The handler ran: its result must reach the journal, so retry the write until it does. */
  private async persistDone(id: number, result: StoredResult): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.journal.markDone(id, result)
        return
      } catch (error) {
        if (!isStateError(error)) throw error
        const delay = this.backoff(attempt)
        this.emit(
          {
            event: 'journal.error',
            attempt,
            delay,
            msg: 'cannot journal a finished handler; retrying (if the agent dies now, the command is reported interrupted)',
            error: errorFields(error),
          },
          error,
        )
        await this.scheduler.sleep(delay)
      }
    }
  }

  /** Sends the result of `entry`, whose command the poll just showed to be current. */
  private async report(entry: JournalEntry): Promise<StepResult> {
    const result = entry.result as StoredResult
    const counted = await this.journal.recordReportAttempt(entry.id)
    const fields = {
      command: entry.command.command_name,
      task_id: entry.command.command_param.task_id,
      attempt: counted.reportAttempts,
      entry: entry.id,
    }
    const fitted = fitReportBody({
      command_name: entry.command.command_name,
      result: result.result,
      // Every report names its task (and host: clones show up as duplicates on the SMS side), so
      // a result can be matched to its command and machine in SMS.
      result_detail: {
        task_id: entry.command.command_param.task_id ?? null,
        ...(this.options.settings.host !== undefined ? { host: this.options.settings.host } : {}),
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
      const receipt = await this.options.client.reportResult(
        this.options.settings.serverId,
        fitted.body,
        {
          retry: false,
        },
      )
      await this.journal.markReported(entry.id, 'acknowledged')
      this.reportFailures = 0
      this.refusals.delete(entry.id)
      this.emit({
        event: 'report.acknowledged',
        ...fields,
        result: result.result,
        status: receipt.status,
        request_id: receipt.requestId,
      })
      return SOON
    } catch (error) {
      if (isStateError(error)) throw error
      this.reportFailures++
      const refusals = isDeterministicRefusal(error) ? (this.refusals.get(entry.id) ?? 0) + 1 : 0
      if (refusals > 0) this.refusals.set(entry.id, refusals)
      const verdict = judgeReportFailure(error, {
        refusals,
        refusalLimit: this.options.settings.reportRefusalLimit,
        backoffMs: this.backoff(this.reportFailures),
        slowRetryMs: this.options.settings.slowRetryMs,
        requestTimeoutMs: this.options.settings.requestTimeoutMs,
      })
      if (verdict.action === 'reject') {
        await this.journal.markReported(entry.id, 'rejected', verdict.why)
        this.refusals.delete(entry.id)
        this.reportFailures = 0
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
              msg: `SMS refused this result ${refusals} times with a deterministic error; it is settled as rejected (kept in the journal) and the agent goes on with the next command`,
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
  }

  private emit(event: EmittedAgentEvent, cause?: unknown): void {
    this.events.emit(event, cause === undefined ? undefined : { cause })
  }

  private backoff(failures: number): number {
    const { backoffBaseMs, backoffMaxMs } = this.options.settings
    return fullJitterBackoff(
      failures,
      { baseDelayMs: backoffBaseMs, maxDelayMs: backoffMaxMs },
      this.options.random,
    )
  }
}
