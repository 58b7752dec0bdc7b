import { describe, expect, it } from 'vitest'
import { serverEvent } from './control.ts'
import { EventHub } from './event-hub.ts'

const events = (ids: string[]) => ids.map((id) => serverEvent(id, 'registered'))

async function take(iterable: AsyncIterable<{ seq: number }>, count: number): Promise<number[]> {
  const seqs: number[] = []
  for await (const event of iterable) {
    seqs.push(event.seq)
    if (seqs.length === count) break
  }
  return seqs
}

describe('EventHub: one backlog for replay and live reading', () => {
  it('replays from since, then goes on live, in seq order', async () => {
    const hub = new EventHub(10)
    hub.publish(events(['a', 'b', 'c']), 0)
    const controller = new AbortController()
    const reading = take(hub.subscribe({ since: 1 }, controller.signal), 4)
    hub.publish(events(['d', 'e']), 0)
    expect(await reading).toEqual([2, 3, 4, 5])
    controller.abort()
  })

  it('gives a reader that fell more than the backlog behind the newest events, the gap in seq', async () => {
    const hub = new EventHub(3)
    const controller = new AbortController()
    const iterator = hub.subscribe({}, controller.signal)[Symbol.asyncIterator]()
    hub.publish(events(['a']), 0)
    expect((await iterator.next()).value.seq).toBe(1)
    // Eight events while the reader is busy: only the newest three are still held.
    hub.publish(events(['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']), 0)
    const seqs = [(await iterator.next()).value.seq]
    seqs.push((await iterator.next()).value.seq, (await iterator.next()).value.seq)
    expect(seqs).toEqual([7, 8, 9])
    // Exactly what a client resuming from an old `since` gets.
    expect(await take(hub.subscribe({ since: 1 }, controller.signal), 3)).toEqual([7, 8, 9])
    controller.abort()
    expect((await iterator.next()).done).toBe(true)
    expect(hub.subscribers).toBe(0)
  })

  it('reads a since past the newest seq (a client of a mock that restarted) as from now', async () => {
    const hub = new EventHub(10)
    hub.publish(events(['a']), 0)
    const controller = new AbortController()
    const reading = take(hub.subscribe({ since: 500 }, controller.signal), 1)
    hub.publish(events(['b']), 0)
    expect(await reading).toEqual([2])
    controller.abort()
  })

  it('filters by server and type, and starts from now without since', async () => {
    const hub = new EventHub(10)
    hub.publish(events(['a', 'b']), 0)
    const controller = new AbortController()
    const reading = take(hub.subscribe({ servers: ['b'] }, controller.signal), 1)
    hub.publish(events(['a', 'b']), 0)
    expect(await reading).toEqual([4])
    controller.abort()
  })
})
