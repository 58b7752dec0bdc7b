import type { Redactor } from '../events/redact.ts'
import type { SmsCommand } from '../schemas/command.ts'
import type { Scheduler } from '../time/scheduler.ts'
import type { StoredResult } from './journal-state.ts'
import {
  isRunInterruptedError,
  isRunNotStartedError,
  type RunCommand,
  type RunContext,
} from './run-command.ts'

/** Longest error message put into a `result_detail`. */
const MESSAGE_LIMIT = 1_000

/** What a run came to, judged. */
export type SettledRun =
  /** Journal this result. */
  | { kind: 'result'; result: StoredResult }
  /** Cut short, and `interrupted: 'rerun'` allows one more run: leave it `running`. */
  | { kind: 'rerun'; message: string; eventFields: { signal?: string } }
  /** It never began: back to `received`, not counted as a run, nothing reported. */
  | { kind: 'not-started'; message: string; eventFields: { signal?: string } }
  /** Its signal aborted and it did not settle in time: leave it `running`, recovered later. */
  | { kind: 'abandoned'; message: string; eventFields: { signal?: string } }

/** Inputs of {@link settleRun}. */
export interface SettleRunOptions {
  run: RunCommand
  command: SmsCommand
  context: Omit<RunContext, 'signal'>
  /** Aborts the run's work. */
  signal: AbortSignal
  /** How long the run may take to settle once `signal` aborted. */
  settleTimeoutMs: number
  scheduler: Scheduler
  interrupted: 'fail' | 'rerun'
  /** The how-manieth run this is. */
  runs: number
  /** Applied to the result's `result_detail` and to messages, before anything journals or reports them. */
  redact?: Redactor | undefined
}

/**
 * Runs a command and judges how it ended. A resolved result is taken as it is (checked: anything
 * but `success`/`fail` is a `fail` saying so); a rejection is a `fail` carrying the error's name
 * and message; a run cut short (a {@link RunInterruptedError}, or a rejection after its signal
 * aborted) is `interrupted`, per the `interrupted` policy.
 *
 * @example
 * const settled = await settleRun({ run, command, context, signal, settleTimeoutMs: 5_000, scheduler, interrupted: 'fail', runs: 1 })
 * if (settled.kind === 'result') await journal.markDone(entry.id, settled.result)
 */
export async function settleRun(options: SettleRunOptions): Promise<SettledRun> {
  const settled = await judgeRun(options)
  const { redact } = options
  if (redact === undefined) return settled
  if (settled.kind !== 'result') return { ...settled, message: redact.text(settled.message) }
  const { result_detail } = settled.result
  return result_detail === undefined
    ? settled
    : { kind: 'result', result: { ...settled.result, result_detail: redact.value(result_detail) } }
}

async function judgeRun(options: SettleRunOptions): Promise<SettledRun> {
  const { signal } = options
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | 'timeout'
  const running = Promise.resolve()
    .then(() => options.run(options.command, { ...options.context, signal }))
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    )
  if (!Number.isFinite(options.settleTimeoutMs)) {
    outcome = await running
  } else {
    const timer = new AbortController()
    const timeout = new Promise<'timeout'>((resolve) => {
      const start = () => {
        options.scheduler.sleep(options.settleTimeoutMs, timer.signal).then(
          () => resolve('timeout'),
          () => {},
        )
      }
      if (signal.aborted) start()
      else signal.addEventListener('abort', start, { once: true })
    })
    try {
      outcome = await Promise.race([running, timeout])
    } finally {
      timer.abort()
    }
  }
  if (outcome === 'timeout') {
    return {
      kind: 'abandoned',
      message: `the run did not end within ${options.settleTimeoutMs} ms of being told to stop; it stays journaled as running and is reported interrupted, never run again silently`,
      eventFields: {},
    }
  }
  if (outcome.ok) return { kind: 'result', result: checkedResult(outcome.value) }
  const { error } = outcome
  if (isRunNotStartedError(error)) {
    return {
      kind: 'not-started',
      message: `${describe(error)}; the command never ran, so it stays pending and runs at the next start`,
      eventFields: {},
    }
  }
  if (isRunInterruptedError(error) || signal.aborted) {
    const detail = isRunInterruptedError(error) ? error.detail : {}
    const why = describe(error)
    const signalName = typeof detail.signal === 'string' ? { signal: detail.signal } : {}
    if (options.interrupted === 'rerun' && options.runs < 2) {
      return {
        kind: 'rerun',
        message: `the run was cut short (${why}); it runs once more at the next start (interrupted: rerun)`,
        eventFields: signalName,
      }
    }
    return {
      kind: 'result',
      result: {
        result: 'fail',
        result_detail: {
          ...detail,
          reason: 'interrupted',
          message: `the run was cut short (${why}); not run again (interrupted: fail)`,
        },
      },
    }
  }
  return {
    kind: 'result',
    result: {
      result: 'fail',
      result_detail: { reason: 'run-error', error: errorName(error), message: describe(error) },
    },
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text
}

/** A run's resolved value as a result; anything else is a `fail` that says what was wrong. */
function checkedResult(value: unknown): StoredResult {
  const candidate = value as { result?: unknown; result_detail?: unknown } | null | undefined
  const detail = candidate?.result_detail
  const detailOk =
    detail === undefined ||
    (typeof detail === 'object' && detail !== null && !Array.isArray(detail))
  if (
    candidate &&
    typeof candidate === 'object' &&
    (candidate.result === 'success' || candidate.result === 'fail') &&
    detailOk
  ) {
    try {
      // Stored and sent as JSON: what JSON can't carry is caught here, not in the journal store.
      const plain = JSON.parse(JSON.stringify(detail ?? {})) as Record<string, unknown>
      return { result: candidate.result, result_detail: plain }
    } catch (error) {
      // The work's own verdict stands; only its details are replaced by what went wrong with them.
      return {
        result: candidate.result,
        result_detail: { result_detail_error: `not JSON: ${describe(error)}` },
      }
    }
  }
  const got = JSON.stringify(value)?.slice(0, 200) ?? String(value)
  return {
    result: 'fail',
    result_detail: {
      reason: 'invalid-result',
      message: `run resolved ${got}: expected { result: 'success' | 'fail', result_detail?: object }`,
    },
  }
}
