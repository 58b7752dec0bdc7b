import {
  fullJitterBackoff,
  isSmsApiError,
  isSmsInputError,
  type PollEvent,
  pollCommands,
  type Scheduler,
  type SmsClient,
  type SmsCommand,
} from '@sms-command/core'
import type { HandlerPaths } from './config/load-config.ts'
import { type Delivery, dryRunDelivery } from './delivery.ts'
import type { DeliveryJournal } from './durable/delivery-journal.ts'
import type { HandlerOutcome } from './handler/run-handler.ts'
import { JournaledDelivery } from './journaled-delivery.ts'
import { errorFields } from './logger.ts'
import { errorLabel, pollErrorAdvice } from './observe/advice.ts'
import type { AgentEvents, EmittedAgentEvent } from './observe/agent-events.ts'
import type { LoopStatus } from './observe/agent-health.ts'

export type { LoopStatus } from './observe/agent-health.ts'

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
  /** Where every event goes (logs, metrics and `/healthz` subscribe; see `observeAgent`). */
  events: AgentEvents
  runCommand: CommandRunner
  scheduler: Scheduler
  random?: () => number
  /**
   * Stops a handler a previous run left behind (its pid was journaled and it may still run).
   * Resolves true when something was there to stop.
   */
  stopOrphan?: (pid: number) => Promise<boolean>
}

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
 * Bounded verification polls: what `--once` does after its first poll, and the flush after a
 * stop. They go on while results wait in the outbox, a failed poll backing off before the next.
 */
interface VerificationPolls {
  /** Polls at most. */
  rounds: number
  /** Request attempts of each poll. */
  attempts: number
  /** Ends the polls (and cancels a poll or pause in progress). */
  signal: AbortSignal
  /** Wait this long before the first poll (what the step before asked for). */
  firstDelayMs: number
}

/** Where a driver's polls come from: core's paced poller, or bounded verification polls. */
type PollSource = AsyncIterableIterator<PollEvent> & { wake?: () => void }

/** How {@link Agent.drive} treats the polls of its source. */
interface DrivePlan {
  /** Whether a command the polls bring may be started (false: only verify and report). */
  allowRun: boolean
  /** Ends the drive (and cancels a pause in progress). */
  signal: AbortSignal
}

/**
 * The agent's loop. Polls SMS through core's `pollCommands`, journals every delivery before acting
 * on it, runs one handler at a time, and reports each result through a durable outbox. It only
 * emits events; logs, metrics and `/healthz` subscribe to them.
 *
 * Reports follow one rule, which makes re-sending safe under docs/api.md §2 (a result names only
 * `command_name`, and SMS clears the current command when it records one): **a report is sent only
 * right after a poll showed that its command is still the current one.** A poll that shows another
 * command, or none, settles the entry instead: if a report was ever sent its answer was lost and
 * SMS recorded it (`presumed-recorded`); if none was sent, SMS moved on without it (`superseded`).
 * So a re-sent report can never clear a different command that shares the name.
 *
 * @example
 * const { events } = observeAgent({ logger, metrics, now: scheduler.now })
 * const agent = new Agent({ settings, client, journal, events, runCommand, scheduler })
 * process.on('SIGTERM', () => agent.stop('SIGTERM'))
 * const exitCode = await agent.run()
 */
export class Agent {
  private readonly settings: AgentSettings
  private readonly client: SmsClient
  private readonly events: AgentEvents
  private readonly scheduler: Scheduler
  private readonly random: () => number
  /** Journal, run and report; or, in a dry run, only say what would be done. */
  private readonly delivery: Delivery
  /** Aborted on the first stop request: no new poll, no new handler. */
  private readonly stopPolling = new AbortController()
  /** Aborted when the shutdown grace is over: the running handler is terminated. */
  private readonly terminateHandler = new AbortController()
  private state: LoopStatus['state'] = 'starting'
  private consecutiveErrors = 0
  private running: LoopStatus['handler']
  private readonly startedAt: number

