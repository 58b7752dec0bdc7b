import { SmsInputError } from '../errors/sms-input-error.ts'
import type { AgentEvents } from '../events/emitter.ts'
import { createRedactor, isRedactor, type Redactor } from '../events/redact.ts'
import type { SmsCommand } from '../schemas/command.ts'
import type { BackoffOptions } from '../time/backoff.ts'
import { type Scheduler, systemScheduler } from '../time/scheduler.ts'
import type { DeliveryEvent } from './delivery-event.ts'
import type { JournalStore, RecoveredEntry } from './journal.ts'
import type { DeliveryEntry } from './journal-state.ts'
import type { RunCommand, RunPlan } from './run-command.ts'

/** Options of `deliverOnce`, `deliverCommands` and `CommandDelivery`. */
export interface DeliveryOptions {
  /** Where the delivery journal is kept (`memoryJournal()`, a file, KV, a Durable Object). */
  journal: JournalStore
  /** Carries a command out. */
  run: RunCommand
  /** Stops the delivery: no new poll or run; a running command gets `shutdownGraceMs`. */
  signal?: AbortSignal | undefined
  /** Pause between polls, in ms. Default 10 s. */
  intervalMs?: number | undefined
  /** The first poll waits a random delay below this, so a fleet started together spreads. Default 0. */
  firstPollJitterMs?: number | undefined
  /** Backoff after failures (full jitter). Default base 1 s, cap 5 min. */
  backoff?: Partial<BackoffOptions> | undefined
  /** At least this long after an answer that asking again soon can't change. Default 60 s. */
  slowRetryMs?: number | undefined
  /** A request's deadline: an unanswered report waits this long before it is checked. Default 30 s. */
  requestTimeoutMs?: number | undefined
  /** After a stop, how long a running command may go on before its signal aborts. Default 0. */
  shutdownGraceMs?: number | undefined
  /** How long a run may take to settle once its signal aborted (then: interrupted). Default 5 s. */
  runSettleTimeoutMs?: number | undefined
  /** A run cut short is reported `fail` (default), or run once more at the next start. */
  interrupted?: 'fail' | 'rerun' | undefined
  /** Deterministic refusals of one result before it is settled `rejected`. Default 3. */
  reportRefusalLimit?: number | undefined
  /** Fields put into every `result_detail` (e.g. `{ host }`). */
  resultDetail?: Record<string, unknown> | undefined
  /**
   * Secrets the runs can see (the token, password or secret key your tool holds): replaced by
   * `[REDACTED]` in every result before it is journaled, reported to SMS or put into an event, so
   * a run that echoes a credential file or throws an error quoting one can't leak it. A
   * {@link Redactor} (your logger's, say) keeps secrets added later redacted too.
   */
  redact?: readonly string[] | Redactor | undefined
  /** `deliverOnce` only: how many new commands one pass may run. Default 1 (like `sms-agent --once`). */
  maxCommands?: number | undefined
  /** Decides how a command is run (a name for it), or refuses it without running. */
  planRun?: ((command: SmsCommand) => RunPlan) | undefined
  /** Called for each entry a previous run left unfinished (stop what `handlerPid` names, say). */
  onRecovered?: ((recovered: RecoveredEntry) => Promise<void> | void) | undefined
  /**
   * Dry run: nothing is run, written or reported; each new command is described once by this
   * function (`command.dry-run`).
   */
  dryRun?: ((command: SmsCommand, journaled: DeliveryEntry | undefined) => string) | undefined
  /** Receives every event (as `deliverCommands` yields them). */
  onEvent?: ((event: DeliveryEvent) => void) | undefined
  /** An emitter to send the events to instead (the agent's: logs, metrics, `/healthz`). */
  events?: AgentEvents | undefined
  scheduler?: Scheduler | undefined
  /** Source of jitter in [0, 1). */
  random?: (() => number) | undefined
}

/** {@link DeliveryOptions} with defaults filled in and checked. */
export interface ResolvedDeliveryOptions {
  journal: JournalStore
  run: RunCommand
  signal: AbortSignal | undefined
  intervalMs: number
  firstPollJitterMs: number
  backoff: BackoffOptions
  slowRetryMs: number
  requestTimeoutMs: number
  shutdownGraceMs: number
  runSettleTimeoutMs: number
  interrupted: 'fail' | 'rerun'
  reportRefusalLimit: number
  resultDetail: Record<string, unknown>
  redact: Redactor
  maxCommands: number
  planRun: DeliveryOptions['planRun']
  onRecovered: DeliveryOptions['onRecovered']
  dryRun: DeliveryOptions['dryRun']
  onEvent: DeliveryOptions['onEvent']
  events: AgentEvents | undefined
  scheduler: Scheduler
  random: () => number
}

