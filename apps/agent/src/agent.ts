import type { Scheduler, SmsClient, SmsCommand } from '@sms-command/core'
import {
  CommandDelivery,
  type DeliveryStatus,
  type JournalStore,
  memoryJournal,
  type RunContext,
  RunInterruptedError,
  RunNotStartedError,
  type RunResult,
} from '@sms-command/core/delivery'
import type { AgentEvents } from '@sms-command/core/events'
import type { HandlerPaths } from './config/load-config.ts'
import { chooseHandler, dryRunPlan } from './handler/choose-handler.ts'
import { judgeHandlerEnding } from './handler/handler-ending.ts'
import type { HandlerOutcome } from './handler/run-handler.ts'

export { flushBudgetMs } from '@sms-command/core/delivery'

/** Where the agent's loop stands, for `/healthz` and `/metrics` (core's delivery status). */
export type LoopStatus = DeliveryStatus

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
  /**
   * The credentials the agent holds: redacted from every result (a handler that prints a
   * credential file must not send it to SMS, where the console shows it to every operator).
   */
  secrets?: readonly string[] | undefined
}

/** Everything {@link Agent} works with, injected. */
export interface AgentDependencies {
  settings: AgentSettings
  client: SmsClient
  /** The journal store (the state directory's file); `null` only in a dry run without one. */
  journal: JournalStore | null
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

/** How long a handler's death by a signal waits for the agent's own stop signal to arrive. */
const SIGNAL_SETTLE_MS = 500

/**
 * The agent: core's exactly-once delivery (`@sms-command/core/delivery`) with handler processes
 * as its runs. What is about delivery (the journal's rule, verification polls, reports, the
 * outbox) is core's; what stays here is about processes and operators: which handler runs a
 * command, a handler killed by a signal the agent did not send, orphans of a previous run, and
 * exit codes.
 *
 * @example
 * const { events } = observeAgent({ logger, metrics, now: scheduler.now })
 * const agent = new Agent({ settings, client, journal, events, runCommand, scheduler })
 * process.on('SIGTERM', () => agent.stop('SIGTERM'))
 * const exitCode = await agent.run()
 */
export class Agent {
  private readonly delivery: CommandDelivery
  private readonly settings: AgentSettings
  private readonly scheduler: Scheduler

  constructor(private readonly dependencies: AgentDependencies) {
    const { settings, scheduler, events } = dependencies
    this.settings = settings
    this.scheduler = scheduler
    const dryRun = settings.dryRun || !dependencies.journal
    this.delivery = new CommandDelivery(dependencies.client, settings.serverId, {
      journal: dependencies.journal ?? memoryJournal(),
      run: (command, context) => this.runHandler(command, context),
      planRun: (command) => {
        const choice = chooseHandler(command.command_name, settings.handlers)
        return 'reason' in choice
          ? { refuse: { reason: choice.reason, message: choice.message } }
          : { handler: choice.path }
      },
      onRecovered: async ({ entry, handlerPid }) => {
        if (handlerPid === undefined || !dependencies.stopOrphan) return
        const stopped = await dependencies.stopOrphan(handlerPid).catch(() => false)
        if (!stopped) return
        events.emit({
          event: 'handler.orphan-stopped',
          command: entry.command.command_name,
          task_id: entry.command.command_param.task_id,
          pid: handlerPid,
          msg: 'a handler of the previous run was still running; it was terminated',
        })
      },
      dryRun: dryRun
        ? (command, journaled) =>
            dryRunPlan(journaled, chooseHandler(command.command_name, settings.handlers))
        : undefined,
      intervalMs: settings.intervalMs,
      firstPollJitterMs: settings.firstPollJitterMs,
      backoff: { baseDelayMs: settings.backoffBaseMs, maxDelayMs: settings.backoffMaxMs },
      slowRetryMs: settings.slowRetryMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      shutdownGraceMs: settings.shutdownGraceMs,
      // The handler runner ends the process itself (SIGTERM, kill grace, SIGKILL) and then settles.
      runSettleTimeoutMs: Number.POSITIVE_INFINITY,
      interrupted: settings.interrupted,
      reportRefusalLimit: settings.reportRefusalLimit,
      resultDetail: settings.host !== undefined ? { host: settings.host } : {},
      redact: settings.secrets,
      events,
      scheduler,
      random: dependencies.random ?? Math.random,
    })
  }

  /** True once {@link stop} was called. */
  get stopping(): boolean {
    return this.delivery.stopping
  }

  /** Where the loop stands, for `/healthz` and `/metrics`. */
  status(): LoopStatus {
    return this.delivery.status()
  }

  /**
   * Asks the agent to stop: no further poll or handler; a running handler gets the shutdown
   * grace, then is terminated and journaled as interrupted; the outbox is flushed. Idempotent.
   */
  stop(reason: string): void {
    this.delivery.stop(reason)
  }

  /**
   * Runs until {@link stop}: recovers the journal, polls, handles, reports, then flushes the
   * outbox. Resolves with the exit code.
   */
  async run(): Promise<number> {
    await this.delivery.run()
    return EXIT.ok
  }

  /**
   * `--once`: one poll, the command it brings handled and reported (with a few verification polls
   * and retries), then the exit code: 0 done, 4 SMS could not be polled, 5 a result is still in
   * the outbox.
   */
  async runOnce(): Promise<number> {
    const pass = await this.delivery.runOnce()
    if (pass.polled === 'error') return EXIT.oncePollFailed
    return pass.outbox > 0 ? EXIT.onceOutboxLeft : EXIT.ok
  }

  /** One command as a handler process, judged the way a service manager's stop requires. */
  private async runHandler(command: SmsCommand, context: RunContext): Promise<RunResult> {
    const handler = context.handler as string
    const outcome = await this.dependencies.runCommand({
      handler,
      command,
      signal: context.signal,
      onSpawn: (pid) => context.setPid(pid),
    })
    if (outcome.detail.not_started === true) {
      // Never spawned (the stop came while the file could not be started yet): the command
      // stays pending and runs at the next start; it is not a failed command.
      throw new RunNotStartedError(outcome.detail.message ?? 'the handler was not started')
    }
    if (outcome.detail.reason === 'signal' && !this.stopping) {
      // A service manager signals the handler and the agent in the same instant, in no order:
      // give the agent's own signal a moment to arrive before judging the handler's death.
      await this.scheduler.sleep(SIGNAL_SETTLE_MS).catch(() => {})
    }
    const ending = judgeHandlerEnding(outcome.detail, {
      stopping: this.stopping,
      interrupted: this.settings.interrupted,
      runs: context.run,
    })
    if (ending.action !== 'record') {
      throw new RunInterruptedError(
        `the handler was killed by ${outcome.detail.signal} while the agent was stopping (a signal the agent did not send, e.g. systemd KillMode=control-group)`,
        { detail: { ...outcome.detail } },
      )
    }
    return { result: outcome.result, result_detail: { ...outcome.detail } }
  }
}
