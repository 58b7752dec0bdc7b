// The client's public types: its options, what its callbacks are told, per-call options and the
// interface itself. Apart from `create-sms-client.ts` so the file that builds the client holds
// only how a call goes.
import type { AuthProvider } from '../auth/auth-provider.ts'
import type { SmsInputError } from '../errors/sms-input-error.ts'
import type { SmsCommand } from '../schemas/command.ts'
import type { CommandResult } from '../schemas/command-result.ts'
import type { SourceServer } from '../schemas/source-server.ts'
import type { MAX_SERVER_DELAY_MS } from '../time/retry-after.ts'
import type { Scheduler } from '../time/scheduler.ts'
import type { ListServersOptions } from './list-servers.ts'
import type { RetryOptions } from './retry-options.ts'

/** Options of {@link createSmsClient}. */
export interface SmsClientOptions {
  /** SMS base URL, e.g. `https://sms.ap-southeast-1.myhuaweicloud.com`; a path prefix is kept. */
  endpoint: string | URL
  auth: AuthProvider
  /** Deadline of one attempt, body included, in ms. Default 30 s. */
  timeoutMs?: number
  /** Retry policy; `false` for a single attempt. */
  retry?: RetryOptions | number | false
  fetch?: typeof fetch
  /** Sent as `User-Agent` where the runtime allows it. */
  userAgent?: string
  /** Clock and timers for deadlines and backoff; a virtual one in tests. */
  scheduler?: Scheduler
  /** Source of jitter in [0, 1). */
  random?: () => number
  /** Called before each retry, e.g. to log it. */
  onRetry?: (info: RetryInfo) => void
  /**
   * Ceiling of a delay a server asks for (`Retry-After`), in ms; `SmsApiError.retryAfterMs`
   * never exceeds it. Default {@link MAX_SERVER_DELAY_MS} (5 min).
   */
  maxServerDelayMs?: number
  /**
   * Told when the client first measures, or sees a change of 2 s or more in, the offset between
   * the server's clock and this one (see {@link SmsClient.clockOffsetMs}), e.g. to warn that the
   * machine's clock drifted.
   */
  onClockOffset?: (info: ClockOffsetInfo) => void
}

/** What {@link SmsClientOptions.onClockOffset} is told. */
export interface ClockOffsetInfo {
  /** The server's clock minus this one, in ms. */
  offsetMs: number
  /** `gateway`: a 401's skew text; `date`: an agreeing clock 401's `Date` (never `Date` alone). */
  source: 'date' | 'gateway'
}

/** What {@link SmsClientOptions.onRetry} is told. */
export interface RetryInfo {
  method: string
  path: string
  /** Absent for requests about no one server (`listServers`). */
  serverId: string | undefined
  /** The attempt that failed, from 1. */
  attempt: number
  delayMs: number
  /** Set when the wait came from a `Retry-After` over `maxServerDelayMs`: what it asked for. */
  retryAfterClampedFromMs?: number
  error: Error
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal
  /** Overrides the client's retry policy for this call. */
  retry?: RetryOptions | number | false
}

/** Per-call options of {@link SmsClient.reportResult}. */
export interface ReportOptions extends CallOptions {
  /**
   * Also retry failures that leave it unknown whether SMS recorded the result (network errors,
   * timeouts, 500, 502, 504). Off by default: SMS clears the command when it records a result, so
   * a blind re-send may answer the *next* command of the same name. Check the current command
   * first (as `@sms-command/agent`'s outbox does) or opt in when that can't happen.
   */
  retryAmbiguous?: boolean
}

/** The answer to a result report. */
export interface ReportReceipt {
  status: number
  requestId: string | undefined
  /** The body as sent by SMS (`"OK"`, empty, …). */
  body: string
}

/** A client of the SMS command channel. */
export interface SmsClient {
  readonly endpoint: string
  readonly authKind: string
  /**
   * The server's clock minus this machine's, in ms, learned from every response's `Date` header
   * and from the gateway's signature-expired 401s; `undefined` until measured. AK/SK requests are
   * signed with the server's time, so a drifted clock keeps working; apps can warn when this is
   * large. Optional in the type so wrappers of a client needn't forward it.
   */
  readonly clockOffsetMs?: number | undefined
  /** The pending command of `serverId`, or `null` when none is pending. */
  getCommand(serverId: string, options?: CallOptions): Promise<SmsCommand | null>
  /** Reports a command's result; SMS then clears it and makes the next queued one current. */
  reportResult(
    serverId: string,
    result: CommandResult,
    options?: ReportOptions,
  ): Promise<ReportReceipt>
  /**
   * Every source server matching the filters (`GET /v3/sources`, docs/api.md §8), page by page, each
   * page validated. Filters are checked at once (an {@link SmsInputError}); request and schema
   * failures reject the iterator's `next()` like the other calls.
   */
  listServers(
    options?: ListServersOptions & Omit<CallOptions, 'signal'>,
  ): AsyncIterableIterator<SourceServer>
}
