import { cliAuthProvider } from '@sms-command/cli-kit'
import {
  createRuntimeFetch,
  describeProxies,
  readProxyEnvironment,
} from '@sms-command/cli-kit/proxy-fetch'
import { createSmsClient, systemScheduler } from '@sms-command/core'
import { render } from 'ink'
import { createElement } from 'react'
import { WatchApp } from './app.tsx'
import type { WatchConfig } from './config.ts'
import type { LogEntry, ServerUpdate, SourceStatus } from './model.ts'
import { startNdjson } from './ndjson.ts'
import { initialState } from './reducer.ts'
import { shortError } from './server-view.ts'
import { startAgentSource } from './sources/agent-source.ts'
import { startApiSource } from './sources/api-source.ts'
import { type ServerLister, startDiscovery } from './sources/discovery.ts'
import { toErrorInfo } from './sources/errors.ts'
import { createFleetBudget, type FleetBudget } from './sources/fleet-budget.ts'
import { startMockSource } from './sources/mock-source.ts'
import { createStore, createUpdateBatcher, type WatchStore } from './store.ts'
import { enterFullScreen, leaveFullScreen } from './terminal.ts'
import { formatClock } from './view/format.ts'

/** The streams and process hooks `sms-watch` runs with (injectable for tests). */
export interface WatchIo {
  stdout: NodeJS.WriteStream
  stdin: NodeJS.ReadStream
  stderr: NodeJS.WriteStream
  /** Registers a handler for SIGINT/SIGTERM/SIGHUP; returns its removal. */
  onSignal?: (handler: () => void) => () => void
  /**
   * Quits the watch when aborted (cli-kit's runner aborts it on the first signal). Given, the
   * watch registers no signal handlers of its own.
   */
  signal?: AbortSignal
  now?: () => number
  /** Where the proxy variables are read (default: the process environment). */
  env?: Readonly<Record<string, string | undefined>>
  /** The fetch of every request (default: cli-kit's runtime fetch, built from `env`). */
  fetch?: typeof fetch
}

const VERSION_AGENT = 'sms-watch/0.1.0'

function processSignals(handler: () => void): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  let received = 0
  // The first signal quits cleanly (terminal restored, sources stopped); a second one insists.
  const onSignal = () => {
    received++
    if (received > 1) process.exit(130)
    handler()
  }
  for (const signal of signals) process.on(signal, onSignal)
  return () => {
    for (const signal of signals) process.off(signal, onSignal)
  }
}

/** Runs `handler` once `signal` is aborted (at once if it already is); returns its removal. */
function untilAborted(signal: AbortSignal, handler: () => void): () => void {
  if (signal.aborted) {
    queueMicrotask(handler)
    return () => {}
  }
  signal.addEventListener('abort', handler, { once: true })
  return () => signal.removeEventListener('abort', handler)
}

/** How long stopping may wait for sources before the process exits anyway. */
const STOP_GRACE_MS = 3_000

/** With an explicit `--servers` list, names are looked up this long after polling starts. */
const NAME_LOOKUP_DELAY_MS = 2_000

/**
 * Reads SMS's fleet list every minute: with `--servers all` it decides which servers are polled
 * (and their names); with an explicit list it only names them. Shown in the header as the
 * `fleet` source.
 */
function discoverServers(
  api: NonNullable<WatchConfig['api']>,
  lister: ServerLister,
  budget: FleetBudget,
  hooks: {
    signal: AbortSignal
    now: () => number
    emit: (update: ServerUpdate) => void
    status: (status: SourceStatus) => void
    servers: (ids: string[], at: number) => void
    /** The list failed: a 429 on it may have lowered or held the shared budget. */
    budgetChanged: () => void
  },
): Promise<void> {
  const target = api.endpoint
  const known = api.discover ? null : new Set(api.serverIds)
  hooks.status({ kind: 'fleet', target, status: 'connecting', at: hooks.now() })
  return startDiscovery({
    lister,
    filters: api.discover ?? {},
    budget,
    // With ids given, polling starts at once and the names follow; with `all` the list comes first.
    firstDelayMs: known ? NAME_LOOKUP_DELAY_MS : 0,
    signal: hooks.signal,
    found: (servers, at) => {
      if (!known)
        hooks.servers(
          servers.map((server) => server.id),
          at,
        )
      let named = 0
      for (const server of servers) {
        if (known && !known.has(server.id)) continue
        named++
        hooks.emit({ serverId: server.id, at, listed: { name: server.name, sms: server.sms } })
      }
      hooks.status({
        kind: 'fleet',
        target,
        status: 'ok',
        message: `${named} server${named === 1 ? '' : 's'} listed`,
        at,
      })
    },
    failed: (error, retryAt) => {
      hooks.budgetChanged()
      const code = shortError(error)
      hooks.status({
        kind: 'fleet',
        target,
        status: 'error',
        retryAt,
        // The retry time first: a long error message is cut at the terminal's edge.
        message: `listing failed, retry at ${formatClock(retryAt)}: ${code ? `${code} ` : ''}${error.message}`,
        at: error.at,
      })
    },
  })
}

