/**
 * A typed client of the mock's admin API (`/_mock/...`): one method per route, each answer
 * checked by its schema (./schemas.ts), each refusal thrown as a {@link MockAdminError} naming
 * the route and the status. Web APIs only: it runs wherever `fetch` does.
 *
 * @module
 */
import * as v from 'valibot'
import type { FaultSpecSchema } from '../rules/faults.ts'
import type { CommandInputSchema, ScenarioSchema } from '../scenario.ts'
import {
  type AdminCommand,
  AdminErrorBodySchema,
  type AdminFault,
  type AdminResult,
  ClockSchema,
  type ClockView,
  DeletedSchema,
  EnqueuedSchema,
  ExpiredSchema,
  FaultListSchema,
  type IdentityView,
  IdentityViewSchema,
  type LiveSettingsView,
  LiveSettingsViewSchema,
  type MockInfo,
  MockInfoSchema,
  RequestLogSchema,
  ResetSchema,
  ResultsSchema,
  RevokedSchema,
  ServerListSchema,
  type ServerSummary,
  ServerSummarySchema,
  type ServerView,
  ServerViewSchema,
} from './schemas.ts'

/** A command to enqueue: `command_name`, optional `command_param` and `releaseAfterMs`. */
export type CommandInput = v.InferInput<typeof CommandInputSchema>

/** A fault to add (README.md, Faults): `kind` and what it needs. */
export type FaultInput = v.InferInput<typeof FaultSpecSchema>

/** Credentials to add at run time; the same shape as a scenario's. */
export type IdentityInput = Pick<
  v.InferInput<typeof ScenarioSchema>,
  'accounts' | 'users' | 'tokens' | 'accessKeys'
>

/** A server to register (or whose settings and fleet fields to change). */
export interface ServerInput {
  id: string
  domain?: string
  delivery?: 'ack' | 'pop'
  idle?: string
  name?: string
  state?: string
  migration_cycle?: string
}

/** Which tokens `expireTokens`/`revokeTokens` hit; empty: all of them. */
export interface TokenSelector {
  token?: string
  user?: string
  account?: string
  kind?: 'static' | 'issued' | 'all'
}

/** A budget: `"20/min"`-style text or `{limit, windowMs}`; `null` for none. */
export type RateLimitInput = string | { limit: number; windowMs: number } | null

/** What `journal` reads: any of these servers, statuses (`404`, `4xx`) and routes. */
export interface RequestLogFilter {
  server?: string | readonly string[]
  status?: string | number | readonly (string | number)[]
  route?: string | readonly string[]
  limit?: number
}

/** Which events `eventsUrl` asks for. */
export interface EventFilter {
  server?: string | readonly string[]
  type?: string | readonly string[]
  /** Replay the backlog's events after this seq first. */
  since?: number
}

/** Options of {@link createMockAdminClient}. */
export interface MockAdminClientOptions {
  /** The `fetch` to use (an in-process `app.request`, a proxy's); the global one by default. */
  fetch?: (input: Request) => Promise<Response>
  /** Sent as `Authorization: Bearer …` when the mock was started with an admin token. */
  adminToken?: string
  /** Aborts every call in flight, and every later one, when it fires (a tool shutting down). */
  signal?: AbortSignal
}

/**
 * A refused or failed admin call: the method, the path, the status (0: no answer came) and the
 * mock's `error_code` when it sent one. The admin token never appears in it.
 *
 * @example
 * try { await client.server('ghost') } catch (error) {
 *   if (isMockAdminError(error)) error.status // 404
 * }
 */
export class MockAdminError extends Error {
  override readonly name = 'MockAdminError'
  readonly method: string
  readonly path: string
  readonly status: number
  readonly errorCode: string | undefined
  constructor(
    details: { method: string; path: string; status: number; errorCode?: string; detail: string },
    options?: { cause?: unknown },
  ) {
    const answered = details.status === 0 ? 'got no answer' : `answered ${details.status}`
    super(`mock admin ${details.method} ${details.path} ${answered}: ${details.detail}`, options)
    this.method = details.method
    this.path = details.path
    this.status = details.status
    this.errorCode = details.errorCode
  }
}

/**
 * Whether `error` is a {@link MockAdminError} (also across copies of this package).
 *
 * @example
 * if (isMockAdminError(error) && error.status === 404) register()
 */
