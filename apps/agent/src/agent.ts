import {
  fullJitterBackoff,
  isSmsInputError,
  type PollErrorEvent,
  type PollEvent,
  pollCommands,
  type Scheduler,
  type SmsClient,
  type SmsCommand,
} from '@sms-command/core'
import type { HandlerPaths } from './config/load-config.ts'
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
import { chooseHandler, dryRunPlan } from './handler/choose-handler.ts'
import type { HandlerOutcome } from './handler/run-handler.ts'
import { errorFields, type Logger } from './logger.ts'
import {
  errorLabel,
  type PollAdvice,
  pollErrorAdvice,
  reportErrorAdvice,
} from './observe/advice.ts'
import type { AgentMetrics } from './observe/metrics.ts'
import { fitReportBody, REPORT_BODY_LIMIT } from './report-body.ts'

/** What the agent asks of whoever runs handlers (a real process runner, or a test double). */
export interface RunRequest {
  handler: string
  command: SmsCommand
  /** Aborted when the shutdown grace has run out: terminate the handler. */
  signal: AbortSignal
  /** To be called with the handler's pid once it exists. */
  onSpawn: (pid: number) => void
}

/** Runs one handler to completion; never rejects. */
export type CommandRunner = (request: RunRequest) => Promise<HandlerOutcome>

/** The settings the agent's loop needs (a subset of `AgentConfig`). */
export interface AgentSettings {
  serverId: string
  intervalMs: number
  firstPollJitterMs: number
  backoffBaseMs: number
  backoffMaxMs: number
  slowRetryMs: number
  requestTimeoutMs: number
  shutdownGraceMs: number
  handlers: HandlerPaths
  interrupted: 'fail' | 'rerun'
  dryRun: boolean
  /**
   * Deterministic refusals of one result (a 4xx that is neither a refreshable 401 nor a 429)
   * before it is settled `rejected`.
   */
  reportRefusalLimit: number
  /** This machine's host name, put in every `result_detail` (`undefined`: not known). */
  host?: string | undefined
}

/** Everything {@link Agent} works with, injected. */
export interface AgentDependencies {
  settings: AgentSettings
  client: SmsClient
  /** `null` only in dry-run without a state directory. */
  journal: DeliveryJournal | null
  logger: Logger
  metrics: AgentMetrics
  runCommand: CommandRunner
  scheduler: Scheduler
  random?: () => number
  /**
   * Stops a handler a previous run left behind (its pid was journaled and it may still run).
   * Resolves true when something was there to stop.
   */
  stopOrphan?: (pid: number) => Promise<boolean>
}

/** Where the agent stands, for `/healthz`. */
export interface AgentStatus {
  state: 'starting' | 'polling' | 'handling' | 'stopping' | 'stopped'
  startedAt: number
  lastPollAt: number | undefined
  lastSuccessfulPollAt: number | undefined
  consecutiveErrors: number
  backoffMs: number
  outbox: number
  handler: { command: string; task_id: string; startedAt: number } | undefined
  /** Results settled `rejected` since start (SMS refused them), and the last one's entry id. */
  rejectedReports: { count: number; last: number | undefined }
  /** The last poll's failure while polls fail (cleared by a successful poll). */
  lastError: (PollAdvice & { status: string; at: number }) | undefined
}

/** What one step over the current command decided about the next request. */
interface StepResult {
  /** Wait this long before polling again (a failed report backs off). */
  delayMs: number
  /** Poll again without the usual interval (to verify before reporting, or to fetch the next). */
  pollSoon: boolean
}

/** How long a handler's death by a signal waits for the agent's own stop signal to arrive. */
const SIGNAL_SETTLE_MS = 500

const NOTHING: StepResult = { delayMs: 0, pollSoon: false }
const SOON: StepResult = { delayMs: 0, pollSoon: true }

/** Exit codes of the agent (documented in the README and `--help`). */
export const EXIT = {
  ok: 0,
  internal: 1,
  config: 2,
  state: 3,
  oncePollFailed: 4,
  onceOutboxLeft: 5,
} as const

