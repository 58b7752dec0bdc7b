/**
 * `@sms-command/core/delivery`: exactly-once delivery of SMS commands for your own tool, on any
 * runtime. The naive loop (get the command, run it, report it) is wrong: a report whose answer
 * was lost and is sent again can clear the *next* command of the same name, which then never
 * runs. This library journals every delivery before acting on it and reports only right after a
 * poll showed the command still current, so nothing runs twice, nothing is reported twice, and no
 * command is cleared that didn't run.
 *
 * @example
 * import { createSmsClient, staticToken } from '@sms-command/core'
 * import { deliverOnce, memoryJournal } from '@sms-command/core/delivery'
 *
 * const client = createSmsClient({ endpoint, auth: staticToken(token) })
 * const journal = memoryJournal() // or a file, KV, a Durable Object's storage
 * await deliverOnce(client, serverId, {
 *   journal,
 *   run: async (command, { signal }) => ({ result: 'success', result_detail: { took_ms: 1200 } }),
 * })
 *
 * @module
 */
export {
  errorLabel,
  type PollAdvice,
  pollErrorAdvice,
  readableDuration,
  reportErrorAdvice,
  type ServerWait,
} from './advice.ts'
export {
  CommandDelivery,
  type DeliveryPassResult,
  type DeliveryStatus,
  flushBudgetMs,
} from './command-delivery.ts'
export { commandKey, sameCommand } from './command-key.ts'
export { deliverCommands, deliverOnce } from './deliver.ts'
export type { DeliveryEvent } from './delivery-event.ts'
export type { DeliveryOptions } from './delivery-options.ts'
export { isDeterministicRefusal } from './delivery-rule.ts'
export { DeliveryJournal, type JournalStore, type RecoveredEntry } from './journal.ts'
export {
  type DeliveryEntry,
  type DeliveryState,
  type EntryState,
  emptyDeliveryState,
  type ParsedDeliveryState,
  parseDeliveryState,
  type RejectionReason,
  type ReportOutcome,
  type StoredResult,
} from './journal-state.ts'
export {
  isJournalStoreError,
  JournalStoreError,
  type JournalStoreErrorOptions,
  type JournalStoreOperation,
} from './journal-store-error.ts'
export { type MemoryJournal, memoryJournal } from './memory-journal.ts'
export {
  encodedSize,
  type FittedReport,
  fitReportBody,
  MAX_OUTPUT_TAIL,
  REPORT_BODY_BUDGET,
  REPORT_BODY_LIMIT,
  type ReportBody,
} from './report-body.ts'
export {
  isRunInterruptedError,
  isRunNotStartedError,
  type RunCommand,
  type RunContext,
  RunInterruptedError,
  RunNotStartedError,
  type RunPlan,
  type RunResult,
} from './run-command.ts'
export type { RunningCommand } from './step-types.ts'
