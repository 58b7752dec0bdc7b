/**
 * The fallback when a handler's output can't go to a file (`output-file.ts`: an unwritable or
 * nearly full state directory): what happens to its stdout/stderr pipes once the handler has
 * exited but processes it left running (`nohup svc &` without a redirect, a daemon that didn't
 * close its inherited descriptors) still hold them.
 *
 * Closing our read ends would kill those processes: their next write gets SIGPIPE (or EPIPE),
 * although the handler reported success. So the agent keeps reading and discarding what they
 * write for as long as it lives, without letting the pipes keep its event loop alive (`--once`
 * still exits). What the agent can't do is outlive itself: when it exits, the pipes close with
 * it; under the systemd unit (`KillMode=mixed`) the unit's stop ends such processes anyway.
 */
import type { Readable } from 'node:stream'

/** What a held pipe has carried since it was held. */
export interface HeldOutput {
  /** Bytes read and discarded since the handler exited. */
  readonly bytes: number
  /** Pipes still open (a holder still runs). */
  readonly open: number
}

/**
 * Keeps draining `streams` (still open after the handler's exit) until their writers close them;
 * the bytes are counted and dropped, so memory stays flat however long a holder writes. Never
 * closes a stream itself. `onClosed` runs once every stream is closed.
 *
 * @example
 * // in runHandler, after exit and the short drain period:
 * const held = holdOutput([child.stdout, child.stderr])
 * held.open // 2 while `nohup svc &` still runs
 */
export function holdOutput(
  streams: readonly (Readable | null | undefined)[],
  onClosed?: () => void,
): HeldOutput {
  const state = { bytes: 0, open: 0 }
  for (const stream of streams) {
    if (!stream || stream.destroyed) continue
    state.open++
    stream.on('data', (chunk: Uint8Array) => {
      state.bytes += chunk.byteLength
    })
    stream.on('close', () => {
      state.open--
      if (state.open === 0) onClosed?.()
    })
    // Flowing mode, so the pipe never fills and blocks the holder's writes.
    stream.resume()
    // A held pipe must not keep the agent alive (`--once`, a clean stop).
    // (a net.Socket on Node, a stream with unref on Bun and Deno; tested on all three)
    ;(stream as Readable & { unref?: () => void }).unref?.()
  }
  if (state.open === 0) onClosed?.()
  return state
}