/**
 * The endpoints the watch requests, by the label its proxy announcement uses.
 *
 * @example
 * describeProxies(watchEndpoints(config), readProxyEnvironment((name) => process.env[name]))
 */
export function watchEndpoints(config: WatchConfig): Record<string, string | undefined> {
  const endpoints: Record<string, string | undefined> = {}
  if (config.api) {
    endpoints.SMS = config.api.endpoint
    if (config.api.auth.kind === 'iam-password') endpoints.IAM = config.api.auth.iamEndpoint
  }
  if (config.mock) endpoints.mock = config.mock.url.href
  config.agents.forEach((url, index) => {
    endpoints[config.agents.length === 1 ? 'agent' : `agent ${index + 1}`] = url.href
  })
  return endpoints
}

/**
 * Starts every configured source, feeding the store. Never throws: a source that can't even start
 * (credentials core refuses, say) shows as a source error in the header. Every request (polls,
 * the fleet list, IAM logins, the mock's and agents' streams) goes through `fetchImpl`.
 *
 * @example
 * const running = startSources(config, store, controller.signal, Date.now, createRuntimeFetch())
 * await running.done
 */
export function startSources(
  config: WatchConfig,
  store: WatchStore,
  signal: AbortSignal,
  now: () => number = Date.now,
  fetchImpl: typeof fetch = createRuntimeFetch(),
): { done: Promise<void>; flush: () => void } {
  const batcher = createUpdateBatcher((updates) => store.dispatch({ type: 'updates', updates }), 50)
  const emit = (update: Parameters<typeof batcher.push>[0]) => batcher.push(update)
  const status = (source: Parameters<WatchStore['dispatch']>[0] & { type: 'source' }) => {
    batcher.flush()
    store.dispatch(source)
  }
  const log = (entry: LogEntry) => {
    batcher.flush()
    store.dispatch({ type: 'log', entry })
  }
  const running: Promise<void>[] = []

  if (config.api) {
    const api = config.api
    try {
      const client = createSmsClient({
        endpoint: api.endpoint,
        auth: cliAuthProvider(api.auth, { fetch: fetchImpl }),
        timeoutMs: api.requestTimeoutMs,
        fetch: fetchImpl,
        retry: false,
        userAgent: VERSION_AGENT,
      })
      const budget = createFleetBudget({ maxRps: api.maxRps, scheduler: systemScheduler })
      const source = startApiSource({
        client,
        serverIds: api.serverIds,
        concurrency: api.concurrency,
        intervalMs: () => store.getState().intervalMs,
        budget,
        budgetStatus: (report) => {
          batcher.flush()
          store.dispatch({
            type: 'budget',
            at: now(),
            budget: {
              maxRps: report.maxRps,
              rps: report.rps,
              servers: report.servers,
              throttledAt: report.throttledAt,
              heldUntil: report.heldUntil,
            },
            // The reducer writes the event log's line naming the server; NDJSON prints it.
            throttled: report.reason,
          })
        },
        emit,
        status: (s) => status({ type: 'source', status: s }),
        signal,
      })
      running.push(
        discoverServers(api, client, budget, {
          signal,
          now,
          emit,
          status: (s) => status({ type: 'source', status: s }),
          budgetChanged: () => source.reportBudget(),
          servers: (ids, at) => {
            batcher.flush()
            store.dispatch({ type: 'servers', ids, at, replace: true })
            // After the table has them: the budget line this reports counts the new fleet.
            source.setServers(ids)
          },
        }),
      )
      // A shorter interval should show at once, not after the long pause already under way.
      const unsubscribe = store.subscribe((state, previous) => {
        if (state.intervalMs < previous.intervalMs) source.wakeAll()
      })
      running.push(source.done.finally(unsubscribe))
    } catch (error) {
      const info = toErrorInfo(error, now())
      store.dispatch({
        type: 'source',
        status: {
          kind: 'api',
          target: api.endpoint,
          status: 'error',
          message: info.message,
          at: now(),
        },
      })
    }
  }
  if (config.mock) {
    running.push(
      startMockSource({
        url: config.mock.url,
        ...(config.mock.adminToken !== undefined ? { adminToken: config.mock.adminToken } : {}),
        emit,
        servers: (ids) => {
          batcher.flush()
          store.dispatch({ type: 'servers', ids, at: now() })
        },
        status: (s) => status({ type: 'source', status: s }),
        log,
        signal,
        fetch: fetchImpl,
      }),
    )
  }
  for (const url of config.agents) {
    running.push(
      startAgentSource({
        url,
        emit,
        status: (s) => status({ type: 'source', status: s }),
        log,
        signal,
        fetch: fetchImpl,
      }),
    )
  }
  return {
    done: Promise.all(running).then(() => batcher.close()),
    flush: () => batcher.flush(),
  }
}

