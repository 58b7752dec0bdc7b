import type { SmsClient } from '../client/create-sms-client.ts'
import { type AgentEvents, createAgentEvents, type EmittedAgentEvent } from '../events/emitter.ts'
import { type PollEvent, pollCommands } from '../poll/poll-commands.ts'
import type { SmsCommand } from '../schemas/command.ts'
import { commandKey } from './command-key.ts'
import { Deliverer } from './deliverer.ts'
import { deliveryEvent } from './delivery-event.ts'
import {
  type DeliveryOptions,
  type ResolvedDeliveryOptions,
  resolveDeliveryOptions,
} from './delivery-options.ts'
import { DeliveryJournal, type JournalStore } from './journal.ts'
import { JournalStoreError } from './journal-store-error.ts'
import { PollObserver } from './poll-observer.ts'
import { NOTHING, type RunningCommand, type StepResult } from './step-types.ts'

/** Where a delivery stands, for status pages (`/healthz`) and gauges. */
export interface DeliveryStatus {
  state: 'starting' | 'polling' | 'handling' | 'stopping' | 'stopped'
  startedAt: number
  /** The command being run, if any. */
  handler: RunningCommand | undefined
  /** Results waiting to be reported. */
  outbox: number
}

/** What one pass ({@link CommandDelivery.runOnce}, `deliverOnce`) came to. */
export interface DeliveryPassResult {
  /** What the first poll found (`stopped`: the signal aborted before it answered). */
  polled: 'command' | 'idle' | 'error' | 'stopped'
  /** New commands run in this pass. */
  ran: number
  /** Results still waiting to be reported (they go out at the next pass). */
  outbox: number
}

/** Bounded verification polls: after a pass's first poll, and the flush after a stop. */
interface VerificationPolls {
  rounds: number
  attempts: number
  signal: AbortSignal
  firstDelayMs: number
}

type PollSource = AsyncIterableIterator<PollEvent> & { wake?: () => void }

/** Journals loaded in this process, by store: a pass after a failed one resumes from memory. */
const loadedJournals = new WeakMap<JournalStore, Promise<DeliveryJournal>>()
/** Stores a delivery is running over right now. */
const busyStores = new WeakSet<JournalStore>()

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

/**
 * The exactly-once delivery of SMS commands, over any journal store and any runtime. Polls with
 * core's `pollCommands`, journals every delivery before acting on it, runs one command at a time,
 * and reports each result under one rule: **a report is sent only right after a poll showed that
 * its command is still the current one** (SMS clears the current command when it records a
 * result naming only `command_name`, so a blind re-send could clear the next command of that
 * name). A poll that shows another command, or none, settles the entry instead: if a report was
 * ever sent, its answer was lost and SMS recorded it (`presumed-recorded`); if none was,
 * SMS moved on without it (`superseded`). It only emits events; logs, metrics and status pages
 * subscribe. `deliverOnce` and `deliverCommands` are the short ways to use it.
 *
 * @example
 * const delivery = new CommandDelivery(client, serverId, { journal, run, events })
 * onShutdown(() => delivery.stop('shutdown')) // your runtime's signal or lifecycle hook
 * await delivery.run()
 */
export class CommandDelivery {
  private readonly options: ResolvedDeliveryOptions
  private readonly events: AgentEvents
  private readonly observer: PollObserver
  /** Aborted on the first stop request: no new poll, no new run. */
  private readonly stopPolling = new AbortController()
  /** Aborted when the shutdown grace is over: the running command's work ends. */
  private readonly terminateRun = new AbortController()
  private state: DeliveryStatus['state'] = 'starting'
  private running: RunningCommand | undefined
  private readonly startedAt: number
  private stepper: Stepper | undefined
  private ranInPass = 0
  /** What the last step asked for (the verification polls go on while it asks to poll soon). */
  private lastStep: StepResult = NOTHING