function duration(name: string, value: unknown, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!allowInfinity && !Number.isFinite(value))
  ) {
    throw new SmsInputError(`options.${name}`, 'a number of milliseconds ≥ 0', describe(value))
  }
  return value
}

function count(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SmsInputError(`options.${name}`, 'an integer ≥ 1', describe(value))
  }
  return value
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (value === null) return 'null'
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 50)) : String(value)
}

function optionalFunction<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== 'function') {
    throw new SmsInputError(`options.${name}`, 'a function', describe(value))
  }
  return value
}

/**
 * Fills in and checks the options: a wrong one is an {@link SmsInputError} naming it
 * (`options.intervalMs`) and what was expected, before anything is polled or run.
 *
 * @example
 * resolveDeliveryOptions({ journal, run, intervalMs: -1 }) // throws: Invalid options.intervalMs: a number of milliseconds ≥ 0, received -1
 */
export function resolveDeliveryOptions(options: DeliveryOptions): ResolvedDeliveryOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SmsInputError('options', 'an object with journal and run', describe(options))
  }
  const journal = options.journal as Partial<JournalStore> | undefined
  if (!journal || typeof journal.load !== 'function' || typeof journal.save !== 'function') {
    throw new SmsInputError(
      'options.journal',
      'a journal store: an object with async load() and save(state) (memoryJournal() is one)',
      describe(journal),
    )
  }
  if (typeof options.run !== 'function') {
    throw new SmsInputError(
      'options.run',
      'a function (command, { signal }) => Promise<{ result, result_detail }>',
      describe(options.run),
    )
  }
  if (
    options.interrupted !== undefined &&
    options.interrupted !== 'fail' &&
    options.interrupted !== 'rerun'
  ) {
    throw new SmsInputError(
      'options.interrupted',
      "'fail' or 'rerun'",
      describe(options.interrupted),
    )
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new SmsInputError('options.signal', 'an AbortSignal', describe(options.signal))
  }
  const resultDetail = options.resultDetail ?? {}
  if (typeof resultDetail !== 'object' || resultDetail === null || Array.isArray(resultDetail)) {
    throw new SmsInputError('options.resultDetail', 'a plain object', describe(resultDetail))
  }
  const redact = options.redact ?? []
  // Named by type only, never by value: the values are secrets.
  const kind = (value: unknown) => {
    if (value === undefined || value === null) return String(value)
    if (Array.isArray(value)) return 'an array'
    return typeof value === 'object' ? 'an object' : `a ${typeof value}`
  }
  if (!isRedactor(redact)) {
    if (!Array.isArray(redact)) {
      throw new SmsInputError(
        'options.redact',
        'an array of strings (the secrets to redact) or a Redactor',
        kind(redact),
      )
    }
    const bad = redact.findIndex((secret) => typeof secret !== 'string')
    if (bad !== -1) {
      throw new SmsInputError(`options.redact[${bad}]`, 'a string (a secret)', kind(redact[bad]))
    }
  }
  const baseDelayMs = duration('backoff.baseDelayMs', options.backoff?.baseDelayMs, 1_000)
  const maxDelayMs = duration('backoff.maxDelayMs', options.backoff?.maxDelayMs, 300_000)
  return {
    journal: options.journal,
    run: options.run,
    signal: options.signal,
    intervalMs: duration('intervalMs', options.intervalMs, 10_000),
    firstPollJitterMs: duration('firstPollJitterMs', options.firstPollJitterMs, 0),
    backoff: { baseDelayMs, maxDelayMs: Math.max(baseDelayMs, maxDelayMs) },
    slowRetryMs: duration('slowRetryMs', options.slowRetryMs, 60_000),
    requestTimeoutMs: duration('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    shutdownGraceMs: duration('shutdownGraceMs', options.shutdownGraceMs, 0),
    runSettleTimeoutMs: duration('runSettleTimeoutMs', options.runSettleTimeoutMs, 5_000, true),
    interrupted: options.interrupted ?? 'fail',
    reportRefusalLimit: count('reportRefusalLimit', options.reportRefusalLimit, 3),
    resultDetail,
    redact: isRedactor(redact) ? redact : createRedactor(redact),
    maxCommands: count('maxCommands', options.maxCommands, 1),
    planRun: optionalFunction('planRun', options.planRun),
    onRecovered: optionalFunction('onRecovered', options.onRecovered),
    dryRun: optionalFunction('dryRun', options.dryRun),
    onEvent: optionalFunction('onEvent', options.onEvent),
    events: options.events,
    scheduler: options.scheduler ?? systemScheduler,
    random: options.random ?? Math.random,
  }
}
