import { describe, expect, it } from 'vitest'
import { RingBuffer } from './ring-buffer.ts'

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first, overwriting the oldest when full', () => {
    const ring = new RingBuffer<number>(3)
    for (const item of [1, 2, 3, 4, 5]) ring.push(item)
    expect(ring.size).toBe(3)
    expect(ring.toArray()).toEqual([3, 4, 5])
    expect([ring.at(0), ring.at(2), ring.at(3), ring.at(-1)]).toEqual([3, 5, undefined, undefined])
  })

  it('empties on clear and refuses a capacity that is not a positive integer', () => {
    const ring = new RingBuffer<string>(2)
    ring.push('a')
    ring.clear()
    expect(ring.size).toBe(0)
    expect(ring.toArray()).toEqual([])
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => new RingBuffer(capacity)).toThrow(RangeError)
    }
  })
})
