import * as v from 'valibot'
import { readIamErrorBody } from '../client/read-error-body.ts'
import { sendOnce } from '../client/send-once.ts'
import { IamPasswordRejectedError } from '../errors/iam-password-rejected-error.ts'
import { SmsApiError } from '../errors/sms-api-error.ts'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { SmsResponseValidationError } from '../errors/sms-response-validation-error.ts'
import { describeValue, toValidationIssues } from '../errors/to-validation-issues.ts'
import { AuthTokenSchema } from '../schemas/request.ts'
import { raceAbort } from '../time/race-abort.ts'
import {
  clampServerDelay,
  MAX_SERVER_DELAY_MS,
  parseHttpDate,
  parseRetryAfter,
} from '../time/retry-after.ts'
import { type Scheduler, systemScheduler } from '../time/scheduler.ts'
import type { AuthHeaders, AuthProvider } from './auth-provider.ts'

/** What the IAM token is scoped to (docs/api.md §4). SMS is global: a domain scope is the default. */
export type IamScope =
  | { domain: { name: string } }
  | { project: { name: string } }
  | { project: { id: string } }

/** Options of {@link iamPasswordToken}. */
export interface IamPasswordTokenOptions {
  /**
   * IAM endpoint, e.g. `https://iam.myhuaweicloud.com`. The OpenStack forms `…/v3`, `…/v3/` and
   * the whole `…/v3/auth/tokens` mean the same endpoint.
   */
  iamEndpoint: string | URL
  /** IAM user name. */
  user: string
  /**
   * The password, or a function that reads it (e.g. from a file a person may fix). A function is
   * called before every login, so a corrected password is picked up without a restart.
   */
  password: string | (() => string | Promise<string>)
  /**
   * After IAM rejects a password, how long no login is sent with that same password, in ms.
   * IAM locks a user after 3–10 failed logins within 15–60 minutes. Default 15 minutes.
   */
  lockoutMs?: number
  /** Account (domain) name the user belongs to. */
  domain: string
  /** Defaults to `{ domain: { name: domain } }`. */
  scope?: IamScope
  fetch?: typeof fetch
  /** Refresh this long before `expires_at`, in ms. Default 5 minutes. */
  refreshMarginMs?: number
  /** Per-request deadline for IAM, in ms. Default 30 s. */
  timeoutMs?: number
  /**
   * IAM's answer carries the token in `X-Subject-Token`, up to 16,384 characters. Node's fetch
   * refuses response headers over 16 KiB by default (`UND_ERR_HEADERS_OVERFLOW`, reported as an
   * `SmsNetworkError` with reason `headers-too-large`); on Node pass a fetch with a larger limit:
   *
   * ```ts
   * import { Agent, fetch as undiciFetch } from 'undici' // undici 8: its own fetch, not Node's
   * const dispatcher = new Agent({ maxHeaderSize: 65_536 })
   * const fetch = (input, init) => undiciFetch(input, { ...init, dispatcher })
   * ```
   */
  /** Clock and timers; defaults to the system's. */
  scheduler?: Scheduler
  /**
   * Ceiling of a delay IAM asks for (`Retry-After` on a 429 or 503), in ms, as the SMS client's
   * `maxServerDelayMs`; default 5 min. Until it has passed no login is sent: every caller gets
   * the same error, with the time left as `retryAfterMs`.
   */
  maxServerDelayMs?: number
  /**
   * Where the last rejection is kept beyond this process (a file in an agent's state directory),
   * so a restarted process (a crash loop, a cron job, a redeploy) still sends no second rejected
   * login inside the window. Only a salted SHA-256 fingerprint of the password is given to it,
   * never the password. Without it the rejection lives in memory only.
   */
  rejections?: IamRejectionStore
}

/**
 * A rejected IAM login as kept by an {@link IamRejectionStore}: when, and a fingerprint of the
 * password IAM refused (SHA-256 over a random salt, the endpoint, user, domain and password).
 */
export interface IamRejectionRecord {
  /** When IAM refused the password, in ms since the epoch. */
  at: number
  /** Random salt, hex. */
  salt: string
  /** SHA-256 hex of salt, endpoint, user, domain and password. */
  fingerprint: string
}

/**
 * Keeps the last rejection of {@link iamPasswordToken} across restarts. `load` is called once,
 * before the first login; `save(record)` after IAM refuses a password, `save(undefined)` after a
 * login succeeds where a rejection had been loaded or saved. A `save` that fails doesn't fail the
 * login (the in-memory guard still holds); the store reports its own failures.
 *
 * @example
 * const rejections: IamRejectionStore = {
 *   load: async () => JSON.parse(await readFile(path, 'utf8')),
 *   save: async (record) => (record ? writeFile(path, JSON.stringify(record), { mode: 0o600 }) : rm(path, { force: true })),
 * }
 */
export interface IamRejectionStore {
  load(): IamRejectionRecord | undefined | Promise<IamRejectionRecord | undefined>
  save(record: IamRejectionRecord | undefined): void | Promise<void>
}

