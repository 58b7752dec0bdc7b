import { type PollAdvice, pollErrorAdvice } from '@sms-command/core/delivery'
import type { EmitContext, EmittedAgentEvent } from '@sms-command/core/events'
import type { AgentMetrics } from './metrics.ts'
import { type HealthReport, healthReport } from './status-server.ts'

/** What the loop itself knows and `/healthz` shows: where it stands, its running handler, its outbox. */
export interface LoopStatus {
  state: 'starting' | 'polling' | 'handling' | 'stopping' | 'stopped'
  startedAt: number
  handler: { command: string; task_id: string; startedAt: number } | undefined
  /** Results waiting to be reported. */
  outbox: number
}

/** What {@link AgentHealth} learned from the events. */
export interface HealthSnapshot {
  lastPollAt: number | undefined
  lastSuccessfulPollAt: number | undefined
  consecutiveErrors: number
  backoffMs: number
  /** Results settled `rejected` since start (SMS refused them), and the last one's entry id. */
  rejectedReports: { count: number; last: number | undefined }
  /**
   * A command SMS still keeps current although it refused its result for good (settled
   * `rejected`): the migration waits for a person. Cleared when SMS moves on.
   */
  heldReport:
    | { command: string; taskId: string | undefined; entry: unknown; since: string; msg: string }
    | undefined
  /** The last poll's failure while polls fail (cleared by a successful poll). */
  lastError: (PollAdvice & { status: string; at: number }) | undefined
  /** The running command's handler that can't be started yet, and why (cleared when it ends). */
  handlerStart: HandlerStartProblem | undefined
  /** Why the status server could not listen, the last time it failed. */
  statusUnavailable: { attempts: number; msg: string; at: number } | undefined
}

/** What `/healthz` says about a handler whose start is being retried. */
export interface HandlerStartProblem {
  command: string
  handler: string
  problem: string
  msg: string
  attempt: number
  retryAt: number
  giveUpAt: string | undefined
}

/**
 * The metrics and `/healthz` state as a subscriber of the agent's events: counts polls, commands
 * and reports into {@link AgentMetrics} and keeps what `/healthz` tells about them.
 *
 * @example
 * const health = new AgentHealth(metrics)
 * events.subscribe(health.observe)
 * health.report({ now, loop: agent.status(), maxAgeMs }).ok
 */
export class AgentHealth {
  private lastPollAt: number | undefined
  private consecutiveErrors = 0
  private rejected: HealthSnapshot['rejectedReports'] = { count: 0, last: undefined }
  private lastError: HealthSnapshot['lastError']
  private heldReport: HealthSnapshot['heldReport']
  private handlerStart: HealthSnapshot['handlerStart']
  private statusUnavailable: HealthSnapshot['statusUnavailable']

  constructor(readonly metrics: AgentMetrics) {}

  /** The listener to subscribe. */
  readonly observe = (event: EmittedAgentEvent, context: EmitContext): void => {
    const metrics = this.metrics
    switch (event.event) {
      case 'poll.error': {
        const status = String(event.status)
        this.lastPollAt = context.at
        this.consecutiveErrors = event.attempt ?? this.consecutiveErrors + 1
        metrics.backoffMs = event.delay ?? 0
        metrics.countPoll('error', status)
        // The advice is in the event; only a held-back login's retry time is in its cause.
        const retryAt = pollErrorAdvice(context.cause).retryAt
        this.lastError = {
          service: event.service === 'iam' ? 'iam' : 'sms',
          ...(event.check ? { check: event.check } : {}),
          msg: event.msg ?? '',
          ...(retryAt !== undefined ? { retryAt } : {}),
          status,
          at: context.at,
        }
        return
      }
      case 'report.held':
        this.heldReport = {
          command: event.command ?? '',
          taskId: event.task_id,
          entry: event.entry,
          since: event.held_since ?? new Date(context.at).toISOString(),
          msg: event.msg ?? '',
        }
        return
      case 'poll.idle':
      case 'poll.command':
        // SMS moved on from the held command (nothing pending, or another command).
        if (
          event.event === 'poll.idle' ||
          (this.heldReport &&
            (event.command !== this.heldReport.command || event.task_id !== this.heldReport.taskId))
        ) {
          this.heldReport = undefined
        }
        this.lastPollAt = context.at
        this.lastError = undefined
        this.consecutiveErrors = 0
        metrics.backoffMs = 0
        metrics.lastSuccessfulPollAt = context.at
        metrics.countPoll(event.event === 'poll.idle' ? 'idle' : 'command')
        return
      case 'command.finish':
        this.handlerStart = undefined
        metrics.countCommand(event.command ?? '', event.result)
        return
      case 'handler.start-deferred':
        metrics.countStartDeferred(event.problem)
        this.handlerStart = {
          command: event.command ?? '',
          handler: event.handler,
          problem: event.problem,
          msg: event.msg ?? '',
          attempt: event.attempt ?? 1,
          retryAt: context.at + (event.delay ?? 0),
          giveUpAt: event.give_up_at,
        }
        return
      case 'status.unavailable':
        metrics.statusUnavailable++
        this.statusUnavailable = {
          attempts: event.attempt ?? metrics.statusUnavailable,
          msg: event.msg ?? '',
          at: context.at,
        }
        return
      case 'log.stream-closed':
        metrics.closedOutputs.add(event.stream)
        return
      case 'command.rejected':
        metrics.countCommand(event.command ?? '', 'fail')
        return
      case 'command.interrupted':
        // Found at recovery (no signal): settled `fail`. Killed just now (its signal): it runs
        // once more at the next start and is counted when that run finishes.
        if (event.signal === undefined) metrics.countCommand(event.command ?? '', 'fail')
        return
      case 'command.superseded':
      case 'report.superseded':
        metrics.countReport('superseded')
        return
      case 'report.presumed-recorded':
        metrics.countReport('presumed-recorded')
        return
      case 'report.acknowledged':
        metrics.countReport('acknowledged')
        return
      case 'report.rejected':
      case 'report.invalid':
      case 'report.refused':
        metrics.countReport('rejected')
        this.rejected = {
          count: this.rejected.count + 1,
          last: typeof event.entry === 'number' ? event.entry : undefined,
        }
        return
      case 'report.error':
        metrics.countReportError(String(event.status))
        metrics.backoffMs = event.delay ?? 0
        return
      case 'journal.error':
        if (event.delay !== undefined) metrics.backoffMs = event.delay
        return
      default:
        return
    }
  }

