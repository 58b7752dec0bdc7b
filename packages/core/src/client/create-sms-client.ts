import ky, { isForceRetryError } from 'ky'
import * as v from 'valibot'
import type { AuthHeaders } from '../auth/auth-provider.ts'
import type { SmsApiError } from '../errors/sms-api-error.ts'
import type { SmsErrorContext } from '../errors/sms-error.ts'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { describeValue, toValidationIssues } from '../errors/to-validation-issues.ts'
import { CommandResultSchema } from '../schemas/command-result.ts'
import { LIMITS } from '../schemas/limits.ts'
import { raceAbort } from '../time/race-abort.ts'
import { MAX_SERVER_DELAY_MS } from '../time/retry-after.ts'
import { systemScheduler } from '../time/scheduler.ts'
import { type ExchangeRetry, retryDelay, toSmsError } from './attempt-failure.ts'
import { offsetFromRefusal } from './clock-skew.ts'
import { normalizeEndpoint } from './endpoint.ts'
import { paginateServers, parseServerPage, serverListQuery } from './list-servers.ts'
import { parseCommandResponse } from './parse-command-response.ts'
import { readErrorBody } from './read-error-body.ts'
import { NOT_APPLIED_STATUSES, RETRYABLE_STATUSES, resolveRetryOptions } from './retry-options.ts'
import { sendOnce } from './send-once.ts'
import { serverPathSegment } from './server-path.ts'
import type {
  CallOptions,
  ClockOffsetInfo,
  SmsClient,
  SmsClientOptions,
} from './sms-client-types.ts'
import { classifyUnauthorized } from './unauthorized.ts'

export type {
  CallOptions,
  ClockOffsetInfo,
  ReportOptions,
  ReportReceipt,
  RetryInfo,
  SmsClient,
  SmsClientOptions,
} from './sms-client-types.ts'

interface Exchange extends ExchangeRetry {
  method: 'GET' | 'POST'
  path: string
  /** Query string without `?`, left out of error messages. */
  query?: string
  serverId?: string | undefined
  /** Default: none. */
  body?: string | null
  signal: AbortSignal | undefined
}

