import type { SmsCommand } from '@sms-command/core'
import type { HandlerPaths } from './config/load-config.ts'
import type { DeliveryJournal } from './durable/delivery-journal.ts'
import { chooseHandler, dryRunPlan } from './handler/choose-handler.ts'
import type { AgentEvents } from './observe/agent-events.ts'

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

/**
 * What the loop does with what SMS says is current: deliver it (journal, run, report), or in a
 * dry run only say what it would do. The loop's drivers are the same for both.
 */
export interface Delivery {
  /** Settles what a previous run left behind, before the first poll. */
  recover(): Promise<void>
  /** One step over the current command (`null`: SMS has none); `allowRun` false only verifies. */
  step(current: SmsCommand | null, allowRun: boolean): Promise<StepResult>
  /** Results waiting to be reported. */
  outbox(): number
  /** Whether a stop is followed by a last attempt to report the outbox. */
  readonly flushes: boolean
}

/**
 * Dry run: logs once per command what the agent would do with it, and touches nothing (the
 * journal, if any, is only read).
 *
 * @example
 * const delivery = dryRunDelivery({ journal: null, handlers, events })
 * await delivery.step(command, true) // emits command.dry-run once for this command
 */
export function dryRunDelivery(options: {
  journal: DeliveryJournal | null
  handlers: HandlerPaths
  events: AgentEvents
}): Delivery {
  const seen = new Set<string>()
  const outbox = () =>
    options.journal?.active().filter((entry) => entry.state === 'done').length ?? 0
  return {
    recover: () => Promise.resolve(),
    outbox,
    flushes: false,
    step(current) {
      if (!current) return Promise.resolve(NOTHING)
      const key = `${current.command_name}\u0000${current.command_param.task_id ?? ''}`
      if (seen.has(key)) return Promise.resolve(NOTHING)
      seen.add(key)
      const known = options.journal?.findActive(current)
      const plan = dryRunPlan(known, chooseHandler(current.command_name, options.handlers))
      options.events.emit({
        event: 'command.dry-run',
        command: current.command_name,
        task_id: current.command_param.task_id,
        bucket: current.command_param.bucket,
        msg: `dry run, nothing run or reported; ${plan}`,
      })
      return Promise.resolve(NOTHING)
    },
  }
}
