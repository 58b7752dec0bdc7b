import * as v from 'valibot'
import { readErrorBody } from '../client/read-error-body.ts'
import { sendOnce } from '../client/send-once.ts'
import { SmsApiError } from '../errors/sms-api-error.ts'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { SmsResponseValidationError } from '../errors/sms-response-validation-error.ts'
import { describeValue, toValidationIssues } from '../errors/to-validation-issues.ts'
import { AuthTokenSchema } from '../schemas/request.ts'
import { raceAbort } from '../time/race-abort.ts'
import { type Scheduler, systemScheduler } from '../time/scheduler.ts'
import type { AuthHeaders, AuthProvider } from './auth-provider.ts'

/** What the IAM token is scoped to (API.md §4). SMS is global: a domain scope is the default. */
export type IamScope =
  | { domain: { name: string } }
  | { project: { name: string } }
  | { project: { id: string } }

/** Options of {@link iamPasswordToken}. */
export interface IamPasswordTokenOptions {
  /** IAM base URL, e.g. `https://iam.myhuaweicloud.com`. */
  iamEndpoint: string | URL
  /** IAM user name. */
  user: string
  password: string
  /** Account (domain) name the user belongs to. */
  domain: string
  /** Defaults to `{ domain: { name: domain } }`. */
  scope?: IamScope
  fetch?: typeof fetch
  /** Refresh this long before `expires_at`, in ms. Default 5 minutes. */
  refreshMarginMs?: number
  /** Per-request deadline for IAM, in ms. Default 30 s. */
  timeoutMs?: number
  /** Clock and timers; defaults to the system's. */
  scheduler?: Scheduler
}

const TokenBodySchema = v.object({
  token: v.object({
    expires_at: v.pipe(
      v.string('expected an ISO 8601 date'),
      v.check((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 date'),
    ),
  }),
})

const TOKENS_PATH = '/v3/auth/tokens'

/**
 * Obtains an IAM user token with a password (`POST /v3/auth/tokens`), caches it until
 * `expires_at` minus a margin, and refreshes it once when SMS answers 401, shared by every
 * concurrent request. The password and the token live only in this closure: no property, log or
 * error shows them.
 *
 * @example
 * const auth = iamPasswordToken({
 *   iamEndpoint: 'https://iam.myhuaweicloud.com', user: 'ops', password, domain: 'acme',
 * })
 */
export function iamPasswordToken(options: IamPasswordTokenOptions): AuthProvider {
  for (const field of ['user', 'password', 'domain'] as const) {
    const value = options[field]
    if (typeof value !== 'string' || value === '') {
      throw new SmsInputError(field, 'expected a non-empty string', describeValue(value))
    }
  }
  let tokensUrl: URL
  try {
    tokensUrl = new URL(
      `${String(options.iamEndpoint).replace(/\/+$/, '')}${TOKENS_PATH}?nocatalog=true`,
    )
  } catch (cause) {
    throw new SmsInputError(
      'iamEndpoint',
      'expected an absolute URL',
      describeValue(options.iamEndpoint),
      { cause },
    )
  }
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const scheduler = options.scheduler ?? systemScheduler
  const margin = options.refreshMarginMs ?? 5 * 60_000
  const timeoutMs = options.timeoutMs ?? 30_000
  const scope = options.scope ?? { domain: { name: options.domain } }
  const requestBody = JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: options.user,
            password: options.password,
            domain: { name: options.domain },
          },
        },
      },
      scope,
    },
  })
  const context = { method: 'POST', path: TOKENS_PATH }

  let current: { headers: AuthHeaders; refreshAt: number } | undefined
  let inFlight: Promise<AuthHeaders> | undefined

  async function requestToken(): Promise<AuthHeaders> {
    const { response, text } = await sendOnce(
      (exchangeSignal) =>
        fetchImpl(tokensUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json' },
          body: requestBody,
          signal: exchangeSignal,
        }),
      { timeoutMs, scheduler, context },
    )
    const requestId = response.headers.get('X-Request-Id') ?? undefined
    if (response.status !== 201 && response.status !== 200) {
      throw new SmsApiError({
        ...context,
        status: response.status,
        body: readErrorBody(text),
        requestId,
      })
    }
    const token = response.headers.get('X-Subject-Token') ?? ''
    if (!v.is(AuthTokenSchema, token)) {
      throw new SmsResponseValidationError(
        [
          {
            field: 'X-Subject-Token',
            expected: 'a header with the token (1–16,384 characters)',
            received: describeValue(token),
          },
        ],
        { ...context, status: response.status },
      )
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const parsed = v.safeParse(TokenBodySchema, body)
    if (!parsed.success) {
      throw new SmsResponseValidationError(toValidationIssues(parsed.issues), {
        ...context,
        status: response.status,
      })
    }
    const headers = Object.freeze({ 'X-Auth-Token': token })
    current = { headers, refreshAt: Date.parse(parsed.output.token.expires_at) - margin }
    return headers
  }

  // One request at a time: every caller waiting for a token shares it. The shared request is not
  // tied to any caller's signal, so one caller giving up doesn't fail the others.
  function singleFlight(signal?: AbortSignal): Promise<AuthHeaders> {
    inFlight ??= requestToken().finally(() => {
      inFlight = undefined
    })
    return raceAbort(inFlight, signal)
  }

  const provider: AuthProvider & { toJSON(): object } = {
    kind: 'iam-password',
    async authorize(_request, signal): Promise<AuthHeaders> {
      if (current && scheduler.now() < current.refreshAt) return current.headers
      return singleFlight(signal)
    },
    async refresh(rejected, signal): Promise<void> {
      // Someone else already replaced the token this request was refused with.
      if (current && current.headers['X-Auth-Token'] !== rejected['X-Auth-Token']) return
      if (!inFlight) current = undefined
      await singleFlight(signal)
    },
    toJSON: () => ({ kind: 'iam-password', user: options.user, domain: options.domain }),
  }
  return Object.freeze(provider)
}
