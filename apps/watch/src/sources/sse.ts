import { fullJitterBackoff, type Scheduler, systemScheduler } from '@sms-command/core'

/** One Server-Sent Events message. */
export interface SseMessage {
  /** `message` when the stream named none. */
  event: string
  data: string
  /** The last `id:` seen, carried as the spec says. */
  id: string | undefined
}

/** Longest line (and event data) kept, in characters: a hostile stream can't grow memory. */
export const SSE_MAX_LINE = 1_048_576

/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML §9.2): feed it chunks as
 * they arrive, get complete messages back. Comments, `retry:` and unknown fields are handled; a
 * line or an event longer than {@link SSE_MAX_LINE} is dropped rather than buffered.
 *
 * @example
 * const parser = createSseParser()
 * parser.push('event: enqueue\ndata: {"seq":1}\n\n') // [{ event: 'enqueue', data: '{"seq":1}', id: undefined }]
 */
export function createSseParser() {
  let buffer = ''
  let skippingLongLine = false
  let event = ''
  let data: string[] = []
  let dataLength = 0
  let lastId: string | undefined
  let retryMs: number | undefined

  function line(text: string, out: SseMessage[]): void {
    if (text === '') {
      if (data.length > 0 && dataLength <= SSE_MAX_LINE) {
        out.push({ event: event || 'message', data: data.join('\n'), id: lastId })
      }
      event = ''
      data = []
      dataLength = 0
      return
    }
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon < 0 ? text : text.slice(0, colon)
    let value = colon < 0 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') {
      data.push(value)
      dataLength += value.length + 1
    } else if (field === 'id' && !value.includes('\u0000')) lastId = value
    else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value)
  }

  return {
    /** Parses a chunk; returns the messages it completed. */
    push(chunk: string): SseMessage[] {
      const out: SseMessage[] = []
      buffer += chunk
      let start = 0
      for (let i = 0; i < buffer.length; i++) {
        const char = buffer[i]
        if (char !== '\n' && char !== '\r') continue
        if (!skippingLongLine) line(buffer.slice(start, i), out)
        skippingLongLine = false
        if (char === '\r' && buffer[i + 1] === '\n') i++
        start = i + 1
      }
      buffer = buffer.slice(start)
      if (buffer.length > SSE_MAX_LINE) {
        buffer = ''
        skippingLongLine = true
      }
      return out
    },
    get lastEventId(): string | undefined {
      return lastId
    },
    /** The reconnection delay the server asked for with `retry:`, if any. */
    get retryMs(): number | undefined {
      return retryMs
    },
  }
}

/** Options of {@link followEventStream}. */
export interface FollowOptions {
  url: URL
  headers?: Record<string, string>
  onMessage: (message: SseMessage) => void
  /** Called on each state change; `message` never holds a credential. */
  onStatus: (status: 'connecting' | 'ok' | 'error', message?: string) => void
  signal: AbortSignal
  fetch?: typeof fetch
  scheduler?: Scheduler
  random?: () => number
  /** Reconnection backoff. Default base 500 ms, cap 15 s. */
  backoff?: { baseDelayMs: number; maxDelayMs: number }
  /**
   * Sends `Last-Event-ID` on reconnection so a server with a backlog replays what was missed.
   * Default true.
   */
  resume?: boolean
}

/** Why a stream attempt ended, in words for the header. */
export class EventStreamError extends Error {
  override readonly name = 'EventStreamError' as const
  readonly status: number | undefined
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
  }
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
 * Follows a Server-Sent Events stream forever: connects, hands every message over, and when the
 * stream fails or ends reconnects with capped full-jitter backoff (`Last-Event-ID` resumes),
 * until `signal` aborts. Never throws; failures are reported through `onStatus`.
 *
 * @example
 * await followEventStream({ url: new URL('http://127.0.0.1:4010/_mock/events'), signal,
 *   onMessage: (m) => console.log(m.event, m.data), onStatus: (s, why) => console.log(s, why) })
 */
export async function followEventStream(options: FollowOptions): Promise<void> {
  const scheduler = options.scheduler ?? systemScheduler
  const random = options.random ?? Math.random
  const backoff = options.backoff ?? { baseDelayMs: 500, maxDelayMs: 15_000 }
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const { signal } = options
  let lastEventId: string | undefined
  let failures = 0
  let serverRetryMs: number | undefined

  while (!signal.aborted) {
    // While retrying after a failure the failure stays shown; "connecting" is for fresh starts.
    if (failures === 0) options.onStatus('connecting')
    let status: number | undefined
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers }
      if (lastEventId !== undefined && options.resume !== false)
        headers['Last-Event-ID'] = lastEventId
      const response = await fetchImpl(options.url, { headers, signal })
      status = response.status
      if (!response.ok || !response.body) {
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
      options.onStatus('ok')
      failures = 0
      const parser = createSseParser()
      const decoder = new TextDecoder()
      const reader = response.body.getReader()
      // Not every fetch ties the body to the signal (in-process apps don't): cancel it ourselves so
      // stopping never waits on a quiet stream.
      const cancel = () => {
        reader.cancel().catch(() => {})
      }
      signal.addEventListener('abort', cancel, { once: true })
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          for (const message of parser.push(decoder.decode(value, { stream: true }))) {
            if (message.id !== undefined) lastEventId = message.id
            options.onMessage(message)
          }
          serverRetryMs = parser.retryMs ?? serverRetryMs
        }
      } finally {
        signal.removeEventListener('abort', cancel)
        reader.releaseLock()
      }
      throw new EventStreamError('the stream ended')
    } catch (error) {
      if (signal.aborted) return
      failures++
      options.onStatus('error', describeStreamError(error))
      let delay = fullJitterBackoff(failures, backoff, random)
      if (serverRetryMs !== undefined) delay = Math.max(delay, serverRetryMs)
      // A refused credential won't fix itself quickly: retry slowly instead of hammering.
      if (status === 401 || status === 403) delay = Math.max(delay, 10_000)
      try {
        await scheduler.sleep(Math.max(delay, 100), signal)
      } catch {
        return
      }
    }
  }
}

function describeStreamError(error: unknown): string {
  if (error instanceof EventStreamError) return error.message
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
    return `${error.message}${cause}`
  }
  return String(error)
}
