import type { SmsCommand } from '../schemas/command.ts'

/** What a run came to: reported as `result` with `result_detail`. */
export interface RunResult {
  result: 'success' | 'fail'
  result_detail?: Record<string, unknown>
}

/** What a run is told besides its command. */
export interface RunContext {
  /**
   * Aborted when the delivery stops and its shutdown grace has run out: end the work. A run that
   * settles after this is `interrupted`, unless it resolves a result of its own.
   */
  signal: AbortSignal
  /** The journal entry of this delivery. */
  entry: number
  /** The how-manieth run of this delivery this is (2 after an `interrupted: 'rerun'`). */
  run: number
  /** What `planRun`'s `handler` named, if anything. */
  handler: string | undefined
  /**
   * Records the pid of a process the run started, so that a later start can stop it if the
   * delivery died meanwhile (`onRecovered` receives it). Never awaited by the run.
   */
  setPid(pid: number): void
}

/**
 * Carries a command out. Resolve with `{ result: 'fail', … }` for a failure of the work; a
 * rejection is reported `fail` with the error's message in `result_detail`. Never asked twice
 * for the same delivery, except once more after an interruption with `interrupted: 'rerun'`.
 *
 * @example
 * const run: RunCommand = async (command, { signal }) => {
 *   await migrate(command.command_param.task_id, { signal })
 *   return { result: 'success', result_detail: { took_ms: 1200 } }
 * }
 */
export type RunCommand = (command: SmsCommand, context: RunContext) => Promise<RunResult>

/** What to do with a command before running it: run it (under a name), or refuse it. */
export type RunPlan =
  | { handler?: string | undefined; refuse?: undefined }
  /** Not run at all: reported `fail` with this reason and message. */
  | { refuse: { reason: string; message: string }; handler?: undefined }

/**
 * Thrown by a run that was cut short by something outside it (the process manager killed its
 * work while the delivery was stopping, say): it is `interrupted`, handled per the delivery's
 * `interrupted` option, exactly like a run cut short by a crash.
 *
 * @example
 * if (exit.signal && stopping) throw new RunInterruptedError(`killed by ${exit.signal} while stopping`, { detail: exit })
 */
export class RunInterruptedError extends Error {
  override readonly name = 'RunInterruptedError' as const
  /** Fields for `result_detail` when it is reported `fail`. */
  readonly detail: Record<string, unknown>

  constructor(
    message: string,
    options: { detail?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.detail = options.detail ?? {}
  }
}

/**
 * True for a {@link RunInterruptedError}.
 *
 * @example
 * isRunInterruptedError(new RunInterruptedError('killed')) // true
 */
export function isRunInterruptedError(error: unknown): error is RunInterruptedError {
  return error instanceof Error && error.name === 'RunInterruptedError'
}

/**
 * Thrown by a run that never began its work (its program could not be started before the
 * delivery stopped, say). A command that never ran is not a failed command: its entry goes back
 * to `received`, nothing is reported, and it runs at the next start (or the next poll, if the
 * delivery goes on), without counting as a run.
 *
 * @example
 * if (stopping && !spawned) throw new RunNotStartedError('the agent was stopping; the handler was not started')
 */
export class RunNotStartedError extends Error {
  override readonly name = 'RunNotStartedError' as const

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
  }
}

/**
 * True for a {@link RunNotStartedError}.
 *
 * @example
 * isRunNotStartedError(new RunNotStartedError('not started')) // true
 */
export function isRunNotStartedError(error: unknown): error is RunNotStartedError {
  return error instanceof Error && error.name === 'RunNotStartedError'
}
