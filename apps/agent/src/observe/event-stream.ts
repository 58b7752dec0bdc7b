import type { EventLog } from '@sms-command/core/events'
import { formatSseMessage, SSE_KEEP_ALIVE_COMMENT } from '@sms-command/core/sse'
import type { PublishedEvent } from '../logger.ts'

/** Where an `/events` client's bytes go (a `ServerResponse`, or an array in a test). */
export interface EventStreamSink {
  write(chunk: string): void
  /** Bytes written but not yet taken by the client. */
  backlog(): number
  /** Drops the client. */
  destroy(): void
}

/** A client that stops reading is dropped once this much waits for it, rather than buffered. */
export const EVENT_STREAM_BACKLOG_LIMIT = 1_048_576

/**
 * `/events` as a reader of the logger's published lines (each an emitted agent event, redacted,
 * at every level, with its stream id), through core's replayable log: sends `retry:`, then the
 * history after `after` (the client's `Last-Event-ID`; 0 for all of it), then every new event as
 * `id:` + `data:` (core's SSE frames), and a `: keep-alive` comment every `keepAliveMs`. A write
 * to a socket never waits, so a client that stops reading is dropped once
 * {@link EVENT_STREAM_BACKLOG_LIMIT} bytes wait for it (the mock's stream waits for its client
 * instead: Hono's stream awaits each write). Returns the function that ends the stream.
 *
 * @example
 * const close = streamEvents(logger.published, sink, { after: parseEventId(request.headers['last-event-id']) ?? 0, keepAliveMs: 15_000 })
 * response.on('close', close)
 */
export function streamEvents(
  log: EventLog<PublishedEvent>,
  sink: EventStreamSink,
  options: { after: number; keepAliveMs: number },
): () => void {
  const controller = new AbortController()
  const events = log.follow(options.after, controller.signal)
  sink.write(formatSseMessage({ retry: 2000 }))
  void (async () => {
    try {
      for await (const event of events) {
        if (sink.backlog() > EVENT_STREAM_BACKLOG_LIMIT) {
          sink.destroy()
          return
        }
        sink.write(formatSseMessage({ id: event.id, data: event.json }))
      }
    } catch {
      // A sink that throws has lost its client.
      sink.destroy()
    }
  })()
  const keepAlive = setInterval(() => sink.write(SSE_KEEP_ALIVE_COMMENT), options.keepAliveMs)
  ;(keepAlive as { unref?: () => void }).unref?.()
  return () => {
    clearInterval(keepAlive)
    controller.abort()
  }
}
