// The writing side of Server-Sent Events, for both producers (the agent's `/events`, the mock's
// `/_mock/events`); `follow-event-stream.ts` is the reading side. The format is the WHATWG HTML
// standard's "Server-sent events" section: `field: value` lines, a blank line ends a message, a
// line starting with `:` is a comment.

/** One message as {@link formatSseMessage} writes it. */
export interface SseFrame {
  /** `id:`, what a reconnecting client sends back as `Last-Event-ID`. */
  id?: number | string | undefined
  /** `event:`, the message's type (absent: `message`). */
  event?: string | undefined
  /** `data:`, one line per line of the text. */
  data?: string | undefined
  /** `retry:`, how long a client waits before reconnecting, in ms. */
  retry?: number | undefined
}

/** The keep-alive comment both producers send, so a reader can tell a quiet stream from a dead one. */
export const SSE_KEEP_ALIVE_COMMENT = ': keep-alive\n\n'

const LINE_BREAK = /\r\n|\r|\n/

/**
 * One SSE message: `id:`, `event:`, a `data:` line per line of `data`, `retry:`, then the blank
 * line that ends it. Fields left out are not written.
 *
 * @throws {TypeError} when `id` or `event` holds a line break (it would end the field early), or
 *   `retry` is not a non-negative integer.
 * @example
 * formatSseMessage({ id: 7, data: '{"event":"poll.idle"}' }) // 'id: 7\ndata: {"event":"poll.idle"}\n\n'
 * formatSseMessage({ retry: 2000 }) // 'retry: 2000\n\n'
 */
export function formatSseMessage(frame: SseFrame): string {
  let text = ''
  if (frame.id !== undefined) text += `id: ${field('id', String(frame.id))}\n`
  if (frame.event !== undefined) text += `event: ${field('event', frame.event)}\n`
  if (frame.data !== undefined) {
    for (const line of frame.data.split(LINE_BREAK)) text += `data: ${line}\n`
  }
  if (frame.retry !== undefined) {
    if (!Number.isInteger(frame.retry) || frame.retry < 0) {
      throw new TypeError(`retry: expected a whole number of ms, got ${frame.retry}`)
    }
    text += `retry: ${frame.retry}\n`
  }
  return `${text}\n`
}

function field(name: string, value: string): string {
  if (LINE_BREAK.test(value)) throw new TypeError(`${name}: expected one line`)
  return value
}

/**
 * An event id as both producers write them (decimal digits, a safe integer), read from a
 * `Last-Event-ID` header or a `since` parameter; `undefined` for anything else (no sign, no
 * exponent, no spaces), which each producer answers its own way.
 *
 * @example
 * parseEventId('42') // 42
 * parseEventId('1e3') // undefined
 */
export function parseEventId(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || !/^\d{1,15}$/.test(text)) return undefined
  return Number(text)
}
