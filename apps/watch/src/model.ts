/**
 * The watch's data model: what it knows about each server, and the facts sources report.
 * Sources (the API poller, the mock's event stream, an agent's event stream) all speak
 * {@link ServerUpdate}; the reducer folds updates into {@link ServerView}s.
 *
 * @module
 */

/** A command as the watch shows it. */
export interface CommandInfo {
  name: string
  taskId?: string | undefined
  bucket?: string | undefined
}

/** A failure seen for a server (a poll error, an injected fault, an auth failure). */
export interface ErrorInfo {
  /** HTTP status, when there was an answer. */
  status?: number | undefined
  /** `error_code` from the body (`APIGW.0301`, `SMS.2007`, …) or a short reason (`timeout`). */
  code?: string | undefined
  /** A secret-free description. */
  message: string
  at: number
}

/**
 * Where a server's command stands. `waiting`: nothing heard yet; `pending`: a command is current
 * and nobody is known to have fetched it; `delivered`: an agent fetched it; `running`: an agent is
 * running its handler; `idle`: no command is pending.
 */
export type Phase = 'waiting' | 'idle' | 'pending' | 'delivered' | 'running'

/** What the state column shows: the phase, or `error` while the server is failing. */
export type ServerState = Phase | 'error'

/** One line of a server's history, or of the fleet's event log. */
export interface LogEntry {
  at: number
  serverId?: string | undefined
  level: 'info' | 'warn' | 'error'
  text: string
}

/** A reported result. */
export interface ResultInfo {
  command: CommandInfo
  result: 'success' | 'fail'
  at: number
  detail?: string | undefined
}

/** Activity counts in fixed time slots, newest last, for the sparkline. */
export interface Activity {
  /** Index (time / slot length) of the newest slot. */
  slot: number
  counts: readonly number[]
  errors: readonly number[]
}

/**
 * What SMS itself says about a source server (`GET /v3/sources`, docs/api.md §8). Every field is
 * optional there; unknown states pass through as strings.
 */
export interface SmsServerInfo {
  /** `replicate`, `error`, `finished`, … */
  state?: string | undefined
  /** `checking`, `replicating`, `cutovered`, … */
  migrationCycle?: string | undefined
  /** Whether SMS currently sees the server's agent. */
  connected?: boolean | undefined
  /** When that connection state last changed (epoch ms). */
  connectedSince?: number | undefined
  ip?: string | undefined
  osType?: string | undefined
}

/** Everything the watch knows about one server. */
export interface ServerView {
  id: string
  /** The name SMS knows it by, once discovered or looked up. */
  name: string | null
  /** SMS's own view of the server, from the fleet list. */
  sms: SmsServerInfo | null
  phase: Phase
  command: CommandInfo | null
  /** When the current command was first seen. */
  commandSince: number | null
  /** Commands queued behind the current one, when the source knows (the mock does). */
  queued: number | null
  lastPollAt: number | null
  latencyMs: number | null
  /** Last time anything was heard about this server. */
  lastSeenAt: number | null
  /** The most recent error; it stays shown (dimmed) after the server recovers. */
  lastError: ErrorInfo | null
  /** True while the server is failing: set by an error, cleared by the next success. */
  failing: boolean
  consecutiveErrors: number
  lastResult: ResultInfo | null
  polls: number
  errors: number
  results: number
  activity: Activity
  /** Newest last, bounded by `LIMITS_WATCH.historyPerServer`. */
  history: readonly LogEntry[]
}

/** A fact about one server, from any source. Every field but `serverId` and `at` is optional. */
export interface ServerUpdate {
  serverId: string
  at: number
  /** The server's name and SMS's view of it, from the fleet list (not a poll). */
  listed?: { name?: string | undefined; sms: SmsServerInfo } | undefined
  /** This was a poll of `GET .../command` that got an answer or failed (latency when known). */
  poll?: { latencyMs?: number | undefined } | undefined
  phase?: Phase | undefined
  /** The current command; `null` when none is pending. */
  command?: CommandInfo | null | undefined
  /** When the current command was enqueued, if the source knows (else: when first seen). */
  commandSince?: number | undefined
  queued?: number | undefined
  /** An error (the server is failing), or `null` when a success shows it has recovered. */
  error?: ErrorInfo | null | undefined
  /**
   * Push sources see failures but not the quiet successes after them: this clears `failing`
   * without claiming a recovery, once an error is old enough.
   */
  errorExpired?: boolean | undefined
  result?: Omit<ResultInfo, 'at'> | undefined
  /** A free-form line for the history and the event log. */
  note?: { level: LogEntry['level']; text: string } | undefined
}

/** How a source is doing, shown in the header. */
export interface SourceStatus {
  /** `api`, `mock`, `agent`. */
  kind: string
  /** What it reads from (a URL; never a credential). */
  target: string
  /** `stale`: the stream is open but silent past its keep-alive (a dropped NAT or VPN route). */
  status: 'connecting' | 'ok' | 'error' | 'stale'
  message?: string | undefined
  at: number
  /** With `stale`: when the source last sent a byte. */
  since?: number | undefined
  /** With `error`, when the source tries again by itself (the fleet list, the mock's snapshot). */
  retryAt?: number | undefined
}

/** The fleet's request budget (`--max-rps`) as the header shows it. */
export interface BudgetView {
  maxRps: number
  /** The rate in force (lower than `maxRps` after a 429, recovering slowly). */
  rps: number
  /** Servers sharing it. */
  servers: number
  /** When a throttling answer last lowered the rate. */
  throttledAt?: number | undefined
  /** While a throttling answer's `Retry-After` holds every poll: until when. */
  heldUntil?: number | undefined
}

/** Bounds that keep memory flat however long the watch runs. */
export const LIMITS_WATCH = {
  historyPerServer: 50,
  eventLog: 200,
  sparkSlots: 16,
  sparkSlotMs: 2_000,
  rateWindowSeconds: 10,
  filterLength: 200,
  /** Longest history line or error message kept. */
  textLength: 1_000,
} as const

/** Poll intervals `+` and `-` step through. */
export const INTERVAL_LADDER_MS = [
  1_000, 2_000, 3_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000,
] as const
