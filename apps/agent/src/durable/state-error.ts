/** Why the state directory can't be used. */
export type StateErrorKind = 'locked' | 'corrupt' | 'foreign' | 'io'

/**
 * The state directory is locked by another agent, holds a journal this agent can't trust, or can't
 * be written. Exit code 3. The message names the file and what to do; nothing is deleted.
 */
export class StateError extends Error {
  override readonly name = 'StateError' as const
  readonly kind: StateErrorKind
  readonly path: string

  constructor(kind: StateErrorKind, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
    this.path = path
  }
}

/**
 * True for a {@link StateError}.
 *
 * @example
 * if (isStateError(error) && error.kind === 'locked') process.exitCode = 3
 */
export function isStateError(error: unknown): error is StateError {
  return error instanceof Error && error.name === 'StateError'
}