/**
 * Creates a client of the SMS command channel (docs/api.md §1–2). Inputs are validated before anything
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
  const clock = { scheduler, maxServerDelayMs: options.maxServerDelayMs ?? MAX_SERVER_DELAY_MS }
  const clientRetry = resolveRetryOptions(options.retry)
  const retryPolicy = (retry: CallOptions['retry']) =>
    retry === undefined ? clientRetry : resolveRetryOptions(retry)
  let refreshing: Promise<void> | undefined
  let clockOffsetMs: number | undefined
  let reportedOffsetMs: number | undefined

  function learnClockOffset(offsetMs: number, source: ClockOffsetInfo['source']): void {
    clockOffsetMs = offsetMs
    // A Date header has a resolution of one second: smaller changes are noise.
    if (reportedOffsetMs !== undefined && Math.abs(offsetMs - reportedOffsetMs) < 2000) return
    reportedOffsetMs = offsetMs
    options.onClockOffset?.({ offsetMs, source })
  }
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  // ky drives each call: the attempt budget (`retry.limit`), which errors are retried
  // (`shouldRetry`), credentials and signing before every attempt (`beforeRequest`), and the
  // single-flight 401 refresh and skew re-sign (`afterResponse` + `ky.retry()`). Two things stay
  // ours, because ky's own versions use the platform's `setTimeout` and `Date.now` rather than
  // the injected Scheduler (so fake time couldn't drive them, and a skewed clock would misread
  // Retry-After dates): the wait before a retry (ky's `delay` is 0; `beforeRetry` sleeps on the
  // Scheduler) and the deadline (`sendOnce`, which also covers reading the body; ky's `timeout`
  // ends at the headers). The caller's signal is not given to ky: ky combines it with
  // `AbortSignal.any`, and composites of a long-lived signal leak in Node 20 (nodejs/node#55351).
  const http = ky.create({ timeout: false })

  async function attempt(exchange: Exchange): Promise<{ response: Response; text: string }> {
    const url = new URL(exchange.path.slice(1), endpoint)
    if (exchange.query) url.search = exchange.query
    const context: SmsErrorContext = {
      method: exchange.method,
      path: exchange.path,
      serverId: exchange.serverId,
      service: 'sms',
      url: url.href,
    }
    const body = exchange.body ?? null
    const headers = new Headers({ Accept: 'application/json' })
    if (body !== null) headers.set('Content-Type', 'application/json;charset=utf8')
    if (options.userAgent) headers.set('User-Agent', options.userAgent)
    const maxRetries = exchange.retry.attempts - 1
    let refreshed = false
    let resigned = false
    let retries = 0
    let delayMs = 0
    let failure: Error | undefined
    let credentials: AuthHeaders = {}
    let signedWithOffsetMs = 0

    try {
      const response = await http(url, {
        method: exchange.method,
        headers,
        body,
        // The injected fetch gets a URL and plain options, never ky's Request: a fetch of
        // another realm (undici 8's own, a test double) needn't accept this runtime's Request.
        fetch: async (request) => {
          const { response, text } = await sendOnce(
            (signal) =>
              fetchImpl(url, {
                method: exchange.method,
                headers: (request as Request).headers,
                body,
                signal,
                // SMS never redirects: a 3xx is an SmsRedirectError, and credentials stay here.
                redirect: 'manual',
              }),
            { timeoutMs, scheduler, signal: exchange.signal, context },
          )
          // Read under the deadline; hand ky an answer whose body is already here.
          return new Response(text === '' ? null : text, response)
        },
        retry: {
          // One more each for a credential refresh and a skew re-sign, which don't count as
          // attempts; `shouldRetry` holds ordinary retries to the policy's budget.
          limit: maxRetries + 2,
          methods: ['get', 'post'],
          delay: () => 0,
          async shouldRetry({ error }) {
            if (exchange.signal?.aborted || retries >= maxRetries) return false
            failure = await toSmsError(error, context, clock)
            const delay = retryDelay(failure, exchange, retries + 1, random)
            if (delay === undefined) return false
            retries++
            delayMs = delay
            return true
          },
        },
        hooks: {
          beforeRequest: [
            async (request) => {
              for (const name of Object.keys(credentials)) request.headers.delete(name)
              signedWithOffsetMs = clockOffsetMs ?? 0
              credentials = await auth.authorize(
                {
                  method: exchange.method,
                  url,
                  headers,
                  body,
                  ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }),
                },
                exchange.signal,
              )
              for (const [name, value] of Object.entries(credentials)) {
                request.headers.set(name, value)
              }
            },
          ],
          afterResponse: [
            async (_request, _options, response) => {
              if (response.status !== 401) return
              const body = readErrorBody(await response.text())
              const { kind } = classifyUnauthorized(body)
              if (kind === 'clock') {
                // Only the gateway's verdict on the signature time teaches the offset (clock-skew.ts).
                const date = response.headers.get('Date')
                const [errorMsg, now] = [body?.error_msg, scheduler.now()]
                const learned = offsetFromRefusal({ errorMsg, date, signedWithOffsetMs, now })
                if (learned) learnClockOffset(learned.offsetMs, learned.source)
                // Signed with a time the server refuses: sign once more with the server's time.
                if (!resigned && Math.abs((clockOffsetMs ?? 0) - signedWithOffsetMs) >= 1000) {
                  resigned = true
                  return ky.retry()
                }
              }
              if (kind === 'credentials' && !refreshed && auth.refresh) {
                // Revoked or expired token: refresh once, then retry. Concurrent 401s share one
                // refresh; the provider also ignores a refresh of credentials it has already
                // replaced (a 401 that arrives after the refresh ended).
                refreshed = true
                refreshing ??= auth.refresh(credentials).finally(() => {
                  refreshing = undefined
                })
                await raceAbort(refreshing, exchange.signal)
                return ky.retry()
              }
            },
          ],
          beforeRetry: [
            async ({ error }) => {
              if (isForceRetryError(error)) return
              const clampedFrom = (failure as Partial<SmsApiError>).retryAfterClampedFromMs
              options.onRetry?.({
                method: exchange.method,
                path: exchange.path,
                serverId: exchange.serverId,
                attempt: retries,
                delayMs,
                ...(clampedFrom === undefined ? {} : { retryAfterClampedFromMs: clampedFrom }),
                error: failure as Error,
              })
              await scheduler.sleep(delayMs, exchange.signal)
            },
          ],
        },
      })
      return { response, text: await response.text() }
    } catch (error) {
      throw await toSmsError(error, context, clock)
    }
  }

  return {
    endpoint: endpoint.href,
    authKind: auth.kind,
    get clockOffsetMs() {
      return clockOffsetMs
    },

    async getCommand(serverId, callOptions = {}) {
      const path = `/v3/sources/${serverPathSegment(serverId)}/command`
      const { response, text } = await attempt({
        method: 'GET',
        path,
        serverId,
        signal: callOptions.signal,
        retry: retryPolicy(callOptions.retry),
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
      const body = JSON.stringify(parsed.output)
      // SMS refuses a larger body with SMS.2004 (docs/api.md §7): say so before sending.
      const bytes = new TextEncoder().encode(body).length
      if (bytes > LIMITS.resultBodyBytes) {
        throw new SmsInputError(
          'result',
          `expected at most ${LIMITS.resultBodyBytes} bytes as JSON (SMS refuses larger bodies)`,
          `${bytes} bytes`,
          { method: 'POST', path, serverId },
        )
      }
      const ambiguous = callOptions.retryAmbiguous === true
      const { response, text } = await attempt({
        method: 'POST',
        path,
        serverId,
        body,
        signal: callOptions.signal,
        retry: retryPolicy(callOptions.retry),
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
      const retry = retryPolicy(listOptions.retry)
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
            signal: listOptions.signal,
            retry,
          })
          return parseServerPage(response.status, text, context)
        },
        limit,
        context,
      )
    },
  }
}