  constructor(
    private readonly client: Pick<SmsClient, 'getCommand' | 'reportResult'>,
    private readonly serverId: string,
    options: DeliveryOptions,
  ) {
    this.options = resolveDeliveryOptions(options)
    const { scheduler } = this.options
    this.startedAt = scheduler.now()
    this.events = this.options.events ?? createAgentEvents({ now: () => scheduler.now() })
    const onEvent = this.options.onEvent
    if (onEvent) {
      this.events.subscribe((event, context) => onEvent(deliveryEvent(event, context, serverId)))
    }
    this.observer = new PollObserver(this.events)
    const signal = this.options.signal
    if (signal?.aborted) this.stop('signal aborted')
    else signal?.addEventListener('abort', () => this.stop('signal aborted'), { once: true })
  }

  /** True once {@link stop} was called (or the signal aborted). */
  get stopping(): boolean {
    return this.stopPolling.signal.aborted
  }

  /** Where the delivery stands. */
  status(): DeliveryStatus {
    return {
      state: this.state,
      startedAt: this.startedAt,
      handler: this.running,
      outbox: this.stepper?.outbox() ?? 0,
    }
  }

  /**
   * Asks the delivery to stop: no further poll or run; a running command gets the shutdown grace,
   * then its signal aborts; the outbox is flushed. Idempotent.
   */
  stop(reason: string): void {
    if (this.stopping) return
    this.state = 'stopping'
    const grace = this.options.shutdownGraceMs
    this.emit({
      event: 'agent.stopping',
      reason,
      msg: this.running ? `stopping; the running command gets ${grace} ms to finish` : 'stopping',
      ...(this.running ? { delay: grace } : {}),
    })
    this.stopPolling.abort(new Error(`stopped: ${reason}`))
    if (!this.running || grace === 0) {
      if (this.running) this.emitTerminating()
      this.terminateRun.abort(new Error(`stopped: ${reason}`))
      return
    }
    this.options.scheduler.sleep(grace, this.terminateRun.signal).then(
      () => {
        if (!this.running) return
        this.emitTerminating()
        this.terminateRun.abort(new Error(`stopped: ${reason}; the shutdown grace ran out`))
      },
      () => {},
    )
  }

  /** Runs until {@link stop} or the signal: recovers, polls, runs, reports, then flushes. */
  run(): Promise<void> {
    return this.lifecycle(async () => {
      await this.pollUntilStopped()
      await this.flush()
    })
  }

  /**
   * One pass (what `sms-agent --once` does): one poll, the command it brings run and reported
   * (with a few verification polls and retries), up to `maxCommands` new commands.
   *
   * @throws {JournalStoreError} after the pass when the store failed during it (what is known
   * stays in memory; the next pass over the same store resumes).
   */
  runOnce(): Promise<DeliveryPassResult> {
    return this.lifecycle(async (stepper) => {
      const signal = this.stopPolling.signal
      this.ranInPass = 0
      const first = await this.firstPoll(signal)
      if (!first) return this.passResult('stopped', stepper)
      this.observer.observe(first)
      if (first.type === 'error') return this.passResult('error', stepper)
      const step = await stepper.step(first.type === 'command' ? first.command : null, true)
      this.lastStep = step
      const polls = { rounds: 5, attempts: 2, signal, firstDelayMs: step.delayMs }
      await this.drive(this.verificationPolls(polls, stepper), stepper, {
        allowRun: () => this.ranInPass < this.options.maxCommands,
        signal,
      })
      if (this.stopping) await this.flush()
      this.outboxLeft(stepper, 'pass')
      const error = stepper.takeStoreError?.()
      if (error) {
        await stepper.flushJournal?.().catch(() => {})
        throw error
      }
      return this.passResult(first.type, stepper)
    })
  }

  // -------------------------------------------------------------------------------------------

  private passResult(polled: DeliveryPassResult['polled'], stepper: Stepper): DeliveryPassResult {
    return { polled, ran: this.ranInPass, outbox: stepper.outbox() }
  }

  /** What every run shares: open the journal, settle what a previous run left, then drive. */
  private async lifecycle<T>(drive: (stepper: Stepper) => Promise<T>): Promise<T> {
    const store = this.options.journal
    if (busyStores.has(store)) {
      throw new JournalStoreError(
        `Another delivery is running over ${store.name ?? 'this journal store'} in this process: one delivery per journal at a time`,
        { operation: 'busy', store: store.name ?? 'journal store' },
      )
    }
    busyStores.add(store)
    try {
      const stepper = await this.openStepper(store)
      this.stepper = stepper
      await stepper.recover()
      this.state = this.stopping ? 'stopping' : 'polling'
      return await drive(stepper)
    } finally {
      this.state = 'stopped'
      busyStores.delete(store)
    }
  }