  /** What the events said so far. */
  snapshot(): HealthSnapshot {
    return {
      lastPollAt: this.lastPollAt,
      lastSuccessfulPollAt: this.metrics.lastSuccessfulPollAt,
      consecutiveErrors: this.consecutiveErrors,
      backoffMs: this.metrics.backoffMs,
      rejectedReports: { ...this.rejected },
      lastError: this.lastError,
      heldReport: this.heldReport,
      handlerStart: this.handlerStart,
      statusUnavailable: this.statusUnavailable,
    }
  }

  /**
   * The `/healthz` answer: healthy while a handler runs or the last successful poll is younger
   * than `maxAgeMs`, with the loop's state, errors, backoff, outbox, rejections and clock offset.
   */
  report(inputs: { now: number; loop: LoopStatus; maxAgeMs: number }): HealthReport {
    const { loop } = inputs
    const seen = this.snapshot()
    const lastError = seen.lastError
    const held = seen.heldReport
    const report = healthReport({
      now: inputs.now,
      state: loop.state,
      lastSuccessfulPollAt: seen.lastSuccessfulPollAt,
      handlerRunning: loop.handler !== undefined,
      maxAgeMs: inputs.maxAgeMs,
      extra: {
        consecutive_errors: seen.consecutiveErrors,
        backoff_ms: seen.backoffMs,
        outbox: loop.outbox,
        handler: loop.handler ?? null,
        rejected_reports: seen.rejectedReports.count,
        last_rejected_entry: seen.rejectedReports.last ?? null,
        clock_offset_ms: this.metrics.clockOffsetMs ?? null,
        last_error: lastError
          ? {
              service: lastError.service,
              status: lastError.status,
              check: lastError.check ?? null,
              msg: lastError.msg,
              at: new Date(lastError.at).toISOString(),
              ...(lastError.retryAt !== undefined
                ? { retry_at: new Date(lastError.retryAt).toISOString() }
                : {}),
            }
          : null,
        held_report: held
          ? {
              command: held.command,
              task_id: held.taskId ?? null,
              entry: held.entry ?? null,
              since: held.since,
              msg: held.msg,
            }
          : null,
        handler_start: seen.handlerStart
          ? {
              command: seen.handlerStart.command,
              handler: seen.handlerStart.handler,
              problem: seen.handlerStart.problem,
              msg: seen.handlerStart.msg,
              attempt: seen.handlerStart.attempt,
              retry_at: new Date(seen.handlerStart.retryAt).toISOString(),
              give_up_at: seen.handlerStart.giveUpAt ?? null,
            }
          : null,
        status_server_failures: seen.statusUnavailable
          ? {
              attempts: seen.statusUnavailable.attempts,
              msg: seen.statusUnavailable.msg,
              at: new Date(seen.statusUnavailable.at).toISOString(),
            }
          : null,
        output_closed: [...this.metrics.closedOutputs].sort(),
      },
    })
    // Polls work, so the agent is alive (200, no restart: it can't help), but SMS waits for a
    // person: `degraded` makes that visible to whoever reads the status.
    if ((held || seen.handlerStart) && report.body.status === 'ok') report.body.status = 'degraded'
    return report
  }

  /** Lets `/metrics` read the loop's gauges (outbox, running handler) when it renders. */
  watchLoop(loop: () => LoopStatus): void {
    this.metrics.sampleGauges = () => {
      const status = loop()
      this.metrics.outboxSize = status.outbox
      this.metrics.handlerRunning = status.handler !== undefined
    }
  }
}
