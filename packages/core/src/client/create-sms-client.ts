import ky from 'ky'
import * as v from 'valibot'
import type { AuthProvider } from '../auth/auth-provider.ts'
import { SmsApiError } from '../errors/sms-api-error.ts'
import type { SmsErrorContext } from '../errors/sms-error.ts'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { isSmsNetworkError } from '../errors/sms-network-error.ts'
import { describeValue, toValidationIssues } from '../errors/to-validation-issues.ts'
import type { SmsCommand } from '../schemas/command.ts'
import { type CommandResult, CommandResultSchema } from '../schemas/command-result.ts'
import type { SourceServer } from '../schemas/source-server.ts'
import { fullJitterBackoff } from '../time/backoff.ts'
import { raceAbort } from '../time/race-abort.ts'
import { parseRetryAfter } from '../time/retry-after.ts'
import { type Scheduler, systemScheduler } from '../time/scheduler.ts'
import {
  type ListServersOptions,
  paginateServers,
  parseServerPage,
  serverListQuery,
} from './list-servers.ts'
import { parseCommandResponse } from './parse-command-response.ts'
import { readErrorBody } from './read-error-body.ts'
import {
  NOT_APPLIED_STATUSES,
  RETRYABLE_STATUSES,
  type RetryOptions,
  resolveRetryOptions,
} from './retry-options.ts'
import { sendOnce } from './send-once.ts'
import { serverPathSegment } from './server-path.ts'

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
  /** The pending command of `serverId`, or `null` when none is pending. */
  getCommand(serverId: string, options?: CallOptions): Promise<SmsCommand | null>
  /** Reports a command's result; SMS then clears it and makes the next queued one current. */
  reportResult(
    serverId: string,
    result: CommandResult,
    options?: ReportOptions,
  ): Promise<ReportReceipt>
  /**
   * Every source server matching the filters (`GET /v3/sources`, API.md §8), page by page, each
   * page validated. Filters are checked at once (an {@link SmsInputError}); request and schema
   * failures reject the iterator's `next()` like the other calls.
   */
  listServers(
    options?: ListServersOptions & Omit<CallOptions, 'signal'>,
  ): AsyncIterableIterator<SourceServer>
}

interface Exchange {
  method: 'GET' | 'POST'
  path: string
  /** Query string without `?`, left out of error messages. */
  query?: string
  serverId: string | undefined
  body: string | null
  signal: AbortSignal | undefined
  retry: Required<RetryOptions>
  retryable: ReadonlySet<number>
  retryNetworkErrors: boolean
}

/**
 * Creates a client of the SMS command channel (API.md §1–2). Inputs are validated before anything
 * is sent, responses against the documented schemas; transient failures are retried with capped,
 * fully jittered exponential backoff honouring `Retry-After`; a 401 refreshes refreshable
 * credentials once and retries.
 *
 * @example
 * const client = createSmsClient({
 *   endpoint: 'https://sms.ap-southeast-1.myhuaweicloud.com',
 *   auth: staticToken(token),
 * })
 * const command = await client.getCommand('f32ab4d6-d150-4fb3-aa55-edbb5cf9947f')
 * if (command) await client.reportResult(serverId, {
 *   command_name: command.command_name, result: 'success', result_detail: {},
 * })
 */