/**
 * The agent's loop. Polls SMS through core's `pollCommands`, journals every delivery before acting
 * on it, runs one handler at a time, and reports each result through a durable outbox.
 *
 * Reports follow one rule, which makes re-sending safe under API.md §2 (a result names only
 * `command_name`, and SMS clears the current command when it records one): **a report is sent only
 * right after a poll showed that its command is still the current one.** A poll that shows another
 * command, or none, settles the entry instead: if a report was ever sent its answer was lost and
 * SMS recorded it (`presumed-recorded`); if none was sent, SMS moved on without it (`superseded`).
 * So a re-sent report can never clear a different command that shares the name.
 *
 * @example
 * const agent = new Agent({ settings, client, journal, logger, metrics, runCommand, scheduler })
 * process.on('SIGTERM', () => agent.stop('SIGTERM'))
 * const exitCode = await agent.run()
 */
export class Agent {
  private readonly settings: AgentSettings
  private readonly client: SmsClient
  private readonly journal: DeliveryJournal | null
  private readonly logger: Logger
  private readonly metrics: AgentMetrics
  private readonly runCommand: CommandRunner
  private readonly scheduler: Scheduler
  private readonly random: () => number
  private readonly stopOrphan: ((pid: number) => Promise<boolean>) | undefined
  /** Aborted on the first stop request: no new poll, no new handler. */
  private readonly stopPolling = new AbortController()
  /** Aborted when the shutdown grace is over: the running handler is terminated. */
  private readonly terminateHandler = new AbortController()
  private readonly seenInDryRun = new Set<string>()
  private reportFailures = 0
  /** Deterministic refusals per journal entry (bounded by `reportRefusalLimit`). */
  private readonly refusals = new Map<number, number>()
  /** Results SMS refused for good, for `/healthz`. */
  private rejected: { count: number; last: number | undefined } = { count: 0, last: undefined }
  private lastError: AgentStatus['lastError']
  private journalFailures = 0
  private state: AgentStatus['state'] = 'starting'
  private lastPollAt: number | undefined
  private consecutiveErrors = 0
  private running: AgentStatus['handler']
  private readonly startedAt: number

  constructor(dependencies: AgentDependencies) {
    this.settings = dependencies.settings
    this.client = dependencies.client
    this.journal = dependencies.journal
    this.logger = dependencies.logger
    this.metrics = dependencies.metrics
    this.runCommand = dependencies.runCommand
    this.scheduler = dependencies.scheduler
    this.random = dependencies.random ?? Math.random
    this.stopOrphan = dependencies.stopOrphan
    this.startedAt = this.scheduler.now()
  }

  /** True once {@link stop} was called. */
  get stopping(): boolean {
    return this.stopPolling.signal.aborted
  }

  /** A snapshot for `/healthz`. */
  status(): AgentStatus {
    return {
      state: this.state,
      startedAt: this.startedAt,
      lastPollAt: this.lastPollAt,
      lastSuccessfulPollAt: this.metrics.lastSuccessfulPollAt,
      consecutiveErrors: this.consecutiveErrors,
      backoffMs: this.metrics.backoffMs,
      outbox: this.metrics.outboxSize,
      handler: this.running,
      rejectedReports: { ...this.rejected },
      lastError: this.lastError,
    }
  }

  /**
   * Asks the agent to stop: no further poll or handler; a running handler gets the shutdown
   * grace, then is terminated and journaled as interrupted; the outbox is flushed. Idempotent.
   */
  stop(reason: string): void {
    if (this.stopping) return
    this.state = 'stopping'
    this.logger.info('agent.stopping', {
      reason,
      msg: this.running
        ? `stopping; the running handler gets ${this.settings.shutdownGraceMs} ms to finish`
        : 'stopping',
      ...(this.running ? { delay: this.settings.shutdownGraceMs } : {}),
    })
    this.stopPolling.abort(new Error(`stopped: ${reason}`))
    if (this.running) {
      this.scheduler.sleep(this.settings.shutdownGraceMs, this.terminateHandler.signal).then(
        () => {
          if (!this.running) return
          this.logger.warn('handler.terminating', {
            command: this.running.command,
            task_id: this.running.task_id,
            msg: 'the shutdown grace ran out: terminating the handler',
          })
          this.terminateHandler.abort()
        },
        () => {},
      )
    } else {
      this.terminateHandler.abort()
    }
  }