function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** A salted fingerprint of a password bound to the login it was used for (WebCrypto SHA-256). */
async function passwordFingerprint(salt: string, login: string, password: string): Promise<string> {
  const data = new TextEncoder().encode(`${salt}\u0000${login}\u0000${password}`)
  return toHex(await globalThis.crypto.subtle.digest('SHA-256', data))
}

function isRejectionRecord(value: unknown): value is IamRejectionRecord {
  const record = value as Partial<IamRejectionRecord> | null
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.at === 'number' &&
    Number.isFinite(record.at) &&
    typeof record.salt === 'string' &&
    /^[0-9a-f]{16,}$/.test(record.salt) &&
    typeof record.fingerprint === 'string' &&
    /^[0-9a-f]{64}$/.test(record.fingerprint)
  )
}

const TokenBodySchema = v.object({
  token: v.object({
    expires_at: v.pipe(
      v.string('expected an ISO 8601 date'),
      v.check((value) => !Number.isNaN(parseIsoDate(value)), 'expected an ISO 8601 date'),
    ),
  }),
})

const TOKENS_PATH = '/v3/auth/tokens'

/**
 * Parses an ISO 8601 date; IAM sends microseconds (`2026-06-10T07:37:59.812000Z`), which not
 * every runtime's `Date.parse` reads, so fractions are cut to milliseconds first.
 */
function parseIsoDate(value: string): number {
  return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'))
}

/**
 * The token URL of an IAM endpoint written any of the usual ways: `https://iam.example`,
 * `…/v3`, `…/v3/`, `…/v3/auth` or `…/v3/auth/tokens`, in any letter case (a path prefix before them
 * is kept).
 */