  private async openStepper(store: JournalStore): Promise<Stepper> {
    let loaded = loadedJournals.get(store)
    if (!loaded) {
      loaded = DeliveryJournal.open(store, () => this.options.scheduler.now())
      loadedJournals.set(store, loaded)
      // A failed load is not cached: the next pass loads again.
      loaded.catch(() => loadedJournals.delete(store))
    }
    const journal = await loaded
    if (this.options.dryRun) return dryRunStepper(journal, this.options.dryRun, this.events)
    const deliverer = new Deliverer({
      journal,
      client: this.client,
      settings: {
        serverId: this.serverId,
        backoff: this.options.backoff,
        slowRetryMs: this.options.slowRetryMs,
        requestTimeoutMs: this.options.requestTimeoutMs,
        reportRefusalLimit: this.options.reportRefusalLimit,
        interrupted: this.options.interrupted,
        runSettleTimeoutMs: this.options.runSettleTimeoutMs,
        resultDetail: this.options.resultDetail,
        redact: this.options.redact,
      },
      run: this.options.run,
      planRun: this.options.planRun,
      onRecovered: this.options.onRecovered,
      events: this.events,
      scheduler: this.options.scheduler,
      random: this.options.random,
      loop: {
        stopping: () => this.stopping,
        runSignal: this.terminateRun.signal,
        onRunning: (running) => {
          this.running = running
          if (running) {
            this.ranInPass++
            this.state = 'handling'
          } else if (this.state === 'handling') {
            this.state = 'polling'
          }
        },
      },
    })
    return {
      recover: () => deliverer.recover(),
      step: (current, allowRun) => deliverer.step(current, allowRun),
      outbox: () => deliverer.outbox(),
      flushes: true,
      takeStoreError: () => deliverer.takeStoreError(),
      flushJournal: () => journal.flush(),
    }
  }

  /** The daemon: core's poller paces the polls until a stop. */
  private pollUntilStopped(): Promise<void> {
    const stepper = this.stepper as Stepper
    const poller = pollCommands(this.client, this.serverId, {
      intervalMs: this.options.intervalMs,
      firstPollJitterMs: this.options.firstPollJitterMs,
      backoff: this.options.backoff,
      slowRetryDelayMs: this.options.slowRetryMs,
      requestRetry: false,
      signal: this.stopPolling.signal,
      scheduler: this.options.scheduler,
      random: this.options.random,
    })
    return this.drive(poller, stepper, { allowRun: () => true, signal: this.stopPolling.signal })
  }