  /**
   * Runs until {@link stop}: recovers the journal, polls, handles, reports, then flushes the
   * outbox. Resolves with the exit code.
   */
  async run(): Promise<number> {
    await this.recover()
    this.state = 'polling'
    const poller = pollCommands(this.client, this.settings.serverId, {
      intervalMs: this.settings.intervalMs,
      firstPollJitterMs: this.settings.firstPollJitterMs,
      backoff: { baseDelayMs: this.settings.backoffBaseMs, maxDelayMs: this.settings.backoffMaxMs },
      slowRetryDelayMs: this.settings.slowRetryMs,
      requestRetry: false,
      signal: this.stopPolling.signal,
      scheduler: this.scheduler,
      random: this.random,
    })
    for await (const event of poller) {
      this.observePoll(event)
      if (event.type === 'error') continue
      const step = await this.step(event.type === 'command' ? event.command : null, true)
      if (this.stopping) break
      if (step.delayMs > 0) {
        this.metrics.backoffMs = step.delayMs
        const slept = await this.pause(step.delayMs)
        this.metrics.backoffMs = 0
        if (!slept) break
        poller.wake()
      } else if (step.pollSoon) {
        poller.wake()
      }
    }
    await poller.return?.(undefined)
    await this.flush()
    this.state = 'stopped'
    return EXIT.ok
  }

  /**
   * `--once`: one poll, the command it brings handled and reported (with a few verification polls
   * and retries), then the exit code: 0 done, 4 SMS could not be polled, 5 a result is still in
   * the outbox.
   */
  async runOnce(): Promise<number> {
    await this.recover()
    this.state = 'polling'
    const first = await this.pollOnce(3)
    if (first === 'failed') return EXIT.oncePollFailed
    if (first === 'stopped') return EXIT.ok
    let step = await this.step(first, true)
    for (let round = 0; round < 5 && this.outboxEntries().length > 0 && !this.stopping; round++) {
      if (step.delayMs > 0 && !(await this.pause(step.delayMs))) break
      const current = await this.pollOnce(2)
      if (current === 'stopped') break
      if (current === 'failed') {
        step = { delayMs: this.backoff(round + 1), pollSoon: true }
        continue
      }
      step = await this.step(current, false)
    }
    if (this.stopping) await this.flush()
    this.state = 'stopped'
    const left = this.outboxEntries().length
    if (left > 0) {
      this.logger.warn('outbox.pending', {
        outbox: left,
        msg: `${left} result(s) not yet acknowledged; they stay in the journal and go out on the next run`,
      })
      return EXIT.onceOutboxLeft
    }
    return EXIT.ok
  }

  // -------------------------------------------------------------------------------------------

  /** Polls once outside the loop (for `--once` and the final flush). */
  private async pollOnce(
    attempts: number,
    signal: AbortSignal = this.stopPolling.signal,
  ): Promise<SmsCommand | null | 'failed' | 'stopped'> {
    const started = this.scheduler.now()
    try {
      const command = await this.client.getCommand(this.settings.serverId, {
        signal,
        retry: {
          attempts,
          baseDelayMs: this.settings.backoffBaseMs,
          maxDelayMs: this.settings.backoffMaxMs,
          maxRetryAfterMs: this.settings.backoffMaxMs,
        },
      })
      const at = this.scheduler.now()
      this.observePoll(
        command
          ? {
              type: 'command',
              command,
              serverId: this.settings.serverId,
              at,
              latencyMs: at - started,
              sequence: 0,
              nextDelayMs: 0,
            }
          : {
              type: 'idle',
              serverId: this.settings.serverId,
              at,
              latencyMs: at - started,
              sequence: 0,
              nextDelayMs: 0,
            },
      )
      return command
    } catch (error) {
      if (signal.aborted) return 'stopped'
      if (isSmsInputError(error)) throw error
      const at = this.scheduler.now()
      this.observePoll({
        type: 'error',
        serverId: this.settings.serverId,
        at,
        latencyMs: at - started,
        sequence: 0,
        nextDelayMs: 0,
        consecutiveErrors: this.consecutiveErrors + 1,
        error: error as PollErrorEvent['error'],
      })
      return 'failed'
    }
  }

