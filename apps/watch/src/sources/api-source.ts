import { setMaxListeners } from 'node:events'
import {
  type CallOptions,
  isSmsApiError,
  type PollEvent,
  pollCommands,
  type Scheduler,
  type SmsClient,
  systemScheduler,
} from '@sms-command/core'
import type { ErrorInfo, ServerUpdate, SourceStatus } from '../model.ts'
import { shortError } from '../server-view.ts'
import { toErrorInfo } from './errors.ts'
import type { BudgetStatus, FleetBudget } from './fleet-budget.ts'

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
  /**
   * The fleet-wide request budget (`--max-rps`), shared by every server's polls. Without one,
   * only `concurrency` limits the polls.
   */
  budget?: FleetBudget
  /** Told when the budget's rate, the fleet size or the resulting pause changes. */
  budgetStatus?: (report: BudgetReport) => void
  emit: (update: ServerUpdate) => void
  status: (status: SourceStatus) => void
  signal: AbortSignal
  scheduler?: Scheduler
  random?: () => number
}

/** What the header shows about the fleet's budget. */
export interface BudgetReport extends BudgetStatus {
  /** Servers sharing it. */
  servers: number
  /** Each server's pause between polls (the interval, or longer to stay within the budget). */
  intervalMs: number
  /** Set when a throttling answer just lowered the rate. */
  reason?: { serverId: string; error: ErrorInfo }
}

