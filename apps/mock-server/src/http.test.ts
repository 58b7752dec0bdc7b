import { afterEach, describe, expect, it, vi } from 'vitest'
import { sleep } from './http.ts'
import { MAX_TIMER_MS } from './rules/time-bounds.ts'

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('waits the whole of a wait longer than a timer can hold, instead of firing at once', async () => {
    vi.useFakeTimers()
    let done = false
    const waiting = sleep(MAX_TIMER_MS + 1_000).then(() => {
      done = true
    })
    await vi.advanceTimersByTimeAsync(1)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(done).toBe(true)
    await waiting
  })
})
