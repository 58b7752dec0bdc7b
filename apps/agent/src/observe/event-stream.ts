import type { Logger, PublishedEvent } from '../logger.ts'

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
 * `/events` as a subscriber of the logger's published lines (each an emitted agent event, redacted,
 * at every level, with its stream id): sends `retry:`, then the history after `lastEventId`, then
 * every new event as `id:` + `data:`, and a `: keep-alive` comment every `keepAliveMs`. Returns
 * the function that ends the subscription.
 *
 * @example
 * const close = streamEvents(logger, sink, { lastEventId: Number(request.headers['last-event-id']), keepAliveMs: 15_000 })
 * response.on('close', close)
 */
export function streamEvents(
  source: Pick<Logger, 'history' | 'subscribe'>,
  sink: EventStreamSink,
  options: { lastEventId: number; keepAliveMs: number },
): () => void {
  const send = (event: PublishedEvent) => {
    if (sink.backlog() > EVENT_STREAM_BACKLOG_LIMIT) {
      sink.destroy()
      return
    }
    sink.write(`id: ${event.id}\ndata: ${event.json}\n\n`)
  }
  sink.write('retry: 2000\n\n')
  for (const event of source.history()) {
    if (Number.isNaN(options.lastEventId) || event.id > options.lastEventId) send(event)
  }
  const unsubscribe = source.subscribe(send)
  const keepAlive = setInterval(() => sink.write(': keep-alive\n\n'), options.keepAliveMs)
  ;(keepAlive as { unref?: () => void }).unref?.()
  return () => {
    clearInterval(keepAlive)
    unsubscribe()
  }
}
