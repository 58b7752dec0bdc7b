import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { type BackoffOptions, fullJitterBackoff } from '../time/backoff.ts'
import { parseHttpDate, parseRetryAfter } from '../time/retry-after.ts'
import { type Scheduler, systemScheduler } from '../time/scheduler.ts'

/** One Server-Sent Events message. */
export interface SseMessage {
  /** `message` when the stream named none. */
  event: string
  data: string
  /** The last `id:` seen on this stream, carried as the spec says. */
  id: string | undefined
}

/**
 * How the stream is doing: `connecting` (a fresh start), `ok` (open), `error` (an attempt failed;
 * a retry follows), `stale` (open but silent for too long; a reconnection follows).
 */
export type EventStreamStatus = 'connecting' | 'ok' | 'error' | 'stale'

/** What comes with a status: the reason of an error, and since when the stream is stale. */
export interface EventStreamStatusInfo {
  /** HTTP status of a refused attempt. */
  httpStatus?: number | undefined
  /** With `stale`: when the last byte arrived (scheduler time, ms since epoch). */
  since?: number | undefined
}

/** Default interval of the keep-alive comments both producers send (agent `/events`, mock). */
export const SSE_KEEP_ALIVE_MS = 15_000

/** A stream silent for this many keep-alive intervals is stale. */
export const SSE_STALE_FACTOR = 2.5

/** Longest `retry:` honoured; a larger one is clamped so a server can't park a client for days. */
export const SSE_MAX_RETRY_MS = 60_000

/** Longest event (or line) kept, in characters: a hostile stream can't grow memory. */
export const SSE_MAX_EVENT_CHARS = 1_048_576

/** Options of {@link followEventStream}. */
export interface FollowEventStreamOptions {
  url: URL | string
  headers?: Record<string, string> | undefined
  onMessage: (message: SseMessage) => void
  /** Called on each change of status; `message` never holds a credential. */
  onStatus: (status: EventStreamStatus, message?: string, info?: EventStreamStatusInfo) => void
  signal: AbortSignal
  fetch?: typeof fetch | undefined
  scheduler?: Scheduler | undefined
  random?: (() => number) | undefined
  /** Reconnection backoff. Default base 500 ms, cap 15 s. */
  backoff?: BackoffOptions | undefined
  /**
   * The producer's keep-alive interval. Silence (not a byte, comment or event) for
   * {@link SSE_STALE_FACTOR} × this marks the stream `stale` and reconnects with `Last-Event-ID`.
   * Default {@link SSE_KEEP_ALIVE_MS}; `0` turns idle detection off.
   */
  keepAliveMs?: number | undefined
  /**
   * Upper bound of a server's `retry:` and of a refused attempt's `Retry-After` (a 429 or 503).
   * Default {@link SSE_MAX_RETRY_MS}.
   */
  maxRetryMs?: number | undefined
  /** Resume from this id on the first connection too. */
  lastEventId?: string | undefined
  /**
   * Sends `Last-Event-ID` on reconnection so a server with a backlog replays what was missed.
   * Default true.
   */
  resume?: boolean | undefined
}

/** Why a stream attempt ended, in words for a status line. */
export class EventStreamError extends Error {
  override readonly name = 'EventStreamError' as const
  /** HTTP status of a refused attempt. */
  readonly status: number | undefined
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
  }
}

/**
 * True when a stream attempt failed for a reason the reader described.
 *
 * @example
 * if (isEventStreamError(error)) console.log(error.status)
 */
export function isEventStreamError(error: unknown): error is EventStreamError {
  return error instanceof Error && error.name === 'EventStreamError'
}

class StaleStreamError extends Error {
  override readonly name = 'StaleStreamError' as const
}

async function readErrorText(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 2_000)
    const body = JSON.parse(text) as { error_msg?: unknown; error_code?: unknown }
    const parts = [body.error_code, body.error_msg].filter((part) => typeof part === 'string')
    return parts.length > 0 ? `: ${parts.join(' ')}` : ''
  } catch {
    return ''
  }
}

/**
 * Follows a Server-Sent Events stream until `signal` aborts: connects, hands every message over
 * (parsed by `eventsource-parser`: CRLF split across chunks, BOM, comments, multi-line data), and
 * when the stream fails, ends or falls silent reconnects with capped full-jitter backoff (at
 * least the server's `retry:`, clamped), sending `Last-Event-ID`. A stream that stays open but
 * sends nothing for 2.5 keep-alive intervals is reported `stale` with since when, then
 * reconnected. Never throws; failures are reported through `onStatus`.
 *
 * @example
 * await followEventStream({ url: 'http://127.0.0.1:4010/_mock/events', signal,
 *   onMessage: (m) => console.log(m.event, m.data), onStatus: (s, why) => console.log(s, why) })
 */