  /**
   * The one driver: observes each poll, hands what it shows to the step machine, and paces the
   * next poll as the step asks (later after a failed report, at once to verify or fetch the next).
   */
  private async drive(
    polls: PollSource,
    stepper: Stepper,
    plan: { allowRun: () => boolean; signal: AbortSignal },
  ): Promise<void> {
    try {
      for await (const event of polls) {
        this.observer.observe(event)
        if (event.type === 'error') continue
        const current = event.type === 'command' ? event.command : null
        const step = await stepper.step(current, plan.allowRun())
        this.lastStep = step
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

  /** The first poll of a pass, with a few request attempts (`undefined`: stopped). */
  private async firstPoll(signal: AbortSignal): Promise<PollEvent | undefined> {
    const poller = this.boundedPoller(3, signal)
    try {
      const next = await poller.next()
      return next.done ? undefined : next.value
    } finally {
      await poller.return?.(undefined)
    }
  }

  private boundedPoller(attempts: number, signal: AbortSignal) {
    const { backoff } = this.options
    return pollCommands(this.client, this.serverId, {
      intervalMs: 0,
      firstPollJitterMs: 0,
      backoff,
      // Verification polls back off on failures only: they exist to report what waits.
      slowRetryDelayMs: 0,
      requestRetry: { attempts, ...backoff, maxRetryAfterMs: backoff.maxDelayMs },
      signal,
      scheduler: this.options.scheduler,
      random: this.options.random,
    })
  }

  /**
   * Verification polls, one at a time, while results wait in the outbox, or while the last step
   * asked for a poll at once and the pass may still run a new command.
   */
  private async *verificationPolls(plan: VerificationPolls, stepper: Stepper): PollSource {
    if (plan.firstDelayMs > 0 && !(await this.pause(plan.firstDelayMs, plan.signal))) return
    const more = () =>
      stepper.outbox() > 0 || (this.lastStep.pollSoon && this.ranInPass < this.options.maxCommands)
    if (!more()) return
    let rounds = 0
    let ran = this.ranInPass
    const poller = this.boundedPoller(plan.attempts, plan.signal)
    try {
      for await (const event of poller) {
        yield event
        rounds++
        // A new command run in this pass gets rounds of its own.
        if (ran < this.ranInPass) {
          ran = this.ranInPass
          rounds = 0
        }
        if (plan.signal.aborted || rounds >= plan.rounds || !more()) return
      }
    } finally {
      await poller.return?.(undefined)
    }
  }

  /** After a stop: a few verification polls and reports, within a bounded time. */
  private async flush(): Promise<void> {
    const stepper = this.stepper
    if (!stepper?.flushes || stepper.outbox() === 0) return
    const budget = new AbortController()
    const budgetMs = flushBudgetMs(this.options.requestTimeoutMs)
    this.options.scheduler.sleep(budgetMs, budget.signal).then(
      () => budget.abort(new Error('flush budget spent')),
      () => {},
    )
    try {
      this.emit({ event: 'outbox.flush', outbox: stepper.outbox(), delay: budgetMs })
      const polls = { rounds: 4, attempts: 1, signal: budget.signal, firstDelayMs: 0 }
      await this.drive(this.verificationPolls(polls, stepper), stepper, {
        allowRun: () => false,
        signal: budget.signal,
      })
    } finally {
      budget.abort()
    }
    this.outboxLeft(stepper, 'start')
  }

  /** Warns when results are still in the outbox. */
  private outboxLeft(stepper: Stepper, nextTry: 'pass' | 'start'): void {
    const left = stepper.outbox()
    if (left > 0) {
      this.emit({
        event: 'outbox.pending',
        outbox: left,
        msg: `${left} result(s) not yet acknowledged; they stay in the journal and go out at the next ${nextTry === 'pass' ? 'pass' : 'start'}`,
      })
    }
  }

  private emitTerminating(): void {
    if (!this.running) return
    this.emit({
      event: 'handler.terminating',
      command: this.running.command,
      task_id: this.running.task_id,
      msg: 'the shutdown grace ran out: ending the running command',
    })
  }

  private emit(event: EmittedAgentEvent): void {
    this.events.emit(event)
  }

  /** Sleeps unless stopped; false when stopped. */
  private async pause(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.options.scheduler.sleep(ms, signal)
      return true
    } catch {
      return false
    }
  }
}

/** What the driver hands each poll to: the journaled deliverer, or a dry run. */
interface Stepper {
  recover(): Promise<void>
  step(current: SmsCommand | null, allowRun: boolean): Promise<StepResult>
  outbox(): number
  /** Whether a stop is followed by a last attempt to report the outbox. */
  readonly flushes: boolean
  takeStoreError?(): JournalStoreError | undefined
  flushJournal?(): Promise<void>
}

/** Dry run: says once per command what would be done, and touches nothing. */
function dryRunStepper(
  journal: DeliveryJournal,
  describe: NonNullable<DeliveryOptions['dryRun']>,
  events: AgentEvents,
): Stepper {
  const seen = new Set<string>()
  return {
    recover: () => Promise.resolve(),
    outbox: () => journal.outbox(),
    flushes: false,
    step(current) {
      if (!current) return Promise.resolve(NOTHING)
      const key = commandKey(current)
      if (seen.has(key)) return Promise.resolve(NOTHING)
      seen.add(key)
      events.emit({
        event: 'command.dry-run',
        command: current.command_name,
        task_id: current.command_param.task_id,
        bucket: current.command_param.bucket,
        msg: `dry run, nothing run or reported; ${describe(current, journal.findActive(current))}`,
      })
      return Promise.resolve(NOTHING)
    },
  }
}
