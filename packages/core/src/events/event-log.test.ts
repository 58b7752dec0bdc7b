import { describe, expect, it } from 'vitest'
import { EventLog } from './event-log.ts'

async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) {
    items.push(item)
    if (items.length === count) break
  }
  return items
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

describe('EventLog: one backlog for replay and live reading', () => {
  it('numbers items from 1 and replays those after an id, then goes on live, in order', async () => {
    const log = new EventLog<string>(10)
    expect(['a', 'b', 'c'].map((item) => log.append(item))).toEqual([1, 2, 3])
    const controller = new AbortController()
    const reading = take(log.follow(1, controller.signal), 4)
    log.append('d')
    log.append('e')
    expect(await reading).toEqual(['b', 'c', 'd', 'e'])
    controller.abort()
  })

  it('replays everything kept from 0, and starts from now without an id', async () => {
    const log = new EventLog<string>(10)
    log.append('a')
    log.append('b')
    const controller = new AbortController()
    expect(await take(log.follow(0, controller.signal), 2)).toEqual(['a', 'b'])
    const live = take(log.follow(undefined, controller.signal), 1)
    log.append('c')
    expect(await live).toEqual(['c'])
    controller.abort()
  })

  it('gives a reader that fell more than the capacity behind the newest items (a gap in ids)', async () => {
    const log = new EventLog<number>(3)
    const controller = new AbortController()
    const iterator = log.follow(undefined, controller.signal)[Symbol.asyncIterator]()
    log.append(1)
    expect((await iterator.next()).value).toBe(1)
    // Eight items while the reader is busy: only the newest three are still kept.
    for (let item = 2; item <= 9; item++) log.append(item)
    const read = [(await iterator.next()).value]
    read.push((await iterator.next()).value, (await iterator.next()).value)
    expect(read).toEqual([7, 8, 9])
    // Exactly what a client resuming from an old id gets.
    expect(await take(log.follow(1, controller.signal), 3)).toEqual([7, 8, 9])
    expect(log.entries()).toEqual([7, 8, 9])
    controller.abort()
    expect((await iterator.next()).done).toBe(true)
    expect(log.followers).toBe(0)
  })

  it('reads an id past the newest as a previous numbering: from now, not after that id', async () => {
    // A client that saw id 500 of a producer that restarted (now at 2) must not wait for id 501.
    const log = new EventLog<string>(10)
    log.append('old')
    log.append('older')
    const controller = new AbortController()
    const reading = take(log.follow(500, controller.signal), 1)
    log.append('new')
    expect(await reading).toEqual(['new'])
    controller.abort()
  })

  it('continues numbering after a restored id, replaying nothing before it', async () => {
    const log = new EventLog<string>(10)
    log.continueAfter(67)
    log.continueAfter(5) // never backwards
    expect(log.nextId).toBe(68)
    const controller = new AbortController()
    const reading = take(log.follow(60, controller.signal), 1)
    expect(log.append('x')).toBe(68)
    expect(await reading).toEqual(['x'])
    controller.abort()
  })

  it('forgets its items on clear but keeps numbering', async () => {
    const log = new EventLog<string>(10)
    log.append('a')
    log.clear()
    expect(log.entries()).toEqual([])
    expect(log.append('b')).toBe(2)
    const controller = new AbortController()
    expect(await take(log.follow(0, controller.signal), 1)).toEqual(['b'])
    controller.abort()
  })

  it('counts a reader from follow() until its signal aborts, and wakes it to end', async () => {
    const log = new EventLog<string>(4)
    const controller = new AbortController()
    const iterable = log.follow(undefined, controller.signal)
    expect(log.followers).toBe(1)
    const next = iterable[Symbol.asyncIterator]().next()
    await tick()
    controller.abort()
    expect(await next).toEqual({ done: true, value: undefined })
    expect(log.followers).toBe(0)
    const aborted = log.follow(0, AbortSignal.abort())
    expect(log.followers).toBe(0)
    expect(await take(aborted, 1)).toEqual([])
  })

  it('filters and shapes items in the same step with select', async () => {
    const log = new EventLog<{ n: number }>(10)
    for (let n = 1; n <= 4; n++) log.append({ n })
    const controller = new AbortController()
    const even = log.follow(0, controller.signal, (item) =>
      item.n % 2 === 0 ? `#${item.n}` : undefined,
    )
    expect(await take(even, 2)).toEqual(['#2', '#4'])
    controller.abort()
  })

  it('refuses NaN as an id and a capacity that is not a positive integer', () => {
    const log = new EventLog<string>(1)
    expect(() => log.follow(Number.NaN, new AbortController().signal)).toThrow(RangeError)
    expect(() => new EventLog(0)).toThrow(RangeError)
  })
})