/**
 * Runs `sms-watch` with a parsed configuration: the full-screen TUI on a terminal, NDJSON lines
 * otherwise. Resolves with the exit code once the user quits, a signal arrives or `--duration`
 * ends; the terminal is restored and every source stopped by then. Throws a `ConfigError`, before
 * starting anything, for a proxy variable no fetch could use.
 *
 * @example
 * process.exitCode = await runWatch(config, { stdout: process.stdout, stdin: process.stdin, stderr: process.stderr })
 */
export async function runWatch(config: WatchConfig, io: WatchIo): Promise<number> {
  const now = io.now ?? Date.now
  const interactive = config.json !== true && io.stdout.isTTY === true && io.stdin.isTTY === true
  // Proxy variables as the fetch reads them, so the announcement is what the requests do. Read
  // before anything starts: an unusable value is a ConfigError (exit 2), with nothing to undo.
  const env = io.env ?? process.env
  const readEnv = (name: string) => env[name]
  const proxies = describeProxies(watchEndpoints(config), readProxyEnvironment(readEnv))
  const fetchImpl = io.fetch ?? createRuntimeFetch({ env: readEnv })
  const store = createStore(
    initialState({
      now: now(),
      ...(config.api ? { intervalMs: config.api.intervalMs, serverIds: config.api.serverIds } : {}),
      intervalApplies: config.api !== undefined,
      terminal: { rows: io.stdout.rows || 24, cols: io.stdout.columns || 80 },
      sort: config.sort,
    }),
  )
  const controller = new AbortController()
  const stop = () => store.dispatch({ type: 'quit' })
  const removeSignals = io.signal
    ? untilAborted(io.signal, stop)
    : (io.onSignal ?? processSignals)(stop)
  const timer = config.durationMs === undefined ? undefined : setTimeout(stop, config.durationMs)

  let stopNdjson: (() => void) | undefined
  if (!interactive) {
    stopNdjson = startNdjson(store, (line) => {
      if (io.stdout.writable) io.stdout.write(`${line}\n`)
    })
    // A closed pipe (`sms-watch | head`) ends the watch instead of crashing it.
    io.stdout.on('error', stop)
  }

  if (proxies) {
    store.dispatch({ type: 'log', entry: { at: now(), level: 'info', text: proxies.message } })
    // Also on stderr: a reader of the terminal sees it without parsing the NDJSON `log` line.
    if (!interactive) io.stderr.write(`sms-watch: ${proxies.message}\n`)
  }
  const sources = startSources(config, store, controller.signal, now, fetchImpl)
  try {
    if (interactive) {
      enterFullScreen(io.stdout)
      try {
        const ink = render(
          createElement(WatchApp, { store, color: config.color, refreshMs: config.refreshMs, now }),
          {
            stdout: io.stdout,
            stdin: io.stdin,
            stderr: io.stderr,
            exitOnCtrlC: false,
            patchConsole: true,
            incrementalRendering: false,
          },
        )
        await ink.waitUntilExit()
      } finally {
        leaveFullScreen(io.stdout)
      }
    } else {
      await new Promise<void>((resolve) => {
        if (store.getState().quit) resolve()
        const unsubscribe = store.subscribe((state) => {
          if (!state.quit) return
          unsubscribe()
          resolve()
        })
      })
    }
  } finally {
    if (timer) clearTimeout(timer)
    removeSignals()
    controller.abort()
    // Sources stop at once on abort; never let one that doesn't hold the exit hostage.
    let grace: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      sources.done,
      new Promise<void>((resolve) => {
        grace = setTimeout(resolve, STOP_GRACE_MS)
        grace.unref?.()
      }),
    ])
    clearTimeout(grace)
    stopNdjson?.()
    io.stdout.off('error', stop)
  }
  return 0
}