  private observePoll(event: PollEvent) {
    this.lastPollAt = event.at
    if (event.type === 'error') {
      this.consecutiveErrors = event.consecutiveErrors
      this.metrics.backoffMs = event.nextDelayMs
      const status = errorLabel(event.error)
      this.metrics.countPoll('error', status)
      const advice = pollErrorAdvice(event.error)
      this.lastError = { ...advice, status, at: event.at }
      this.logger.warn('poll.error', {
        attempt: event.consecutiveErrors,
        delay: event.nextDelayMs,
        status,
        latency_ms: event.latencyMs,
        service: advice.service,
        ...(advice.check ? { check: advice.check } : {}),
        msg: advice.msg,
        error: errorFields(event.error),
      })
      return
    }
    this.lastError = undefined
    if (this.consecutiveErrors > 0) {
      this.logger.info('poll.recovered', {
        attempt: this.consecutiveErrors,
        msg: `SMS answered again after ${this.consecutiveErrors} failed poll(s)`,
      })
    }
    this.consecutiveErrors = 0
    this.metrics.backoffMs = 0
    this.metrics.lastSuccessfulPollAt = event.at
    this.metrics.countPoll(event.type)
    if (event.type === 'idle') {
      this.logger.debug('poll.idle', { latency_ms: event.latencyMs, delay: event.nextDelayMs })
    } else {
      this.logger.debug('poll.command', {
        command: event.command.command_name,
        task_id: event.command.command_param.task_id,
        latency_ms: event.latencyMs,
      })
    }
  }

  /** Sleeps unless stopped; false when stopped. */
  private async pause(ms: number, signal = this.stopPolling.signal): Promise<boolean> {
    try {
      await this.scheduler.sleep(ms, signal)
      return true
    } catch {
      return false
    }
  }

  private backoff(failures: number): number {
    return fullJitterBackoff(
      failures,
      { baseDelayMs: this.settings.backoffBaseMs, maxDelayMs: this.settings.backoffMaxMs },
      this.random,
    )
  }

  private outboxEntries(): JournalEntry[] {
    return this.journal?.active().filter((entry) => entry.state === 'done') ?? []
  }

  private updateOutboxGauge() {
    this.metrics.outboxSize = this.outboxEntries().length
  }

  /** Deals with what a previous run left behind: handlers it was running when it died. */
  private async recover() {
    if (!this.journal || this.settings.dryRun) return
    const recovered = await this.journal.recover(this.settings.interrupted)
    for (const { entry, action, handlerPid } of recovered) {
      const fields = {
        command: entry.command.command_name,
        task_id: entry.command.command_param.task_id,
      }
      if (handlerPid !== undefined && this.stopOrphan) {
        const stopped = await this.stopOrphan(handlerPid).catch(() => false)
        if (stopped) {
          this.logger.warn('handler.orphan-stopped', {
            ...fields,
            pid: handlerPid,
            msg: 'a handler of the previous run was still running; it was terminated',
          })
        }
      }
      if (action === 'interrupted') {
        this.metrics.countCommand(entry.command.command_name, 'fail')
        this.logger.warn('command.interrupted', {
          ...fields,
          msg: 'the previous run stopped while this handler ran; reporting fail (reason interrupted), not running it again',
        })
      } else {
        this.logger.warn('command.rerun', {
          ...fields,
          msg: 'the previous run stopped while this handler ran; it will run once more (--interrupted rerun)',
        })
      }
    }
    const pending = this.journal.active()
    if (pending.length > 0) {
      this.logger.info('journal.recovered', {
        outbox: pending.filter((entry) => entry.state === 'done').length,
        received: pending.filter((entry) => entry.state === 'received').length,
        msg: 'unfinished entries from a previous run are settled at the next poll',
      })
    }
    this.updateOutboxGauge()
  }