/** A running API source. */
export interface ApiSource {
  /** Cuts every server's pause short (after the interval was shortened). */
  wakeAll(): void
  /** Polls exactly these servers from now on: new ones start, missing ones stop. */
  setServers(ids: readonly string[]): void
  /**
   * Reports the budget again if it changed (after the fleet list, which shares it, was
   * throttled and the budget now holds every request until its Retry-After).
   */
  reportBudget(): void
  /** The servers polled now. */
  readonly servers: readonly string[]
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
 * A 429, or SMS's API gateway saying the user's rate limit is reached (docs/api.md §7): what
 * lowers the fleet's rate. Narrower than core's `statusKind(...) === 'not-applied'` on purpose:
 * a 503 or 408 was not applied either, but says nothing about the user's request budget, so it
 * backs off that one server instead of halving the whole fleet's rate.
 *
 * @example
 * isThrottled(new SmsApiError({ status: 429, body: { error_code: 'APIGW.0308', error_msg: 'x' } })) // true
 */
export function isThrottled(error: unknown): boolean {
  return isSmsApiError(error) && (error.status === 429 || error.errorCode === 'APIGW.0308')
}

/** Throttled answers one poll retries at the fleet's lowered rate before it counts as an error. */
const THROTTLE_RETRIES = 3

/**
 * Polls `GET .../command` for every server with core's `pollCommands` (interval, per-server capped
 * full-jitter backoff, `Retry-After`), at most `concurrency` requests at once and, with a
 * `budget`, at most the fleet's rate: each server's pause grows with the fleet
 * (`servers / rate`), and a throttling answer lowers the whole fleet's rate instead of backing
 * off that one server (the poll waits its turn again). Reports each answer as a
 * {@link ServerUpdate}. Read-only: under docs/api.md §2 a GET does not consume the command, so
 * watching beside running agents is safe. Never throws: a server whose id SMS can't take, or a
 * poller that fails, shows as an error row. `setServers` changes the fleet while it runs
 * (discovery).
 *
 * @example
 * const source = startApiSource({ client, serverIds, concurrency: 8, intervalMs: () => 10_000,
 *   emit: batcher.push, status: (s) => store.dispatch({ type: 'source', status: s }), signal })
 */
export function startApiSource(options: ApiSourceOptions): ApiSource {
  const scheduler = options.scheduler ?? systemScheduler
  const gate = createSemaphore(Math.max(1, Math.floor(options.concurrency)))
  const { budget } = options
  // The poll loop measures from before the request was queued at the gate; this is the request
  // alone, which is what the latency column promises.
  const measured = new Map<string, number>()
  const { client, signal } = options
  // Each server's poller has its own signal (so discovery can stop one); the caller's signal
  // carries one listener that aborts them all.
  const pollers = new Map<
    string,
    { controller: AbortController; poller?: ReturnType<typeof pollCommands> }
  >()
  const running = new Set<Promise<void>>()
  const stopAll = () => {
    for (const entry of pollers.values()) entry.controller.abort(signal.reason)
  }
  signal.addEventListener('abort', stopAll, { once: true })

  let lastBudget = ''
  const reportBudget = (reason?: BudgetReport['reason']) => {
    if (!budget || !options.budgetStatus) return
    const status = budget.status()
    const servers = pollers.size
    const intervalMs = budget.intervalFor(servers, options.intervalMs())
    const key = `${status.rps}:${servers}:${intervalMs}:${status.heldUntil}`
    if (key === lastBudget && reason === undefined) return
    lastBudget = key
    options.budgetStatus({ ...status, servers, intervalMs, ...(reason ? { reason } : {}) })
  }

  const limited = {
    async getCommand(serverId: string, callOptions?: CallOptions) {
      for (let attempt = 0; ; attempt++) {
        const grant = budget
          ? await budget.acquire(callOptions?.signal, { first: attempt > 0 })
          : undefined
        const release = await gate.acquire(callOptions?.signal)
        const started = scheduler.now()
        try {
          return await client.getCommand(serverId, callOptions)
        } catch (error) {
          if (!budget || !grant || !isThrottled(error) || attempt >= THROTTLE_RETRIES) throw error
          const retryAfterMs = isSmsApiError(error) ? error.retryAfterMs : undefined
          if (budget.throttled(grant, retryAfterMs)) {
            const info = toErrorInfo(error, scheduler.now())
            reportBudget({ serverId, error: info })
          }
        } finally {
          measured.set(serverId, scheduler.now() - started)
          release()
        }
      }
    },
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
    // Each failure kind has its own cause: headers too large or a timeout is not "unreachable".
    const hint =
      sample.status === 401
        ? ' (check the credentials)'
        : sample.status === 403
          ? ' (no permission)'
          : sample.code === 'network'
            ? ' (endpoint unreachable)'
            : sample.code === 'timeout'
              ? ' (no answer within the request timeout)'
              : sample.code === 'headers-too-large'
                ? ' (answers arrive, but with headers larger than this runtime accepts: a proxy or gateway in between?)'
                : ''
    announce('error', `${code ? `${code} ` : ''}on every server${hint}`)
  }

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

  // Each server's pause: the interval asked for, or longer when the fleet shares a budget.
  const pauseMs = () =>
    budget ? budget.intervalFor(pollers.size, options.intervalMs()) : options.intervalMs()

  async function watchServer(serverId: string, controller: AbortController): Promise<void> {
    const serverSignal = controller.signal
    const poller = pollCommands(limited, serverId, {
      intervalMs: pauseMs,
      firstPollJitterMs: Math.min(options.intervalMs(), 1_000),
      backoff: { baseDelayMs: 1_000, maxDelayMs: options.backoffMaxMs ?? 300_000 },
      slowRetryDelayMs: options.slowRetryDelayMs ?? 60_000,
      signal: serverSignal,
      scheduler,
      ...(options.random ? { random: options.random } : {}),
    })
    const entry = pollers.get(serverId)
    if (entry) entry.poller = poller
    try {
      for await (const event of poller) {
        options.emit(toUpdate(event))
        summarize()
        reportBudget()
      }
    } catch (error) {
      if (serverSignal.aborted) return
      // An id SMS can't take (over 255 characters, say) or an unexpected failure: shown on the
      // row; the other servers carry on.
      const at = scheduler.now()
      const info = toErrorInfo(error, at)
      lastOutcome.set(serverId, info)
      options.emit({ serverId, at, error: { ...info, message: `${info.message}; not polled` } })
      summarize()
    }
  }

  function setServers(ids: readonly string[]): void {
    if (signal.aborted) return
    const wanted = new Set(ids)
    for (const [id, entry] of pollers) {
      if (wanted.has(id)) continue
      entry.controller.abort()
      pollers.delete(id)
      lastOutcome.delete(id)
      measured.delete(id)
    }
    for (const id of wanted) {
      if (pollers.has(id)) continue
      const controller = new AbortController()
      // A poller waits on its own signal (a pause, a place in a queue), each listener removed
      // when done: that many are expected, not a leak. Node warns past ten.
      setMaxListeners(64, controller.signal)
      pollers.set(id, { controller })
      const task = watchServer(id, controller)
      running.add(task)
      void task.finally(() => running.delete(task))
    }
    reportBudget()
  }

  setServers(options.serverIds)
  const done = new Promise<void>((resolve) => {
    const settle = () => {
      void Promise.all([...running]).then(() => resolve())
    }
    if (signal.aborted) settle()
    else signal.addEventListener('abort', settle, { once: true })
  })
  return {
    wakeAll() {
      for (const entry of pollers.values()) entry.poller?.wake()
    },
    setServers,
    reportBudget() {
      reportBudget()
    },
    get servers() {
      return [...pollers.keys()]
    },
    done,
  }
}