export function createSmsClient(options: SmsClientOptions): SmsClient {
  const endpoint = normalizeEndpoint(options.endpoint)
  const { auth } = options
  if (!auth || typeof auth.authorize !== 'function') {
    throw new SmsInputError(
      'auth',
      'expected an auth provider such as staticToken(token)',
      describeValue(auth),
    )
  }
  const scheduler = options.scheduler ?? systemScheduler
  const random = options.random ?? Math.random
  const timeoutMs = options.timeoutMs ?? 30_000
  const clientRetry = resolveRetryOptions(options.retry)
  let refreshing: Promise<void> | undefined
  const http = ky.create({
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  async function attempt(exchange: Exchange): Promise<{ response: Response; text: string }> {
    const context: SmsErrorContext = {
      method: exchange.method,
      path: exchange.path,
      serverId: exchange.serverId,
    }
    const url = new URL(exchange.path.slice(1), endpoint)
    if (exchange.query) url.search = exchange.query
    const headers = new Headers({ Accept: 'application/json' })
    if (exchange.body !== null) headers.set('Content-Type', 'application/json;charset=utf8')
    if (options.userAgent) headers.set('User-Agent', options.userAgent)
    let refreshed = false
    for (let attemptNumber = 1; ; attemptNumber++) {
      try {
        const credentials = await auth.authorize(
          { method: exchange.method, url, headers, body: exchange.body },
          exchange.signal,
        )
        const outgoing = new Headers(headers)
        for (const [name, value] of Object.entries(credentials)) outgoing.set(name, value)
        const result = await sendOnce(
          (signal) =>
            http(url, { method: exchange.method, headers: outgoing, body: exchange.body, signal }),
          { timeoutMs, scheduler, signal: exchange.signal, context },
        )
        const { response, text } = result
        if (response.ok) return result
        if (response.status === 401 && !refreshed && auth.refresh) {
          // Revoked or expired token: refresh once, then retry. Concurrent 401s share one refresh;
          // the provider also ignores a refresh of credentials it has already replaced (a 401
          // that arrives after the refresh ended).
          refreshed = true
          refreshing ??= auth.refresh(credentials).finally(() => {
            refreshing = undefined
          })
          await raceAbort(refreshing, exchange.signal)
          attemptNumber--
          continue
        }
        const body = readErrorBody(text)
        const bodyRequestId = body?.request_id
        throw new SmsApiError({
          ...context,
          status: response.status,
          body,
          requestId:
            response.headers.get('X-Request-Id') ??
            (typeof bodyRequestId === 'string' ? bodyRequestId : undefined),
          retryAfterMs: parseRetryAfter(response.headers.get('Retry-After'), scheduler.now()),
        })
      } catch (error) {
        const delay = retryDelay(error, exchange, attemptNumber)
        if (delay === undefined) throw error
        options.onRetry?.({
          method: exchange.method,
          path: exchange.path,
          serverId: exchange.serverId,
          attempt: attemptNumber,
          delayMs: delay,
          error: error as Error,
        })
        await scheduler.sleep(delay, exchange.signal)
      }
    }
  }

  function retryDelay(
    error: unknown,
    exchange: Exchange,
    attemptNumber: number,
  ): number | undefined {
    if (attemptNumber >= exchange.retry.attempts) return undefined
    const backoff = fullJitterBackoff(attemptNumber, exchange.retry, random)
    if (isSmsNetworkError(error)) return exchange.retryNetworkErrors ? backoff : undefined
    if (!(error instanceof SmsApiError) || !exchange.retryable.has(error.status)) return undefined
    if (error.retryAfterMs === undefined) return backoff
    return error.retryAfterMs <= exchange.retry.maxRetryAfterMs ? error.retryAfterMs : undefined
  }

  return {
    endpoint: endpoint.href,
    authKind: auth.kind,

    async getCommand(serverId, callOptions = {}) {
      const path = `/v3/sources/${serverPathSegment(serverId)}/command`
      const { response, text } = await attempt({
        method: 'GET',
        path,
        serverId,
        body: null,
        signal: callOptions.signal,
        retry:
          callOptions.retry === undefined ? clientRetry : resolveRetryOptions(callOptions.retry),
        retryable: RETRYABLE_STATUSES,
        retryNetworkErrors: true,
      })
      return parseCommandResponse(response.status, text, { method: 'GET', path, serverId })
    },

    async reportResult(serverId, result, callOptions = {}) {
      const path = `/v3/sources/${serverPathSegment(serverId)}/command_result`
      const parsed = v.safeParse(CommandResultSchema, result)
      if (!parsed.success) {
        const issue = toValidationIssues(parsed.issues, 'result')[0]
        throw new SmsInputError(
          issue?.field ?? 'result',
          issue?.expected ?? 'expected a command result',
          issue?.received ?? describeValue(result),
          {
            method: 'POST',
            path,
            serverId,
          },
        )
      }
      const ambiguous = callOptions.retryAmbiguous === true
      const { response, text } = await attempt({
        method: 'POST',
        path,
        serverId,
        body: JSON.stringify(parsed.output),
        signal: callOptions.signal,
        retry:
          callOptions.retry === undefined ? clientRetry : resolveRetryOptions(callOptions.retry),
        retryable: ambiguous ? RETRYABLE_STATUSES : NOT_APPLIED_STATUSES,
        retryNetworkErrors: ambiguous,
      })
      return {
        status: response.status,
        requestId: response.headers.get('X-Request-Id') ?? undefined,
        body: text,
      }
    },

    listServers(listOptions = {}) {
      const { query, limit } = serverListQuery(listOptions)
      const path = '/v3/sources'
      const context = { method: 'GET', path }
      const retry =
        listOptions.retry === undefined ? clientRetry : resolveRetryOptions(listOptions.retry)
      return paginateServers(
        async (offset) => {
          const { response, text } = await attempt({
            method: 'GET',
            path,
            query: new URLSearchParams({
              ...query,
              limit: String(limit),
              offset: String(offset),
            }).toString(),
            serverId: undefined,
            body: null,
            signal: listOptions.signal,
            retry,
            retryable: RETRYABLE_STATUSES,
            retryNetworkErrors: true,
          })
          return parseServerPage(response.status, text, context)
        },
        limit,
        context,
      )
    },
  }
}

function normalizeEndpoint(endpoint: string | URL): URL {
  let url: URL
  try {
    url = new URL(String(endpoint))
  } catch (cause) {
    throw new SmsInputError(
      'endpoint',
      'expected an absolute http(s) URL',
      describeValue(endpoint),
      { cause },
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SmsInputError(
      'endpoint',
      'expected an absolute http(s) URL',
      `protocol ${url.protocol}`,
    )
  }
  // A trailing slash makes relative resolution keep a path prefix such as `/sms-proxy/`.
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  url.search = ''
  url.hash = ''
  return url
}
