/** The agent's two output streams. */
export type OutputStreamName = 'stdout' | 'stderr'

/** The part of a `node:stream` Writable the guard needs (`process.stdout` on every runtime). */
export interface GuardedWritable {
  write(chunk: string): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** Standard output and error that survive the reader going away. */
export interface OutputStreams {
  /** Writes to stdout; to stderr once stdout is gone; nowhere once both are. Never throws. */
  stdout(text: string): void
  /** Writes to stderr; to stdout once stderr is gone; nowhere once both are. Never throws. */
  stderr(text: string): void
  /** True once a write to `stream` failed (its reader is gone). */
  closed(stream: OutputStreamName): boolean
  /**
   * Calls `listener` once per stream, when that stream is found closed (`EPIPE` from a pipe
   * whose reader exited, `EIO` from a hung-up terminal, a restarted journald's socket).
   */
  onClosed(listener: (stream: OutputStreamName, error: Error) => void): () => void
}

/**
 * Guards the agent's stdout and stderr against a reader that goes away (`sms-agent … | head -1`,
 * `| logger`, a closed ssh session, journald restarted on an older systemd). Node, Bun and Deno
 * all report a write to a closed pipe as an `'error'` event on the stream (`EPIPE`; they ignore
 * SIGPIPE), and an unhandled one ends the process; a write may also throw at once. Either way the
 * stream is marked closed, later writes go to the other stream while it is open, and listeners
 * hear of it once: losing a log stream never stops delivery.
 *
 * @example
 * const output = guardOutputStreams({ stdout: process.stdout, stderr: process.stderr })
 * output.onClosed((stream) => logger.warn('log.stream-closed', { stream }))
 * output.stdout('still safe after `| head -1` exited\n')
 */
export function guardOutputStreams(
  streams: Record<OutputStreamName, GuardedWritable>,
): OutputStreams {
  const closed = new Set<OutputStreamName>()
  const listeners = new Set<(stream: OutputStreamName, error: Error) => void>()

  const markClosed = (name: OutputStreamName, error: Error) => {
    if (closed.has(name)) return
    closed.add(name)
    for (const listener of listeners) {
      try {
        listener(name, error)
      } catch {
        // A listener's failure must not reach the writer.
      }
    }
  }
  for (const name of ['stdout', 'stderr'] as const) {
    streams[name].on('error', (error) => markClosed(name, error))
  }

  const tryWrite = (name: OutputStreamName, text: string): boolean => {
    if (closed.has(name)) return false
    try {
      streams[name].write(text)
      return true
    } catch (error) {
      markClosed(name, error instanceof Error ? error : new Error(String(error)))
      return false
    }
  }
  const other = (name: OutputStreamName): OutputStreamName =>
    name === 'stdout' ? 'stderr' : 'stdout'
  const write = (name: OutputStreamName) => (text: string) => {
    if (!tryWrite(name, text)) tryWrite(other(name), text)
  }

  return {
    stdout: write('stdout'),
    stderr: write('stderr'),
    closed: (name) => closed.has(name),
    onClosed(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