  constructor(dependencies: AgentDependencies) {
    this.settings = dependencies.settings
    this.client = dependencies.client
    this.events = dependencies.events
    this.scheduler = dependencies.scheduler
    this.random = dependencies.random ?? Math.random
    this.startedAt = this.scheduler.now()
    const journal = dependencies.journal
    this.delivery =
      this.settings.dryRun || !journal
        ? dryRunDelivery({ journal, handlers: this.settings.handlers, events: this.events })
        : new JournaledDelivery({
            journal,
            settings: this.settings,
            client: this.client,
            events: this.events,
            runCommand: dependencies.runCommand,
            scheduler: this.scheduler,
            random: this.random,
            stopOrphan: dependencies.stopOrphan,
            loop: {
              stopping: () => this.stopping,
              terminate: this.terminateHandler.signal,
              pause: (ms) => this.pause(ms),
              onHandler: (handler) => {
                this.running = handler
                if (handler) this.state = 'handling'
                else if (this.state === 'handling') this.state = 'polling'
              },
            },
          })
  }

  /** True once {@link stop} was called. */
  get stopping(): boolean {
    return this.stopPolling.signal.aborted
  }

  /** Where the loop stands, for `/healthz` and `/metrics`. */
  status(): LoopStatus {
    return {
      state: this.state,
      startedAt: this.startedAt,
      handler: this.running,
      outbox: this.delivery.outbox(),
    }
  }

