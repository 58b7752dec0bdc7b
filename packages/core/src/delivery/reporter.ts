import { isSmsApiError } from '../errors/sms-api-error.ts'
import type { EmittedAgentEvent } from '../events/emitter.ts'
import { errorFields } from '../events/error-fields.ts'
import { errorLabel, reportErrorAdvice } from './advice.ts'
import { isDeterministicRefusal, judgeReportFailure } from './delivery-rule.ts'
import type { DeliveryEntry, StoredResult } from './journal-state.ts'
import { isJournalStoreError, type JournalStoreError } from './journal-store-error.ts'
import { fitReportBody, REPORT_BODY_LIMIT } from './report-body.ts'
import { type DelivererOptions, SOON, type StepResult } from './step-types.ts'

/**
 * What {@link Reporter} needs: the deliverer's options and its helpers (its journal helpers, and
 * how it emits an event and backs off, so both classes do those one way).
 */
export interface ReporterOptions
  extends Pick<DelivererOptions, 'journal' | 'client' | 'settings' | 'scheduler'> {
  /** Awaits a write that records what already happened; a store failure is noted, not thrown. */
  keep(write: Promise<unknown>): Promise<void>
  /** Emits a store failure and keeps it for the pass; returns the backoff. */
  noteStoreError(error: JournalStoreError, msg: string): number
  /** Emits `event`, with `cause` as its error's cause. */
  emit(event: EmittedAgentEvent, cause?: unknown): void
  /** The backoff after `failures` failures in a row, in ms. */
  backoff(failures: number): number
}

/**
 * Sends results whose command a poll just showed current, and judges failed reports: bounded
 * deterministic refusals, retries of what was not processed or is ambiguous, the body fitted to
 * 10,240 bytes. Keeps the failure streak and the refusals per entry.
 *
 * @example
 * const reporter = new Reporter({ journal, client, settings, scheduler, keep, noteStoreError, emit, backoff })
 * const step = await reporter.report(entry) // SOON after an acknowledgement
 */
export class Reporter {
  private reportFailures = 0
  /** Deterministic refusals per journal entry (bounded by `reportRefusalLimit`). */
  private readonly refusals = new Map<number, number>()

  constructor(private readonly options: ReporterOptions) {}

  /** An entry was settled without a report: the failure streak starts over. */
  settled(): void {
    this.reportFailures = 0
  }

  /** Sends the result of `entry`, whose command the poll just showed to be current. */
  async report(entry: DeliveryEntry): Promise<StepResult> {
    const result = entry.result as StoredResult
    let attempts = entry.reportAttempts + 1
    try {
      attempts = (await this.options.journal.recordReportAttempt(entry.id)).reportAttempts
    } catch (error) {
      // Counted in memory: the result must still be able to reach SMS.
      if (!isJournalStoreError(error) || !error.keptInMemory) throw error
      this.options.noteStoreError(
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
        ...this.options.settings.resultDetail,
        ...result.result_detail,
      },
    })
    if (fitted.trimmed) {
      this.options.emit({
        event: 'report.trimmed',
        ...fields,
        bytes: fitted.bytes,
        msg: `the result was ${fitted.originalBytes} bytes as JSON; its output was cut from the front to ${fitted.bytes} bytes so SMS takes it (limit ${REPORT_BODY_LIMIT})`,
      })
    }
    this.options.emit({
      event: 'report.send',
      ...fields,
      result: result.result,
      bytes: fitted.bytes,
    })
    const sentAt = this.options.scheduler.now()
    try {
      const receipt = await this.options.client.reportResult(
        this.options.settings.serverId,
        fitted.body,
        {
          retry: false,
        },
      )
      this.reportFailures = 0
      this.refusals.delete(entry.id)
      await this.options.keep(this.options.journal.markReported(entry.id, 'acknowledged'))
      this.options.emit({
        event: 'report.acknowledged',
        ...fields,
        result: result.result,
        status: receipt.status,
        request_id: receipt.requestId,
        latency_ms: this.options.scheduler.now() - sentAt,
      })
      return SOON
    } catch (error) {
      if (isJournalStoreError(error)) throw error
      return this.reportFailed(entry, error, {
        ...fields,
        latency_ms: this.options.scheduler.now() - sentAt,
      })
    }
  }

  private async reportFailed(
    entry: DeliveryEntry,
    error: unknown,
    fields: {
      command: string
      task_id: string | undefined
      attempt: number
      entry: number
      latency_ms: number
    },
  ): Promise<StepResult> {
    this.reportFailures++
    const refusals = isDeterministicRefusal(error) ? (this.refusals.get(entry.id) ?? 0) + 1 : 0
    if (refusals > 0) this.refusals.set(entry.id, refusals)
    const verdict = judgeReportFailure(error, {
      refusals,
      refusalLimit: this.options.settings.reportRefusalLimit,
      backoffMs: this.options.backoff(this.reportFailures),
      slowRetryMs: this.options.settings.slowRetryMs,
      requestTimeoutMs: this.options.settings.requestTimeoutMs,
    })
    if (verdict.action === 'reject') {
      this.refusals.delete(entry.id)
      this.reportFailures = 0
      await this.options.keep(this.options.journal.markReported(entry.id, 'rejected', verdict.why))
      if (verdict.why === 'not-current') {
        this.options.emit(
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
        this.options.emit({ event: 'report.invalid', ...fields, error: errorFields(error) }, error)
      } else {
        this.options.emit(
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
    this.options.emit(
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
