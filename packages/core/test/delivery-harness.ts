/**
 * What core's delivery tests share: an in-process SMS (`createFakeSms`), a virtual clock, a
 * client over both, and a driver that lets virtual time run until a promise settles (bounded,
 * never sleeping for real). A "process" is one client, one clock and one journal store object:
 * a crash abandons a process and starts another over the same stored value.
 */

import type { DeliveryOptions } from '../src/delivery/delivery-options.ts'
import { createSmsClient, type SmsClient, staticToken } from '../src/index.ts'
import {
  createFakeSms,
  createVirtualScheduler,
  type FakeSms,
  type VirtualScheduler,
  type WireCommand,
} from '../src/testing/index.ts'

export const SERVER = 'srv-1'
export const TOKEN = 'tok-SECRET-5e1f0c'
export const START = (task: string): WireCommand => ({
  command_name: 'START',
  command_param: { task_id: task },
})

/** One process: its clock, its client (which can die) and the options its passes use. */
export interface TestProcess {
  scheduler: VirtualScheduler
  client: SmsClient
  /** From now on every request of this process hangs: it is gone. */
  die(): void
  /** Options every pass of this process shares (add `journal` and `run`). */
  base: Omit<DeliveryOptions, 'journal' | 'run'>
  /** Lets this process's virtual time run until `promise` settles. */
  drive<T>(promise: Promise<T>): Promise<T>
}

/** A fresh SMS with `SERVER` registered (nothing pending). */
export function fakeSms(...commands: WireCommand[]): FakeSms {
  const sms = createFakeSms()
  sms.enqueue(SERVER, ...commands)
  return sms
}

/**
 * A process talking to `sms`.
 *
 * @example
 * const process = testProcess(sms)
 * await process.drive(deliverOnce(process.client, SERVER, { ...process.base, journal, run }))
 */
export function testProcess(sms: FakeSms, startAt = Date.UTC(2026, 0, 1)): TestProcess {
  const scheduler = createVirtualScheduler(startAt)
  let dead = false
  const client = createSmsClient({
    endpoint: 'https://sms.example.test',
    auth: staticToken(TOKEN),
    fetch: (input, init) => (dead ? new Promise<Response>(() => {}) : sms.fetch(input, init)),
    scheduler,
    timeoutMs: 2_000,
    random: () => 0.5,
  })
  return {
    scheduler,
    client,
    die: () => {
      dead = true
    },
    base: {
      intervalMs: 1_000,
      backoff: { baseDelayMs: 100, maxDelayMs: 5_000 },
      slowRetryMs: 30_000,
      requestTimeoutMs: 2_000,
      scheduler,
      random: () => 0.5,
    },
    async drive<T>(promise: Promise<T>): Promise<T> {
      let settled = false
      const watched = promise.finally(() => {
        settled = true
      })
      watched.catch(() => {})
      for (let turn = 0; turn < 5_000 && !settled; turn++) {
        // runNext waits for a sleeper; the delivery may settle (and sleep no more) meanwhile.
        if (scheduler.pending > 0) await scheduler.runNext().catch(() => {})
        else await scheduler.advance(0)
      }
      if (!settled)
        throw new Error('the delivery did not settle within 5,000 turns of virtual time')
      return watched
    },
  }
}

/** A run that succeeds at once, recording each command it was asked to run. */
export function recordingRun(runs: string[] = []) {
  return Object.assign(
    async (command: { command_param: { task_id?: string } }) => {
      runs.push(command.command_param.task_id ?? '')
      return { result: 'success' as const, result_detail: { took_ms: 5 } }
    },
    { runs },
  )
}