export async function followEventStream(options: FollowEventStreamOptions): Promise<void> {
  const scheduler = options.scheduler ?? systemScheduler
  const random = options.random ?? Math.random
  const backoff = options.backoff ?? { baseDelayMs: 500, maxDelayMs: 15_000 }
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const keepAliveMs = options.keepAliveMs ?? SSE_KEEP_ALIVE_MS
  const staleAfterMs = keepAliveMs > 0 ? keepAliveMs * SSE_STALE_FACTOR : 0
  const maxRetryMs = options.maxRetryMs ?? SSE_MAX_RETRY_MS
  const { signal } = options
  let lastEventId = options.lastEventId
  let failures = 0
  let serverRetryMs: number | undefined
  /** When the stream went silent, while it is reported stale. */
  let staleSince: number | undefined

  while (!signal.aborted) {
    // While retrying after a failure the failure stays shown; "connecting" is for fresh starts.
    if (failures === 0) options.onStatus('connecting')
    let status: number | undefined
    // What a refused attempt's Retry-After asked for (bounded like `retry:`), for this wait only.
    let retryAfterMs: number | undefined
    const attempt = new AbortController()
    const stopAttempt = () => attempt.abort(signal.reason)
    signal.addEventListener('abort', stopAttempt, { once: true })
    let lastByteAt = scheduler.now()
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
    // Watches for silence, connecting included: a dropped route may never answer at all.
    const watchdog = staleAfterMs > 0 ? watch() : undefined
    async function watch(): Promise<void> {
      try {
        for (;;) {
          const left = lastByteAt + staleAfterMs - scheduler.now()
          if (left > 0) {
            await scheduler.sleep(left, attempt.signal)
            continue
          }
          staleSince ??= lastByteAt
          options.onStatus(
            'stale',
            `no data for ${staleAfterMs / 1000} s (${SSE_STALE_FACTOR} keep-alive intervals); reconnecting`,
            { since: staleSince },
          )
          const error = new StaleStreamError('the stream fell silent')
          attempt.abort(error)
          reader?.cancel(error).catch(() => {})
          return
        }
      } catch {
        // The attempt ended first.
      }
    }
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers }
      // The SSE standard sends the header only for a non-empty last id; an empty `id:` resets it.
      if (lastEventId && options.resume !== false) {
        headers['Last-Event-ID'] = lastEventId
      }
      const response = await fetchImpl(options.url, { headers, signal: attempt.signal })
      status = response.status
      if (!response.ok || !response.body) {
        // A Retry-After date is on the server's clock: measure it from the server's Date.
        const serverNow = parseHttpDate(response.headers.get('Date'))
        const asked = parseRetryAfter(
          response.headers.get('Retry-After'),
          Number.isNaN(serverNow) ? scheduler.now() : serverNow,
        )
        if (asked !== undefined) retryAfterMs = Math.min(asked, maxRetryMs)
        throw new EventStreamError(
          `HTTP ${response.status}${await readErrorText(response)}`,
          response.status,
        )
      }
      const type = response.headers.get('content-type') ?? ''
      if (!type.includes('text/event-stream')) {
        await response.body.cancel().catch(() => {})
        throw new EventStreamError(
          `expected text/event-stream, received ${type || 'no content type'}`,
        )
      }
      lastByteAt = scheduler.now()
      staleSince = undefined
      options.onStatus('ok')
      failures = 0
      let pendingChars = 0
      const parser = createParser({
        onEvent(message: EventSourceMessage) {
          pendingChars = 0
          // An id holding NUL is ignored, as the SSE standard says.
          if (message.id !== undefined && !message.id.includes('\0')) lastEventId = message.id
          options.onMessage({
            event: message.event ?? 'message',
            data: message.data,
            id: lastEventId,
          })
        },
        onRetry(ms: number) {
          serverRetryMs = Math.min(Math.max(ms, 0), maxRetryMs)
        },
        onComment() {
          pendingChars = 0
        },
      })
      // A new decoder per connection: it drops the byte order mark a stream may start with.
      const decoder = new TextDecoder()
      reader = response.body.getReader()
      // Not every fetch ties the body to the signal (in-process apps don't): cancel it ourselves
      // so stopping never waits on a quiet stream.
      const current = reader
      const cancel = () => {
        current.cancel().catch(() => {})
      }
      attempt.signal.addEventListener('abort', cancel, { once: true })
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          if (attempt.signal.aborted) break
          lastByteAt = scheduler.now()
          const text = decoder.decode(value, { stream: true })
          pendingChars += text.length
          parser.feed(text)
          if (pendingChars > SSE_MAX_EVENT_CHARS) {
            // An event that never ends: drop what was buffered rather than grow without bound.
            parser.reset()
            pendingChars = 0
          }
        }
      } finally {
        attempt.signal.removeEventListener('abort', cancel)
        reader.releaseLock()
      }
      if (attempt.signal.reason instanceof StaleStreamError) throw attempt.signal.reason
      throw new EventStreamError('the stream ended')
    } catch (error) {
      if (signal.aborted) return
      failures++
      const stale =
        error instanceof StaleStreamError || attempt.signal.reason instanceof StaleStreamError
      // A stale stream stays reported stale (with its since) until a connection opens again.
      if (!stale) {
        options.onStatus(
          'error',
          describeStreamError(error),
          status !== undefined && status >= 400 ? { httpStatus: status } : {},
        )
      }
      let delay = fullJitterBackoff(failures, backoff, random)
      if (serverRetryMs !== undefined) delay = Math.max(delay, serverRetryMs)
      if (retryAfterMs !== undefined) delay = Math.max(delay, retryAfterMs)
      // A refused credential won't fix itself quickly: retry slowly instead of hammering.
      if (status === 401 || status === 403) delay = Math.max(delay, 10_000)
      attempt.abort()
      await watchdog
      try {
        await scheduler.sleep(Math.max(delay, 100), signal)
      } catch {
        return
      }
    } finally {
      signal.removeEventListener('abort', stopAttempt)
      attempt.abort()
    }
  }
}

function describeStreamError(error: unknown): string {
  if (isEventStreamError(error)) return error.message
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
    return `${error.message}${cause}`
  }
  return String(error)
}