export function isMockAdminError(error: unknown): error is MockAdminError {
  return error instanceof MockAdminError || (error as Error | undefined)?.name === 'MockAdminError'
}

const each = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T]

/** The typed admin client; see {@link createMockAdminClient}. */
export interface MockAdminClient {
  /** The mock's base URL (no trailing slash). */
  readonly baseUrl: string
  /** Headers an admin request carries (the admin token), for an event stream reader. */
  readonly headers: Readonly<Record<string, string>>
  /** `GET /_mock`. */
  info(): Promise<MockInfo>
  /** `GET /_mock/settings`. */
  settings(): Promise<LiveSettingsView>
  /** `POST /_mock/settings`: the changes given; the others stay. */
  updateSettings(changes: {
    rateLimit?: RateLimitInput
    authErrors?: 'gateway' | 'sms'
  }): Promise<LiveSettingsView>
  /** `GET /_mock/servers`. */
  servers(): Promise<ServerSummary[]>
  /** `POST /_mock/servers`: registers a server, or updates one; its summary. */
  registerServer(server: ServerInput): Promise<ServerSummary>
  /** `GET /_mock/servers/{id}`. */
  server(id: string): Promise<ServerView>
  /** `DELETE /_mock/servers/{id}`. */
  deleteServer(id: string): Promise<void>
  /** `POST /_mock/servers/{id}/commands`: what was enqueued, numbered. */
  enqueue(id: string, commands: CommandInput | readonly CommandInput[]): Promise<AdminCommand[]>
  /** `GET /_mock/servers/{id}/results`: the results kept (the newest), and how many came. */
  results(id: string): Promise<{ results: AdminResult[]; resultsTotal: number }>
  /** `POST /_mock/reset`: back to the start state. */
  reset(): Promise<void>
  /** `GET /_mock/journal`: the request log, oldest first. */
  journal(filter?: RequestLogFilter): Promise<v.InferOutput<typeof RequestLogSchema>>
  /** `GET /_mock/faults`. */
  faults(): Promise<AdminFault[]>
  /** `POST /_mock/faults`: the faults as added (ids and seeds filled in). */
  addFaults(faults: FaultInput | readonly FaultInput[]): Promise<AdminFault[]>
  /** `DELETE /_mock/faults/{id}`. */
  removeFault(id: string): Promise<void>
  /** `DELETE /_mock/faults` (of one server, or all): how many were removed. */
  clearFaults(server?: string): Promise<number>
  /** `POST /_mock/tokens/expire`: how many tokens expired. */
  expireTokens(selector?: TokenSelector): Promise<number>
  /** `POST /_mock/tokens/revoke`: how many tokens were revoked. */
  revokeTokens(selector?: TokenSelector): Promise<number>
  /** `GET /_mock/identity`. */
  identity(): Promise<IdentityView>
  /** `POST /_mock/identity`. */
  addIdentity(input: IdentityInput): Promise<IdentityView>
  /** `GET /_mock/clock`. */
  clock(): Promise<ClockView>
  /** `POST /_mock/clock`: forward by `advanceMs`, or to a date. */
  setClock(change: { advanceMs: number } | { to: string }): Promise<ClockView>
  /** The URL of `GET /_mock/events` (server-sent events) for a filter. */
  eventsUrl(filter?: EventFilter): URL
}

/**
 * A typed client of the admin API of the mock at `baseUrl`.
 *
 * @example
 * const mock = createMockAdminClient('http://127.0.0.1:8080')
 * await mock.registerServer({ id: 'srv-1' })
 * await mock.enqueue('srv-1', { command_name: 'START', command_param: { task_id: 't-1' } })
 * const { results } = await mock.results('srv-1')
 */
