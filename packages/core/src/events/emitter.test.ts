import { describe, expect, it } from 'vitest'
import { createAgentEvents, type EmitContext, type EmittedAgentEvent } from './emitter.ts'

describe('createAgentEvents', () => {
  it('sends each event once to every listener, stamped with the clock', () => {
    const events = createAgentEvents({ now: () => 1_000 })
    const first: [EmittedAgentEvent, EmitContext][] = []
    const second: string[] = []
    events.subscribe((event, context) => first.push([event, context]))
    events.subscribe((event) => second.push(event.event))
    events.emit({ event: 'poll.idle', latency_ms: 12, delay: 1_000 })
    expect(first).toEqual([[{ event: 'poll.idle', latency_ms: 12, delay: 1_000 }, { at: 1_000 }]])
    expect(second).toEqual(['poll.idle'])
  })

  it('keeps the time and cause the producer gives', () => {
    const events = createAgentEvents({ now: () => 1_000 })
    const contexts: EmitContext[] = []
    events.subscribe((_event, context) => contexts.push(context))
    const cause = new Error('boom')
    events.emit({ event: 'poll.recovered', attempt: 2 }, { at: 500, cause })
    expect(contexts).toEqual([{ at: 500, cause }])
  })

  it('goes on with the other listeners when one throws', () => {
    const events = createAgentEvents({ now: () => 0 })
    const seen: string[] = []
    events.subscribe(() => {
      throw new Error('broken observer')
    })
    events.subscribe((event) => seen.push(event.event))
    expect(() => events.emit({ event: 'outbox.flush', outbox: 1 })).not.toThrow()
    expect(seen).toEqual(['outbox.flush'])
  })

  it('stops calling a listener once unsubscribed', () => {
    const events = createAgentEvents({ now: () => 0 })
    const seen: string[] = []
    const unsubscribe = events.subscribe((event) => seen.push(event.event))
    events.emit({ event: 'poll.recovered' })
    unsubscribe()
    events.emit({ event: 'poll.recovered' })
    expect(seen).toEqual(['poll.recovered'])
  })
})