  /**
   * Asks the agent to stop: no further poll or handler; a running handler gets the shutdown
   * grace, then is terminated and journaled as interrupted; the outbox is flushed. Idempotent.
   */
  stop(reason: string): void {
    if (this.stopping) return
    this.state = 'stopping'
    this.emit({
      event: 'agent.stopping',
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
          this.emit({
            event: 'handler.terminating',
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
  run(): Promise<number> {
    return this.lifecycle(async () => {
      await this.pollUntilStopped()
      await this.flush()
      return EXIT.ok
    })
  }

  /**
   * `--once`: one poll, the command it brings handled and reported (with a few verification polls
   * and retries), then the exit code: 0 done, 4 SMS could not be polled, 5 a result is still in
   * the outbox.
   */
  runOnce(): Promise<number> {
    return this.lifecycle(async () => {
      const signal = this.stopPolling.signal
      const first = await this.pollOnce(3, signal)
      if (!first) return EXIT.ok
      this.observePoll(first)
      if (first.type === 'error') return EXIT.oncePollFailed
      const step = await this.delivery.step(first.type === 'command' ? first.command : null, true)
      const polls = { rounds: 5, attempts: 2, signal, firstDelayMs: step.delayMs }
      await this.drive(this.verificationPolls(polls), { allowRun: false, signal })
      if (this.stopping) await this.flush()
      return this.outboxLeft('run') > 0 ? EXIT.onceOutboxLeft : EXIT.ok
    })
  }

  // -------------------------------------------------------------------------------------------

  /** What every run shares: settle what a previous run left behind, then drive. */
  private async lifecycle(drive: () => Promise<number>): Promise<number> {
    await this.delivery.recover()
    this.state = 'polling'
    try {
      return await drive()
    } finally {
      this.state = 'stopped'
    }
  }

  /** The daemon: core's poller paces the polls until a stop. */
  private pollUntilStopped(): Promise<void> {
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
    return this.drive(poller, { allowRun: true, signal: this.stopPolling.signal })
  }

  /**
   * The one driver: observes each poll, hands what it shows to the delivery, and paces the next
   * poll as the step asks (later after a failed report, at once to verify or fetch the next).
   */
  private async drive(polls: PollSource, plan: DrivePlan): Promise<void> {
    try {
      for await (const event of polls) {
        this.observePoll(event)
        if (event.type === 'error') continue
        const current = event.type === 'command' ? event.command : null
        const step = await this.delivery.step(current, plan.allowRun)
        if (plan.signal.aborted) break
        if (step.delayMs > 0) {
          if (!(await this.pause(step.delayMs, plan.signal))) break
          polls.wake?.()
        } else if (step.pollSoon) {
          polls.wake?.()
        }
      }
    } finally {
      await polls.return?.(undefined)
    }
  }

  /** Verification polls, one at a time, while results wait in the outbox. */
  private async *verificationPolls(plan: VerificationPolls): PollSource {
    let delayMs = plan.firstDelayMs
    for (let round = 0; round < plan.rounds && this.delivery.outbox() > 0; round++) {
      if (plan.signal.aborted) return
      if (delayMs > 0 && !(await this.pause(delayMs, plan.signal))) return
      const event = await this.pollOnce(plan.attempts, plan.signal)
      if (!event) return
      delayMs = event.type === 'error' ? this.backoff(round + 1) : 0
      yield event
    }
  }

  /** After a stop: a few verification polls and reports, within a bounded time. */
  private async flush(): Promise<void> {
    if (!this.delivery.flushes || this.delivery.outbox() === 0) return
    const budget = new AbortController()
    const budgetMs = flushBudgetMs(this.settings.requestTimeoutMs)
    this.scheduler.sleep(budgetMs, budget.signal).then(
      () => budget.abort(new Error('flush budget spent')),
      () => {},
    )
    try {
      this.emit({ event: 'outbox.flush', outbox: this.delivery.outbox(), delay: budgetMs })
      const polls = { rounds: 4, attempts: 1, signal: budget.signal, firstDelayMs: 0 }
      await this.drive(this.verificationPolls(polls), { allowRun: false, signal: budget.signal })
    } finally {
      budget.abort()
    }
    this.outboxLeft('start')
  }

  /** Results still in the outbox; warns when there are any. */
  private outboxLeft(nextTry: 'run' | 'start'): number {
    const left = this.delivery.outbox()
    if (left > 0) {
      this.emit({
        event: 'outbox.pending',
        outbox: left,
        msg: `${left} result(s) not yet acknowledged; they stay in the journal and go out on the next ${nextTry}`,
      })
    }
    return left
  }

  private emit(event: EmittedAgentEvent, cause?: unknown): void {
    this.events.emit(event, cause === undefined ? undefined : { cause })
  }

  /** Polls once outside the poller (`undefined`: stopped by `signal`). */
  private async pollOnce(attempts: number, signal: AbortSignal): Promise<PollEvent | undefined> {
    const started = this.scheduler.now()
    const polled = { serverId: this.settings.serverId, sequence: 0, nextDelayMs: 0 }
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
      const timing = { ...polled, at, latencyMs: at - started }
      return command ? { type: 'command', command, ...timing } : { type: 'idle', ...timing }
    } catch (error) {
      if (signal.aborted) return undefined
      if (isSmsInputError(error)) throw error
      const at = this.scheduler.now()
      return {
        type: 'error',
        ...polled,
        at,
        latencyMs: at - started,
        consecutiveErrors: this.consecutiveErrors + 1,
        error: error as Extract<PollEvent, { type: 'error' }>['error'],
      }
    }
  }

  private observePoll(event: PollEvent) {
    const when = { at: event.at }
    if (event.type === 'error') {
      this.consecutiveErrors = event.consecutiveErrors
      // What the server asked for when it was more than the agent waits (core capped it).
      const requested =
        event.retryAfterClampedFromMs ??
        (isSmsApiError(event.error) ? event.error.retryAfterClampedFromMs : undefined)
      const advice = pollErrorAdvice(event.error, {
        delayMs: event.nextDelayMs,
        clampedFromMs: requested,
      })
      this.events.emit(
        {
          event: 'poll.error',
          attempt: event.consecutiveErrors,
          delay: event.nextDelayMs,
          ...(requested === undefined ? {} : { retry_after_requested_ms: requested }),
          status: errorLabel(event.error),
          latency_ms: event.latencyMs,
          service: advice.service,
          ...(advice.check ? { check: advice.check } : {}),
          msg: advice.msg,
          error: errorFields(event.error),
        },
        { ...when, cause: event.error },
      )
      return
    }
    if (this.consecutiveErrors > 0) {
      this.events.emit(
        {
          event: 'poll.recovered',
          attempt: this.consecutiveErrors,
          msg: `SMS answered again after ${this.consecutiveErrors} failed poll(s)`,
        },
        when,
      )
    }
    this.consecutiveErrors = 0
    if (event.type === 'idle') {
      this.events.emit(
        { event: 'poll.idle', latency_ms: event.latencyMs, delay: event.nextDelayMs },
        when,
      )
    } else {
      this.events.emit(
        {
          event: 'poll.command',
          command: event.command.command_name,
          task_id: event.command.command_param.task_id,
          latency_ms: event.latencyMs,
        },
        when,
      )
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