export function createMockAdminClient(
  baseUrl: string | URL,
  options: MockAdminClientOptions = {},
): MockAdminClient {
  const base = String(baseUrl).replace(/\/+$/, '')
  const send = options.fetch ?? ((request: Request) => fetch(request))
  const headers: Record<string, string> =
    options.adminToken === undefined ? {} : { authorization: `Bearer ${options.adminToken}` }

  async function call<S extends v.GenericSchema>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<v.InferOutput<S>> {
    const shown = `/_mock${path}`.split('?')[0] ?? path
    const init: RequestInit = { method, headers: { ...headers } }
    if (options.signal !== undefined) init.signal = options.signal
    if (body !== undefined) {
      init.headers = { ...headers, 'content-type': 'application/json' }
      init.body = JSON.stringify(body)
    }
    let response: Response
    try {
      response = await send(new Request(`${base}/_mock${path}`, init))
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause)
      throw new MockAdminError({ method, path: shown, status: 0, detail }, { cause })
    }
    const text = await response.text()
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch (cause) {
      throw new MockAdminError(
        { method, path: shown, status: response.status, detail: 'the body is not JSON' },
        { cause },
      )
    }
    if (!response.ok) {
      const refusal = v.safeParse(AdminErrorBodySchema, json)
      throw new MockAdminError({
        method,
        path: shown,
        status: response.status,
        ...(refusal.success ? { errorCode: refusal.output.error_code } : {}),
        detail: refusal.success
          ? `${refusal.output.error_code} ${refusal.output.error_msg}`
          : text.slice(0, 200),
      })
    }
    const parsed = v.safeParse(schema, json)
    if (!parsed.success) {
      const issue = parsed.issues[0]
      const field = v.getDotPath(issue) ?? '(the body)'
      throw new MockAdminError(
        {
          method,
          path: shown,
          status: response.status,
          detail: `unexpected answer at ${field}: ${issue.message}`,
        },
        { cause: new v.ValiError(parsed.issues) },
      )
    }
    return parsed.output
  }

  const id = (value: string) => encodeURIComponent(value)
  const query = (pairs: [string, readonly (string | number)[]][]) => {
    const params = new URLSearchParams()
    for (const [name, values] of pairs)
      for (const value of values) params.append(name, String(value))
    const text = params.toString()
    return text === '' ? '' : `?${text}`
  }

  return {
    baseUrl: base,
    headers,
    info: () => call('GET', '', MockInfoSchema),
    settings: () => call('GET', '/settings', LiveSettingsViewSchema),
    updateSettings: (changes) => call('POST', '/settings', LiveSettingsViewSchema, changes),
    servers: async () => (await call('GET', '/servers', ServerListSchema)).servers,
    registerServer: (server) => call('POST', '/servers', ServerSummarySchema, server),
    server: (server) => call('GET', `/servers/${id(server)}`, ServerViewSchema),
    async deleteServer(server) {
      await call('DELETE', `/servers/${id(server)}`, DeletedSchema)
    },
    async enqueue(server, commands) {
      const body = Array.isArray(commands) ? commands : [commands]
      return (await call('POST', `/servers/${id(server)}/commands`, EnqueuedSchema, body)).enqueued
    },
    async results(server) {
      const { results, resultsTotal } = await call(
        'GET',
        `/servers/${id(server)}/results`,
        ResultsSchema,
      )
      return { results, resultsTotal }
    },
    async reset() {
      await call('POST', '/reset', ResetSchema)
    },
    journal: (filter = {}) =>
      call(
        'GET',
        `/journal${query([
          ['server', each(filter.server)],
          ['status', each(filter.status)],
          ['route', each(filter.route)],
          ['limit', each(filter.limit)],
        ])}`,
        RequestLogSchema,
      ),
    faults: async () => (await call('GET', '/faults', FaultListSchema)).faults,
    addFaults: async (faults) => (await call('POST', '/faults', FaultListSchema, faults)).faults,
    async removeFault(fault) {
      await call('DELETE', `/faults/${id(fault)}`, DeletedSchema)
    },
    async clearFaults(server) {
      const { deleted } = await call(
        'DELETE',
        `/faults${query([['server', each(server)]])}`,
        DeletedSchema,
      )
      return Number(deleted)
    },
    expireTokens: async (selector = {}) =>
      (await call('POST', '/tokens/expire', ExpiredSchema, selector)).expired,
    revokeTokens: async (selector = {}) =>
      (await call('POST', '/tokens/revoke', RevokedSchema, selector)).revoked,
    identity: () => call('GET', '/identity', IdentityViewSchema),
    addIdentity: (input) => call('POST', '/identity', IdentityViewSchema, input),
    clock: () => call('GET', '/clock', ClockSchema),
    setClock: (change) => call('POST', '/clock', ClockSchema, change),
    eventsUrl: (filter = {}) =>
      new URL(
        `${base}/_mock/events${query([
          ['server', each(filter.server)],
          ['type', each(filter.type)],
          ['since', each(filter.since)],
        ])}`,
      ),
  }
}