  /**
   * One step over what SMS says is current (`null`: nothing). Settles entries that are no longer
   * current, then journals/runs/reports the current command as its entry's state requires.
   */
  private async step(current: SmsCommand | null, allowRun: boolean): Promise<StepResult> {
    if (this.settings.dryRun || !this.journal) {
      this.dryRun(current)
      return NOTHING
    }
    try {
      const result = await this.stepJournaled(this.journal, current, allowRun)
      this.journalFailures = 0
      return result
    } catch (error) {
      if (!isStateError(error)) throw error
      this.journalFailures++
      const delay = this.backoff(this.journalFailures)
      this.logger.error('journal.error', {
        attempt: this.journalFailures,
        delay,
        msg: 'cannot write the journal: nothing is run or reported until it can be',
        error: errorFields(error),
      })
      return { delayMs: delay, pollSoon: true }
    } finally {
      this.updateOutboxGauge()
    }
  }

  private async stepJournaled(
    journal: DeliveryJournal,
    current: SmsCommand | null,
    allowRun: boolean,
  ): Promise<StepResult> {
    const currentEntry = current ? journal.findActive(current) : undefined
    for (const entry of journal.active()) {
      if (entry.id !== currentEntry?.id) await this.settleNotCurrent(journal, entry, current)
    }
    if (!current) return NOTHING
    const fields = { command: current.command_name, task_id: current.command_param.task_id }
    const permission = () => ({ allowRun, stopping: this.stopping })
    let entry = currentEntry
    if (!entry && isHeldAfterRefusal(journal.latest(), commandKey(current), commandKey)) {
      // SMS refused this result for good and still waits for it: never run it a second time.
      return NOTHING
    }
    if (actOnCurrent(entry, permission()) === 'receive') {
      const earlier = journal.findReported(current)
      entry = await journal.receive(current)
      this.logger.info('command.received', {
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
        await this.execute(journal, entry)
        // Report only after a poll confirms the command is still current.
        return SOON
      case 'report':
        return this.report(journal, entry)
      default:
        // `running` entries exist only while this process runs them (recover() settles the rest).
        return NOTHING
    }
  }

  private async settleNotCurrent(
    journal: DeliveryJournal,
    entry: JournalEntry,
    current: SmsCommand | null,
  ): Promise<void> {
    const decision = settleNotCurrent(entry)
    if (decision.action === 'keep') return
    const fields = {
      command: entry.command.command_name,
      task_id: entry.command.command_param.task_id,
      entry: entry.id,
      now_current: current ? current.command_name : null,
    }
    await journal.markReported(entry.id, decision.outcome)
    this.metrics.countReport(decision.outcome)
    if (decision.action === 'drop-unstarted') {
      this.logger.warn('command.superseded', {
        ...fields,
        msg: 'SMS no longer asks for this command; it was never started and will not be',
      })
      return
    }
    this.reportFailures = 0
    if (decision.outcome === 'presumed-recorded') {
      this.logger.info('report.presumed-recorded', {
        ...fields,
        attempt: entry.reportAttempts,
        msg: 'the answer to our report was lost, but SMS has moved on: it recorded the result',
      })
    } else {
      this.logger.warn('report.superseded', {
        ...fields,
        result: entry.result?.result,
        msg: 'SMS moved on before the result could be reported; it is kept in the journal only',
      })
    }
  }

  private async execute(journal: DeliveryJournal, entry: JournalEntry): Promise<void> {
    const { command } = entry
    const fields = { command: command.command_name, task_id: command.command_param.task_id }
    const choice = chooseHandler(command.command_name, this.settings.handlers)
    if ('reason' in choice) {
      const result: StoredResult = {
        result: 'fail',
        result_detail: { reason: choice.reason, message: choice.message },
      }
      await journal.markDone(entry.id, result)
      this.metrics.countCommand(command.command_name, 'fail')
      this.logger.warn('command.rejected', {
        ...fields,
        reason: choice.reason,
        msg: choice.message,
      })
      return
    }
    // Marked as running before the journal write, so a stop arriving meanwhile grants the grace.
    this.running = {
      command: command.command_name,
      task_id: command.command_param.task_id ?? '',
      startedAt: this.scheduler.now(),
    }
    this.metrics.handlerRunning = true
    this.state = 'handling'
    let pidWritten: Promise<unknown> = Promise.resolve()
    let outcome: HandlerOutcome
    try {
      await journal.markRunning(entry.id, choice.path)
      this.logger.info('command.start', { ...fields, handler: choice.path, entry: entry.id })
      outcome = await this.runCommand({
        handler: choice.path,
        command,
        signal: this.terminateHandler.signal,
        onSpawn: (pid) => {
          pidWritten = journal.setHandlerPid(entry.id, pid).catch((error: unknown) => {
            this.logger.warn('journal.error', {
              ...fields,
              msg: 'could not journal the handler pid',
              error: errorFields(error),
            })
          })
        },
      })
    } finally {
      this.running = undefined
      this.metrics.handlerRunning = false
      if (this.state === 'handling') this.state = 'polling'
    }
    await pidWritten
    if (outcome.detail.reason === 'signal' && !this.stopping) {
      // A service manager signals the handler and the agent in the same instant, in no order:
      // give the agent's own signal a moment to arrive before judging the handler's death.
      await this.pause(SIGNAL_SETTLE_MS)
    }
    const ending = judgeHandlerEnding(outcome.detail, {
      stopping: this.stopping,
      interrupted: this.settings.interrupted,
      runs: entry.runs + 1,
    })
    if (ending.action === 'rerun-next-start') {
      // Left `running` on purpose: the next start's recovery runs it once more.
      this.logger.warn('command.interrupted', {
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
    await this.persistDone(journal, entry.id, {
      result: outcome.result,
      result_detail: { ...detail },
    })
    this.metrics.countCommand(command.command_name, outcome.result)
    this.logger.log(outcome.result === 'success' ? 'info' : 'warn', 'command.finish', {
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
  private async persistDone(
    journal: DeliveryJournal,
    id: number,
    result: StoredResult,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await journal.markDone(id, result)
        return
      } catch (error) {
        if (!isStateError(error)) throw error
        const delay = this.backoff(attempt)
        this.logger.error('journal.error', {
          attempt,
          delay,
          msg: 'cannot journal a finished handler; retrying (if the agent dies now, the command is reported interrupted)',
          error: errorFields(error),
        })
        await this.scheduler.sleep(delay)
      }
    }
  }

  /** Sends the result of `entry`, whose command the poll just showed to be current. */
  private async report(journal: DeliveryJournal, entry: JournalEntry): Promise<StepResult> {
    const result = entry.result as StoredResult
    const counted = await journal.recordReportAttempt(entry.id)
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
        ...(this.settings.host !== undefined ? { host: this.settings.host } : {}),
        ...result.result_detail,
      },
    })
    if (fitted.trimmed) {
      this.logger.info('report.trimmed', {
        ...fields,
        bytes: fitted.bytes,
        msg: `the result was ${fitted.originalBytes} bytes as JSON; its output was cut from the front to ${fitted.bytes} bytes so SMS takes it (limit ${REPORT_BODY_LIMIT})`,
      })
    }
    this.logger.debug('report.send', { ...fields, result: result.result, bytes: fitted.bytes })
    try {
      const receipt = await this.client.reportResult(this.settings.serverId, fitted.body, {
        retry: false,
      })
      await journal.markReported(entry.id, 'acknowledged')
      this.metrics.countReport('acknowledged')
      this.reportFailures = 0
      this.refusals.delete(entry.id)
      this.logger.info('report.acknowledged', {
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
        refusalLimit: this.settings.reportRefusalLimit,
        backoffMs: this.backoff(this.reportFailures),
        slowRetryMs: this.settings.slowRetryMs,
        requestTimeoutMs: this.settings.requestTimeoutMs,
      })
      if (verdict.action === 'reject') {
        await journal.markReported(entry.id, 'rejected', verdict.why)
        this.refusals.delete(entry.id)
        this.reportFailures = 0
        this.metrics.countReport('rejected')
        this.rejected = { count: this.rejected.count + 1, last: entry.id }
        if (verdict.why === 'not-current') {
          this.logger.warn('report.rejected', {
            ...fields,
            status: 400,
            msg: 'SMS refused the result: the command is no longer current (SMS.2009)',
            error: errorFields(error),
          })
        } else if (verdict.why === 'invalid') {
          this.logger.error('report.invalid', { ...fields, error: errorFields(error) })
        } else {
          this.logger.error('report.refused', {
            ...fields,
            status: errorLabel(error),
            msg: `SMS refused this result ${refusals} times with a deterministic error; it is settled as rejected (kept in the journal) and the agent goes on with the next command`,
            error: errorFields(error),
          })
        }
        return SOON
      }
      const status = errorLabel(error)
      this.metrics.countReportError(status)
      this.logger.warn('report.error', {
        ...fields,
        delay: verdict.delayMs,
        status,
        msg: reportErrorAdvice(error),
        error: errorFields(error),
      })
      return { delayMs: verdict.delayMs, pollSoon: true }
    }
  }

  /** After a stop: a few verification polls and reports, within a bounded time. */
  private async flush(): Promise<void> {
    if (this.settings.dryRun || !this.journal || this.outboxEntries().length === 0) return
    const budget = new AbortController()
    const budgetMs = flushBudgetMs(this.settings.requestTimeoutMs)
    this.scheduler.sleep(budgetMs, budget.signal).then(
      () => budget.abort(new Error('flush budget spent')),
      () => {},
    )
    try {
      this.logger.info('outbox.flush', { outbox: this.outboxEntries().length, delay: budgetMs })
      for (let round = 0; round < 4 && this.outboxEntries().length > 0; round++) {
        const current = await this.pollOnce(1, budget.signal)
        if (current === 'stopped') break
        if (current === 'failed') {
          if (!(await this.pause(this.backoff(round + 1), budget.signal))) break
          continue
        }
        const step = await this.step(current, false)
        if (step.delayMs > 0 && !(await this.pause(step.delayMs, budget.signal))) break
      }
    } finally {
      budget.abort()
    }
    const left = this.outboxEntries().length
    if (left > 0) {
      this.logger.warn('outbox.pending', {
        outbox: left,
        msg: `${left} result(s) not yet acknowledged; they stay in the journal and go out on the next start`,
      })
    }
  }

  private dryRun(current: SmsCommand | null) {
    if (!current) return
    const key = `${current.command_name}\u0000${current.command_param.task_id ?? ''}`
    if (this.seenInDryRun.has(key)) return
    this.seenInDryRun.add(key)
    const known = this.journal?.findActive(current)
    const choice = chooseHandler(current.command_name, this.settings.handlers)
    const plan = dryRunPlan(known, choice)
    this.logger.info('command.dry-run', {
      command: current.command_name,
      task_id: current.command_param.task_id,
      bucket: current.command_param.bucket,
      msg: `dry run, nothing run or reported; ${plan}`,
    })
  }
}

/**
 * How long the final flush after a stop may take: two request deadlines, at most 30 s. A service
 * manager's stop timeout must cover shutdown grace + kill grace + this.
 *
 * @example
 * flushBudgetMs(30_000) // 30_000
 */
export function flushBudgetMs(requestTimeoutMs: number): number {
  return Math.min(30_000, 2 * requestTimeoutMs)
}
