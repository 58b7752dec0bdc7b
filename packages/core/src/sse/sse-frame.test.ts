import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { formatSseMessage, parseEventId, SSE_KEEP_ALIVE_COMMENT } from './sse-frame.ts'

/** What a standard SSE reader makes of `text`. */
function parse(text: string): { messages: EventSourceMessage[]; retries: number[] } {
  const messages: EventSourceMessage[] = []
  const retries: number[] = []
  const parser = createParser({
    onEvent: (message) => messages.push(message),
    onRetry: (ms) => retries.push(ms),
  })
  parser.feed(text)
  return { messages, retries }
}

describe('formatSseMessage', () => {
  it('writes the agent frame byte for byte: id, then data', () => {
    expect(formatSseMessage({ id: 7, data: '{"event":"poll.idle"}' })).toBe(
      'id: 7\ndata: {"event":"poll.idle"}\n\n',
    )
    expect(formatSseMessage({ retry: 2000 })).toBe('retry: 2000\n\n')
  })

  it('is read back as it was meant by a standard reader, a data line per line', () => {
    const text =
      formatSseMessage({ id: '3', event: 'enqueued', data: 'one\ntwo\r\nthree' }) +
      SSE_KEEP_ALIVE_COMMENT +
      formatSseMessage({ retry: 1500 })
    const { messages, retries } = parse(text)
    expect(messages).toEqual([{ id: '3', event: 'enqueued', data: 'one\ntwo\nthree' }])
    expect(retries).toEqual([1500])
  })

  it('refuses an id or event that would end its field early, and a retry that is not whole ms', () => {
    expect(() => formatSseMessage({ id: '1\n2', data: '' })).toThrow(TypeError)
    expect(() => formatSseMessage({ event: 'a\rb', data: '' })).toThrow(TypeError)
    expect(() => formatSseMessage({ retry: 1.5 })).toThrow(TypeError)
  })
})

describe('parseEventId', () => {
  it('reads decimal digits only', () => {
    expect([parseEventId('0'), parseEventId('42'), parseEventId('999999999999999')]).toEqual([
      0, 42, 999999999999999,
    ])
    for (const text of ['', '1e3', '-1', '1.5', '+3', ' 3', '0x10', '1000000000000000']) {
      expect(parseEventId(text), text).toBeUndefined()
    }
    expect(parseEventId(undefined)).toBeUndefined()
    expect(parseEventId(null)).toBeUndefined()
  })
})
