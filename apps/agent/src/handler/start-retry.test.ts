import { createVirtualScheduler } from '@sms-command/core/testing'
import { describe, expect, it } from 'vitest'
import type { StartProblem } from './detect-unstartable.ts'
import type { HandlerOutcome } from './run-handler.ts'
import { runWithStartRetry, type StartDeferral } from './start-retry.ts'

const HANDLER = '/opt/handlers/on-start'
const BUSY: StartProblem = { kind: 'busy', description: `${HANDLER} is open for writing` }

const detail = (fields: Partial<HandlerOutcome['detail']> = {}): HandlerOutcome['detail'] => ({
  handler: HANDLER,
  exit_code: null,
  signal: null,
  duration_ms: 0,
  timed_out: false,
  output: '',
  output_bytes: 0,
  output_truncated: false,
  ...fields,
})
const notStarted = (): HandlerOutcome => ({
  result: 'fail',
  detail: detail({ reason: 'spawn-failed', message: `cannot start ${HANDLER}: ETXTBSY` }),
  startError: Object.assign(new Error('spawn ETXTBSY'), { code: 'ETXTBSY' }),
})
const succeeded = (): HandlerOutcome => ({ result: 'success', detail: detail({ exit_code: 0 }) })

/** An attempt function that fails to start `failures` times, then succeeds. */
function attempts(failures: number) {
  let calls = 0
  const attempt = async () => (++calls <= failures ? notStarted() : succeeded())
  return { attempt, calls: () => calls }
}

describe('runWithStartRetry', () => {
  it('retries a start that failed on the file with doubling delays, announcing each, until it starts', async () => {
    const scheduler = createVirtualScheduler()
    const deferrals: StartDeferral[] = []
    const { attempt, calls } = attempts(3)
    const running = runWithStartRetry(attempt, {
      handler: HANDLER,
      startTimeoutMs: 300_000,
      scheduler,
      diagnose: async () => BUSY,
      onDeferred: (deferral) => deferrals.push(deferral),
    })
    for (let turn = 0; turn < 3; turn++) await scheduler.runNext()
    const outcome = await running
    expect(outcome.result).toBe('success')
    expect(calls()).toBe(4)
    expect(scheduler.sleeps).toEqual([1_000, 2_000, 4_000])
    expect(deferrals.map((d) => [d.attempt, d.delayMs, d.problem.kind])).toEqual([
      [1, 1_000, 'busy'],
      [2, 2_000, 'busy'],
      [3, 4_000, 'busy'],
    ])
    expect(deferrals[0]?.giveUpAt).toBe(Date.UTC(2026, 0, 1) + 300_000)
  })

  it('gives up with a clear spawn-failed only after --handler-start-timeout, delays capped at 30 s', async () => {
    const scheduler = createVirtualScheduler()
    const { attempt, calls } = attempts(Number.POSITIVE_INFINITY)
    const running = runWithStartRetry(attempt, {
      handler: HANDLER,
      startTimeoutMs: 120_000,
      scheduler,
      diagnose: async () => BUSY,
    })
    let waited = 0
    while (waited < 120_000) waited += await scheduler.runNext()
    const outcome = await running
    expect(waited).toBe(120_000)
    // 1+2+4+8+16+30+30 = 91 s, then the rest (29 s) to reach the deadline exactly.
    expect(scheduler.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 29_000])
    expect(calls()).toBe(9)
    expect(outcome.startError).toBeUndefined()
    expect(outcome.detail).toMatchObject({
      reason: 'spawn-failed',
      start_problem: 'busy',
      start_attempts: 9,
      message: `${HANDLER} is open for writing; gave up after 9 attempts in 2 min (--handler-start-timeout)`,
    })
  })

  it('tries once with a zero timeout, and at once for failures that are not about the file', async () => {
    const scheduler = createVirtualScheduler()
    const once = await runWithStartRetry(attempts(1).attempt, {
      handler: HANDLER,
      startTimeoutMs: 0,
      scheduler,
      diagnose: async () => BUSY,
    })
    expect(once.detail).toMatchObject({ reason: 'spawn-failed', start_attempts: 1 })
    const undiagnosed = attempts(1)
    const plain = await runWithStartRetry(undiagnosed.attempt, {
      handler: HANDLER,
      startTimeoutMs: 300_000,
      scheduler,
      diagnose: async () => undefined,
    })
    expect(plain.detail.message).toBe(`cannot start ${HANDLER}: ETXTBSY`)
    expect(undiagnosed.calls()).toBe(1)
    expect(scheduler.sleeps).toEqual([])
  })

  it('stops waiting when the agent stops: interrupted, not started (the command never ran)', async () => {
    const scheduler = createVirtualScheduler()
    const stop = new AbortController()
    const running = runWithStartRetry(attempts(Number.POSITIVE_INFINITY).attempt, {
      handler: HANDLER,
      startTimeoutMs: 300_000,
      scheduler,
      signal: stop.signal,
      diagnose: async () => BUSY,
    })
    await scheduler.runNext()
    await new Promise((resolve) => setTimeout(resolve, 0))
    stop.abort('SIGTERM')
    const outcome = await running
    expect(outcome.detail).toMatchObject({
      reason: 'interrupted',
      start_problem: 'busy',
      start_attempts: 2,
    })
    expect(outcome.detail.message).toContain('the handler was not started')
    expect(outcome.detail.not_started).toBe(true)
  })
})