function iamTokensUrl(endpoint: string | URL): URL {
  const url = new URL(String(endpoint))
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('not http(s)')
  const base = url.pathname.replace(/\/+$/, '').replace(/\/v3(\/auth(\/tokens)?)?$/i, '')
  url.pathname = `${base}${TOKENS_PATH}`
  url.search = '?nocatalog=true'
  url.hash = ''
  return url
}

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
    if (field === 'password' && typeof value === 'function') continue
    if (typeof value !== 'string' || value === '') {
      throw new SmsInputError(
        field,
        field === 'password'
          ? 'expected a non-empty string or a function returning one'
          : 'expected a non-empty string',
        describeValue(value),
      )
    }
  }
  let tokensUrl: URL
  try {
    tokensUrl = iamTokensUrl(options.iamEndpoint)
  } catch (cause) {
    throw new SmsInputError(
      'iamEndpoint',
      'expected an absolute http(s) URL',
      describeValue(options.iamEndpoint),
      { cause },
    )
  }
  const lockoutMs = options.lockoutMs ?? 15 * 60_000
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const scheduler = options.scheduler ?? systemScheduler
  const margin = options.refreshMarginMs ?? 5 * 60_000
  const timeoutMs = options.timeoutMs ?? 30_000
  const scope = options.scope ?? { domain: { name: options.domain } }
  const loginBody = (password: string) =>
    JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: options.user, password, domain: { name: options.domain } },
          },
        },
        scope,
      },
    })
  const context = {
    method: 'POST',
    path: TOKENS_PATH,
    service: 'iam',
    url: tokensUrl.href,
  } as const

  const maxServerDelayMs = options.maxServerDelayMs ?? MAX_SERVER_DELAY_MS
  let current: { headers: AuthHeaders; refreshAt: number } | undefined
  // IAM asked for a pause (Retry-After): until then no login is sent, whoever asks.
  let pausedUntil: { at: number; error: SmsApiError } | undefined
  let inFlight: Promise<AuthHeaders> | undefined
  // The last password IAM refused, and when: the closure is where the secret already lives.
  let rejected: { password: string; at: number; error: SmsApiError } | undefined
  // A rejection an earlier process kept (only a fingerprint of its password), loaded once.
  const store = options.rejections
  const login = `${tokensUrl.origin}${tokensUrl.pathname}\u0000${options.user}\u0000${options.domain}`
  let kept: Promise<IamRejectionRecord | undefined> | undefined
  let keptActive = false

  function loadKept(): Promise<IamRejectionRecord | undefined> {
    kept ??= (async () => {
      try {
        const record = await store?.load()
        if (!isRejectionRecord(record)) return undefined
        keptActive = true
        return record
      } catch {
        return undefined // an unreadable record protects nothing; the store reports it
      }
    })()
    return kept
  }

  async function save(record: IamRejectionRecord | undefined): Promise<void> {
    try {
      await store?.save(record)
    } catch {
      // The in-memory guard still holds; the store reports its own failures.
    }
  }

  /** When a kept rejection of this very password still bars a login, its end. */
  async function keptRejectionEnd(password: string): Promise<number | undefined> {
    if (!store) return undefined
    const record = await loadKept()
    if (!record) return undefined
    const elapsed = scheduler.now() - record.at
    // A clock set back by more than a window can't prove the window is still running.
    if (elapsed >= lockoutMs || elapsed <= -lockoutMs) return undefined
    const fingerprint = await passwordFingerprint(record.salt, login, password)
    return fingerprint === record.fingerprint ? record.at + lockoutMs : undefined
  }

  async function readPassword(): Promise<string> {
    const source = options.password
    let password: unknown
    try {
      password = typeof source === 'function' ? await source() : source
    } catch (cause) {
      // A reader's own message may quote the file, never the secret; keep it as the cause.
      throw new SmsInputError(
        'password',
        'a password the reader can read',
        'a reader that failed',
        {
          ...context,
          cause,
        },
      )
    }
    if (typeof password !== 'string' || password === '') {
      throw new SmsInputError(
        'password',
        'expected a non-empty string',
        describeValue(password),
        context,
      )
    }
    return password
  }

  /** The error of a login IAM asked to wait for, with the time still left; else undefined. */
  function pauseError(): SmsApiError | undefined {
    if (!pausedUntil) return undefined
    const left = pausedUntil.at - scheduler.now()
    if (left <= 0) {
      pausedUntil = undefined
      return undefined
    }
    const { error } = pausedUntil
    return new SmsApiError({
      ...context,
      status: error.status,
      body: error.body,
      requestId: error.requestId,
      retryAfterMs: left,
      retryAfterClampedFromMs: error.retryAfterClampedFromMs,
      hint: `IAM asked for a pause (Retry-After); no login is sent for ${Math.ceil(left / 1000)} s more`,
      cause: error,
    })
  }

  async function requestToken(): Promise<AuthHeaders> {
    const paused = pauseError()
    if (paused) throw paused
    const password = await readPassword()
    // Never a second rejected login with the same password inside the window: IAM counts them
    // towards locking the user out.
    if (rejected && rejected.password === password && scheduler.now() < rejected.at + lockoutMs) {
      throw new IamPasswordRejectedError(rejected.at + lockoutMs, {
        ...context,
        cause: rejected.error,
      })
    }
    const keptEnd = rejected ? undefined : await keptRejectionEnd(password)
    if (keptEnd !== undefined) {
      // Refused in an earlier run (a restart, a cron job): IAM's answer is gone, the window isn't.
      throw new IamPasswordRejectedError(keptEnd, context)
    }
    const requestBody = loginBody(password)
    const { response, text } = await sendOnce(
      (exchangeSignal) =>
        fetchImpl(tokensUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json' },
          body: requestBody,
          signal: exchangeSignal,
          // IAM never redirects: never send the password elsewhere.
          redirect: 'manual',
        }),
      { timeoutMs, scheduler, context },
    )
    const requestId = response.headers.get('X-Request-Id') ?? undefined
    if (response.status !== 201 && response.status !== 200) {
      // A Retry-After date is on IAM's clock: measure it from IAM's Date, and bound it.
      const iamDate = parseHttpDate(response.headers.get('Date'))
      const askedMs = parseRetryAfter(
        response.headers.get('Retry-After'),
        Number.isNaN(iamDate) ? scheduler.now() : iamDate,
      )
      const retryAfter =
        askedMs === undefined ? undefined : clampServerDelay(askedMs, maxServerDelayMs)
      const error = new SmsApiError({
        ...context,
        status: response.status,
        body: readIamErrorBody(text),
        requestId,
        retryAfterMs: retryAfter?.delayMs,
        retryAfterClampedFromMs: retryAfter?.clampedFromMs,
        ...(response.status === 401
          ? {
              hint: `IAM refused the user name or password; no login with this password is sent again for ${Math.round(lockoutMs / 60_000)} min or until it changes`,
            }
          : {}),
      })
      if (retryAfter && retryAfter.delayMs > 0) {
        pausedUntil = { at: scheduler.now() + retryAfter.delayMs, error }
      }
      if (response.status === 401) {
        rejected = { password, at: scheduler.now(), error }
        if (store) {
          const salt = toHex(globalThis.crypto.getRandomValues(new Uint8Array(16)))
          const fingerprint = await passwordFingerprint(salt, login, password)
          keptActive = true
          await save({ at: rejected.at, salt, fingerprint })
        }
      }
      throw error
    }
    rejected = undefined
    if (keptActive) {
      keptActive = false
      await save(undefined)
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
    // expires_at is on IAM's clock: count its lifetime from IAM's Date when it sent one, so a
    // drifted local clock neither keeps an expired token nor drops a fresh one.
    const expiresAt = parseIsoDate(parsed.output.token.expires_at)
    const iamNow = parseHttpDate(response.headers.get('Date'))
    const lifetime = expiresAt - (Number.isNaN(iamNow) ? scheduler.now() : iamNow)
    current = { headers, refreshAt: scheduler.now() + lifetime - margin }
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
