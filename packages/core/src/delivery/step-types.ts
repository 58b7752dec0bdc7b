import type { SmsClient } from '../client/create-sms-client.ts'
import type { AgentEvents } from '../events/emitter.ts'
import type { Redactor } from '../events/redact.ts'
import type { SmsCommand } from '../schemas/command.ts'
import type { BackoffOptions } from '../time/backoff.ts'
import type { Scheduler } from '../time/scheduler.ts'
import type { DeliveryJournal, RecoveredEntry } from './journal.ts'
import type { RunCommand, RunPlan } from './run-command.ts'

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
  /** Applied to every run's result before it is journaled (the secrets the runs can see). */
  redact?: Redactor | undefined
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
