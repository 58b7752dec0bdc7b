import { setMaxListeners } from 'node:events'
import {
  type PollEvent,
  pollCommands,
  type Scheduler,
  type SmsClient,
  systemScheduler,
} from '@sms-command/core'
import { shortError } from '../fleet.ts'
import type { ErrorInfo, ServerUpdate, SourceStatus } from '../model.ts'
import { toErrorInfo } from './errors.ts'

/** Options of {@link startApiSource}. */
export interface ApiSourceOptions {
  client: SmsClient
  serverIds: readonly string[]
  /** Requests in flight at most, across the fleet. */
  concurrency: number
  /** Read before every pause, so `+`/`-` take effect on the next poll. */
  intervalMs: () => number
  /** Cap of the per-server backoff after consecutive errors. Default 5 minutes. */
  backoffMaxMs?: number
  /** Pause after 400/401/403/404 (retrying soon can't fix those). Default 60 s. */
  slowRetryDelayMs?: number
  emit: (update: ServerUpdate) => void
  status: (status: SourceStatus) => void
  signal: AbortSignal
  scheduler?: Scheduler
  random?: () => number
}

/** A running API source. */
export interface ApiSource {
  /** Cuts every server's pause short (after the interval was shortened). */
  wakeAll(): void
  /** Settles when every poller has stopped (after `signal` aborts). */
  done: Promise<void>
}

/**
 * A counting semaphore: at most `limit` holders at once, FIFO.
 *
 * @example
 * const gate = createSemaphore(8)
 * const release = await gate.acquire(signal)
 * try { await work() } finally { release() }
 */
export function createSemaphore(limit: number) {
  let active = 0
  const waiting: (() => void)[] = []
  return {
    get active() {
      return active
    },
    get waiting() {
      return waiting.length
    },
    async acquire(signal?: AbortSignal): Promise<() => void> {
      if (active < limit) {
        active++
      } else {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            const index = waiting.indexOf(grant)
            if (index >= 0) waiting.splice(index, 1)
            reject(signal?.reason)
          }
          const grant = () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          }
          if (signal?.aborted) {
            onAbort()
            return
          }
          signal?.addEventListener('abort', onAbort, { once: true })
          waiting.push(grant)
        })
      }
      let released = false
      return () => {
        if (released) return
        released = true
        const next = waiting.shift()
        // The slot passes straight to the next waiter, so `active` stays the same.
        if (next) next()
        else active--
      }
    },
  }
}

/**
 * Polls `GET .../command` for every server with core's `pollCommands` (interval, per-server capped
 * full-jitter backoff, `Retry-After`), at most `concurrency` requests at once, and reports each
 * answer as a {@link ServerUpdate}. Read-only: under API.md §2 a GET does not consume the
 * command, so watching beside running agents is safe. Never throws: a server whose id SMS
 * can't take, or a poller that fails, shows as an error row.
 *
 * @example
 * const source = startApiSource({ client, serverIds, concurrency: 8, intervalMs: () => 10_000,
 *   emit: batcher.push, status: (s) => store.dispatch({ type: 'source', status: s }), signal })
 */
export function startApiSource(options: ApiSourceOptions): ApiSource {
  const scheduler = options.scheduler ?? systemScheduler
  const gate = createSemaphore(Math.max(1, Math.floor(options.concurrency)))
  // The poll loop measures from before the request was queued at the gate; this is the request
  // alone, which is what the latency column promises.
  const measured = new Map<string, number>()
  const { client, signal } = options
  // Every server's poller waits on this one signal (a pause, or a place in the queue at the gate,
  // each removed when done): that many listeners are expected, not a leak. Node warns past ten.
  setMaxListeners(Math.max(10, options.serverIds.length * 2 + 10), signal)

  const limited: SmsClient = {
    endpoint: client.endpoint,
    authKind: client.authKind,
    async getCommand(serverId, callOptions) {
      const release = await gate.acquire(callOptions?.signal)
      const started = scheduler.now()
      try {
        return await client.getCommand(serverId, callOptions)
      } finally {
        measured.set(serverId, scheduler.now() - started)
        release()
      }
    },
    reportResult: () =>
      Promise.reject(new Error('sms-watch never reports results: it only watches')),
    listServers: (listOptions) => client.listServers(listOptions),
  }

  const target = client.endpoint
  const lastOutcome = new Map<string, ErrorInfo | null>()
  let announced: string | undefined
  const announce = (status: SourceStatus['status'], message?: string) => {
    const key = `${status}:${message ?? ''}`
    if (key === announced) return
    announced = key
    options.status({ kind: 'api', target, status, message, at: scheduler.now() })
  }
  announce('connecting')

  // The source is "ok" while any server answers; when every server polled so far fails, the
  // header says why (an unreachable endpoint, a 401 for a bad token), not just "error".
  function summarize(): void {
    let failing = 0
    let sample: ErrorInfo | undefined
    for (const outcome of lastOutcome.values()) {
      if (outcome) {
        failing++
        sample ??= outcome
      }
    }
    if (lastOutcome.size === 0) return
    if (failing < lastOutcome.size || !sample) {
      announce('ok')
      return
    }
    const code = shortError(sample)
    const hint =
      sample.status === 401
        ? ' (check the credentials)'
        : sample.status === 403
          ? ' (no permission)'
          : sample.code === 'network'
            ? ' (endpoint unreachable)'
            : ''
    announce('error', `${code ? `${code} ` : ''}on every server${hint}`)
  }

  const pollers: ReturnType<typeof pollCommands>[] = []

  function toUpdate(event: PollEvent): ServerUpdate {
    const latencyMs = measured.get(event.serverId) ?? event.latencyMs
    const base = { serverId: event.serverId, at: event.at, poll: { latencyMs } }
    if (event.type === 'error') {
      const error = toErrorInfo(event.error, event.at)
      lastOutcome.set(event.serverId, error)
      return { ...base, error }
    }
    lastOutcome.set(event.serverId, null)
    if (event.type === 'idle') return { ...base, error: null, command: null }
    const param = event.command.command_param
    return {
      ...base,
      error: null,
      command: { name: event.command.command_name, taskId: param.task_id, bucket: param.bucket },
    }
  }

  async function watchServer(serverId: string): Promise<void> {
    const poller = pollCommands(limited, serverId, {
      intervalMs: options.intervalMs,
      firstPollJitterMs: Math.min(options.intervalMs(), 1_000),
      backoff: { baseDelayMs: 1_000, maxDelayMs: options.backoffMaxMs ?? 300_000 },
      slowRetryDelayMs: options.slowRetryDelayMs ?? 60_000,
      signal,
      scheduler,
      ...(options.random ? { random: options.random } : {}),
    })
    pollers.push(poller)
    try {
      for await (const event of poller) {
        options.emit(toUpdate(event))
        summarize()
      }
    } catch (error) {
      if (signal.aborted) return
      // An id SMS can't take (over 255 characters, say) or an unexpected failure: shown on the
      // row; the other servers carry on.
      const at = scheduler.now()
      const info = toErrorInfo(error, at)
      lastOutcome.set(serverId, info)
      options.emit({ serverId, at, error: { ...info, message: `${info.message}; not polled` } })
      summarize()
    }
  }

  const done = Promise.all(options.serverIds.map(watchServer)).then(() => undefined)
  return {
    wakeAll() {
      for (const poller of pollers) poller.wake()
    },
    done,
  }
}
