import { isPlainObject, ServerIdSchema } from '@sms-command/core'
import { MOCK_EVENT_TYPES } from '@sms-command/core/events'
import { SSE_KEEP_ALIVE_MS } from '@sms-command/core/sse'
import { type Context, Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import * as v from 'valibot'
import { ADMIN_CODES } from '../errors.ts'
import { errorResponse, jsonResponse, nextRequestId, readBodyLimited } from '../http.ts'
import { parseClockDate } from '../rules/clock-date.ts'
import { clockChangeProblem } from '../rules/control.ts'
import { describeFault, FaultSpecSchema } from '../rules/faults.ts'
import { AUTH_ERROR_STYLES } from '../rules/gateway.ts'
import { parseRateLimit, viewRateLimit } from '../rules/rate-limit.ts'
import { checkDurationMs, MAX_DURATION_MS, MAX_TIMER_MS } from '../rules/time-bounds.ts'
import {
  CommandInputSchema,
  DEFAULT_ACCOUNT,
  DELIVERY_MODES,
  firstIssue,
  jsonObject,
  RateLimitSchema,
  ScenarioSchema,
} from '../scenario.ts'
import type { LiveSettings } from '../store/store.ts'
import { IDLE_SHAPES, type MockEventType, type RouteName } from '../types.ts'
import type { RouteDeps } from './context.ts'

const ADMIN_BODY_LIMIT = 1024 * 1024

const text = (what: string) =>
  v.pipe(
    v.string(`expected ${what} as a string`),
    v.minLength(1, `expected a non-empty ${what}`),
    v.maxLength(255, `expected ${what} of at most 255 characters`),
  )

// Every admin body that is an object refuses unknown fields, as a scenario does: a misspelt
// field would otherwise be dropped without a word. `jsonObject`: a list, null, a string or a
// number is refused too (valibot's object schemas take `[]` for `{}`).
const RegisterServerSchema = jsonObject(
  v.strictObject({
    id: ServerIdSchema,
    domain: v.optional(text('account name')),
    delivery: v.optional(v.picklist(DELIVERY_MODES, 'expected "ack" or "pop"')),
    idle: v.optional(v.picklist(IDLE_SHAPES, `expected one of ${IDLE_SHAPES.join(', ')}`)),
    name: v.optional(text('server name')),
    state: v.optional(text('state')),
    migration_cycle: v.optional(text('migration cycle')),
  }),
)

const LiveSettingsSchema = jsonObject(
  v.strictObject({
    rateLimit: v.optional(RateLimitSchema),
    authErrors: v.optional(v.picklist(AUTH_ERROR_STYLES, 'expected "gateway" or "sms"')),
  }),
)

/** Routes that take no body: empty, or `{}` (anything else is a mistake worth a word). */
const NoBodySchema = jsonObject(v.strictObject({}))

const CommandListSchema = v.array(CommandInputSchema, 'expected a list of commands')

// Chosen by the body's shape, not tried in turn, so a failure names the field inside it.
const EnqueueSchema = v.lazy((input) =>
  Array.isArray(input)
    ? CommandListSchema
    : isPlainObject(input) && 'commands' in input
      ? jsonObject(v.strictObject({ commands: CommandListSchema }))
      : isPlainObject(input)
        ? CommandInputSchema
        : v.never(
            'expected a command {"command_name", "command_param"?, "releaseAfterMs"?}, a list of them, or {"commands": [...]}',
          ),
)

const FaultsBodySchema = v.lazy((input) =>
  Array.isArray(input)
    ? v.array(FaultSpecSchema)
    : isPlainObject(input)
      ? FaultSpecSchema
      : v.never('expected a fault or a list of faults'),
)

const TokenSelectorFieldsSchema = v.strictObject({
  token: v.optional(v.string('expected a string')),
  user: v.optional(v.string('expected a string')),
  account: v.optional(v.string('expected a string')),
  kind: v.optional(v.picklist(['static', 'issued', 'all'], 'expected "static", "issued" or "all"')),
})

const TokenSelectorSchema = jsonObject(TokenSelectorFieldsSchema)

const ClockFieldsSchema = v.pipe(
  v.strictObject({
    advanceMs: v.optional(
      v.pipe(
        v.number('expected a number'),
        v.integer('expected an integer'),
        v.minValue(0, 'expected at least 0: the mock clock only moves forward by advanceMs'),
        v.maxValue(MAX_DURATION_MS, `expected at most ${MAX_DURATION_MS} (ten years)`),
      ),
    ),
    to: v.optional(
      v.pipe(
        v.string('expected an ISO 8601 date'),
        v.rawTransform(({ dataset, addIssue, NEVER }) => {
          const parsed = parseClockDate(dataset.value)
          if (parsed.ok) return parsed.ms
          addIssue({ message: parsed.message })
          return NEVER
        }),
      ),
    ),
  }),
  v.check(
    (body) => (body.advanceMs === undefined) !== (body.to === undefined),
    'expected {"advanceMs": N} or {"to": "ISO 8601 date"}',
  ),
)

// A list, null, a string or a number is refused as on every admin body.
const ClockSchema = jsonObject(ClockFieldsSchema)

const IdentitySchema = v.pick(ScenarioSchema, ['accounts', 'users', 'tokens', 'accessKeys'])

/** The routes a journal line names, for `GET /_mock/journal?route=`. */
const JOURNAL_ROUTES: readonly RouteName[] = [
  'command',
  'command_result',
  'sources',
  'iam',
  'openapi',
  'other',
]

/**
 * One query parameter an admin route reads: whether it may repeat (then it means "any of"), and
 * how each value is checked (a message for a bad one, naming what was expected).
 */
interface QueryParam {
  repeats: boolean
  check: (value: string) => string | undefined
}

const serverIdParam: QueryParam = {
  repeats: true,
  check: (value) => {
    const parsed = v.safeParse(ServerIdSchema, value)
    return parsed.success ? undefined : `expected a server id: ${firstIssue(parsed.issues).message}`
  },
}

const JOURNAL_QUERY: Record<string, QueryParam> = {
  server: serverIdParam,
  status: {
    repeats: true,
    check: (value) =>
      /^([1-5]xx|[1-5]\d\d|0)$/i.test(value)
        ? undefined
        : 'expected a status such as 404, or a class such as 4xx',
  },
  route: {
    repeats: true,
    check: (value) =>
      JOURNAL_ROUTES.includes(value as RouteName)
        ? undefined
        : `expected one of ${JOURNAL_ROUTES.join(', ')}`,
  },
  limit: {
    repeats: false,
    check: (value) =>
      /^\d{1,15}$/.test(value) && Number(value) >= 1 ? undefined : 'expected a positive integer',
  },
}

/** An event seq: a non-negative integer in decimal digits (no `1e3`, no sign, no fraction). */
const checkEventSeq = (value: string) =>
  /^\d{1,15}$/.test(value) ? undefined : 'expected a non-negative integer (an event seq)'

const EVENTS_QUERY: Record<string, QueryParam> = {
  server: serverIdParam,
  type: {
    repeats: true,
    check: (value) =>
      MOCK_EVENT_TYPES.includes(value as MockEventType)
        ? undefined
        : `expected one of ${MOCK_EVENT_TYPES.join(', ')}`,
  },
  since: { repeats: false, check: checkEventSeq },
}

const FAULTS_DELETE_QUERY: Record<string, QueryParam> = {
  server: { ...serverIdParam, repeats: false },
}

/**
 * Checks a request's query against the parameters its route reads: an unknown parameter, an
 * empty value, a repeat of one that does not repeat, or a bad value is refused with a message
 * naming the parameter; otherwise each parameter's values, in order.
 *
 * @example
 * readQuery(new URL('http://x/_mock/events?type=bogus'), EVENTS_QUERY)
 * // { ok: false, message: 'type: expected one of server, enqueue, …' }
 */
export function readQuery(
  url: URL,
  params: Record<string, QueryParam>,
): { ok: true; values: Record<string, string[]> } | { ok: false; message: string } {
  const values: Record<string, string[]> = {}
  for (const [name, value] of url.searchParams) {
    const param = Object.hasOwn(params, name) ? params[name] : undefined
    const shown = JSON.stringify(name.slice(0, 40))
    if (param === undefined) {
      const known = Object.keys(params)
      return {
        ok: false,
        message: `${shown}: unknown query parameter; ${known.length === 0 ? 'this route takes none' : `expected ${known.join(', ')}`}`,
      }
    }
    const seen = values[name] ?? []
    if (seen.length > 0 && !param.repeats) {
      return { ok: false, message: `${name}: expected once, got it repeated` }
    }
    if (value === '') return { ok: false, message: `${name}: expected a value, got an empty one` }
    const problem = param.check(value)
    if (problem !== undefined) {
      return {
        ok: false,
        message: `${name}: ${problem}, got ${JSON.stringify(value.slice(0, 40))}`,
      }
    }
    seen.push(value)
    values[name] = seen
  }
  return { ok: true, values }
}

const viewLive = (live: LiveSettings) => ({
  authErrors: live.authErrors,
  rateLimit: viewRateLimit(live.rateLimit),
})

function constantTimeEquals(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ (b.charCodeAt(i % (b.length || 1)) || 0)
  }
  return diff === 0
}

/**
 * The admin API under `/_mock`: servers and their queues, faults, tokens, the mock clock, the
 * journal and the live event stream. See README.md for every route.
 */
export function createAdminApp(
  deps: RouteDeps & {
    adminToken: string | undefined
    /** Interval of `/events` keep-alive comments, ms. Default {@link SSE_KEEP_ALIVE_MS}. */
    eventKeepAliveMs?: number | undefined
  },
) {
  const { store, settings, runtime } = deps
  // A keep-alive interval past a timer's limit would fire every millisecond.
  checkDurationMs(deps.eventKeepAliveMs, 'eventKeepAliveMs', 1, MAX_TIMER_MS)
  const admin = new Hono()

  const fail = (status: number, code: string, message: string) =>
    errorResponse(status, code, message, nextRequestId())
  const ok = (status: number, body: unknown) => jsonResponse(status, body, nextRequestId())
  const NO_QUERY: Record<string, QueryParam> = {}
  /** The route's query, checked; or the 400 refusing it. */
  const query = (c: Context, params: Record<string, QueryParam>) => {
    const read = readQuery(new URL(c.req.url), params)
    return read.ok
      ? { ok: true as const, values: read.values }
      : { ok: false as const, response: fail(400, ADMIN_CODES.badRequest, read.message) }
  }
  /** A GET that reads no query refuses one rather than ignore it. */
  const refuseQuery = (c: Context) => {
    const read = query(c, NO_QUERY)
    return read.ok ? undefined : read.response
  }

  async function readJson<S extends v.GenericSchema>(
    c: Context,
    schema: S,
  ): Promise<{ ok: true; value: v.InferOutput<S> } | { ok: false; response: Response }> {
    const read = await readBodyLimited(c.req.raw, ADMIN_BODY_LIMIT)
    if (!read.ok) return { ok: false, response: fail(400, ADMIN_CODES.badRequest, read.message) }
    let json: unknown
    try {
      const text = new TextDecoder().decode(read.bytes)
      json = text.trim() === '' ? {} : JSON.parse(text)
    } catch {
      return { ok: false, response: fail(400, ADMIN_CODES.badRequest, 'body: expected JSON') }
    }
    const parsed = v.safeParse(schema, json)
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.issues)
      return { ok: false, response: fail(400, ADMIN_CODES.badRequest, `${field}: ${message}`) }
    }
    return { ok: true, value: parsed.output }
  }

  admin.use('*', async (c, next) => {
    if (deps.adminToken === undefined) return next()
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(.+)$/i.exec(header.trim())
    if (!match?.[1] || !constantTimeEquals(match[1], deps.adminToken)) {
      return fail(
        401,
        ADMIN_CODES.unauthorized,
        'Authorization: expected "Bearer <admin token>" (the mock was started with an admin token)',
      )
    }
    return next()
  })

  admin.get(
    '/',
    async (c) =>
      refuseQuery(c) ??
      ok(200, {
        name: '@sms-command/mock-server',
        runtime: runtime.name,
        store: store.kind,
        delivery: settings.delivery,
        idle: settings.idle,
        seed: settings.seed,
        autoRegister: settings.autoRegister,
        journalSize: settings.journalSize,
        tokenTtlMs: settings.tokenTtlMs,
        maxSkewMs: settings.maxSkewMs,
        ...viewLive(await store.liveSettings()),
        now: new Date(await store.now()).toISOString(),
        adminProtected: deps.adminToken !== undefined,
        capabilities: {
          dropConnection: runtime.dropConnection !== undefined,
          ...(runtime.dropUnsupported
            ? { dropConnectionUnsupported: runtime.dropUnsupported }
            : {}),
        },
        baseUrl: new URL(c.req.url).origin,
      }),
  )

  admin.get(
    '/settings',
    async (c) => refuseQuery(c) ?? ok(200, viewLive(await store.liveSettings())),
  )

  admin.post('/settings', async (c) => {
    const body = await readJson(c, LiveSettingsSchema)
    if (!body.ok) return body.response
    const changes: Partial<LiveSettings> = {}
    if (body.value.authErrors !== undefined) changes.authErrors = body.value.authErrors
    if (body.value.rateLimit !== undefined) {
      changes.rateLimit =
        body.value.rateLimit === null ? null : parseRateLimit(body.value.rateLimit)
    }
    return ok(200, viewLive(await store.updateLiveSettings(changes)))
  })

  admin.get(
    '/servers',
    async (c) => refuseQuery(c) ?? ok(200, { servers: await store.listServers() }),
  )

  admin.post('/servers', async (c) => {
    const body = await readJson(c, RegisterServerSchema)
    if (!body.ok) return body.response
    const outcome = await store.registerServer({
      id: body.value.id,
      // Absent: `demo` for a new server; an existing server keeps its account.
      domain: body.value.domain,
      delivery: body.value.delivery,
      idle: body.value.idle,
      fleet: {
        name: body.value.name,
        state: body.value.state,
        migration_cycle: body.value.migration_cycle,
      },
    })
    if ('error' in outcome) return fail(409, ADMIN_CODES.conflict, outcome.error)
    return ok(outcome.created ? 201 : 200, outcome.server)
  })

  admin.get('/servers/:id', async (c) => {
    const refused = refuseQuery(c)
    if (refused) return refused
    const id = c.req.param('id')
    const server = await store.viewServer(id)
    if (!server) return fail(404, ADMIN_CODES.notFound, `server ${id} is not registered`)
    return ok(200, server)
  })

  admin.delete('/servers/:id', async (c) => {
    const body = await readJson(c, NoBodySchema)
    if (!body.ok) return body.response
    const id = c.req.param('id')
    if (!(await store.deleteServer(id))) {
      return fail(404, ADMIN_CODES.notFound, `server ${id} is not registered`)
    }
    return ok(200, { deleted: id })
  })

  admin.post('/servers/:id/commands', async (c) => {
    const id = c.req.param('id')
    const body = await readJson(c, EnqueueSchema)
    if (!body.ok) return body.response
    const list = Array.isArray(body.value)
      ? body.value
      : 'commands' in body.value
        ? body.value.commands
        : [body.value]
    const outcome = await store.enqueue(
      id,
      list.map((item) => ({
        command_name: item.command_name,
        command_param: item.command_param ?? {},
        releaseAfterMs: item.releaseAfterMs,
      })),
    )
    if ('notFound' in outcome) {
      return fail(
        404,
        ADMIN_CODES.notFound,
        `server ${id} is not registered; POST /_mock/servers first`,
      )
    }
    if (!outcome.ok) return fail(409, ADMIN_CODES.conflict, outcome.message)
    return ok(201, {
      enqueued: outcome.commands.map((command) => ({
        ...command,
        enqueuedAt: new Date(command.enqueuedAt).toISOString(),
        ...(command.releaseAt !== undefined
          ? { releaseAt: new Date(command.releaseAt).toISOString() }
          : {}),
      })),
    })
  })

  admin.get('/servers/:id/results', async (c) => {
    const refused = refuseQuery(c)
    if (refused) return refused
    const id = c.req.param('id')
    const server = await store.viewServer(id)
    if (!server) return fail(404, ADMIN_CODES.notFound, `server ${id} is not registered`)
    return ok(200, { results: server.results, resultsTotal: server.resultsTotal })
  })

  admin.post('/reset', async (c) => {
    const body = await readJson(c, NoBodySchema)
    if (!body.ok) return body.response
    await store.reset()
    return ok(200, { reset: true })
  })

  admin.get('/journal', async (c) => {
    const read = query(c, JOURNAL_QUERY)
    if (!read.ok) return read.response
    const { server, status, route, limit } = read.values
    const entries = await store.readJournal({
      server,
      status,
      route: route as RouteName[] | undefined,
      limit: limit?.[0] === undefined ? undefined : Number(limit[0]),
    })
    return ok(200, { entries, capacity: settings.journalSize })
  })

  admin.get('/events', async (c) => {
    const read = query(c, EVENTS_QUERY)
    if (!read.ok) return read.response
    const servers = read.values.server ?? []
    const types = (read.values.type ?? []) as MockEventType[]
    let sinceText = read.values.since?.[0]
    const lastEventId = c.req.header('last-event-id')
    // `since` wins; the header (a reconnecting EventSource's) is checked, and named, when used.
    // Empty, it says no event was seen (the SSE standard's reset id): the same as no header.
    if (sinceText === undefined && lastEventId !== undefined && lastEventId !== '') {
      const problem = checkEventSeq(lastEventId)
      if (problem !== undefined) {
        return fail(
          400,
          ADMIN_CODES.badRequest,
          `Last-Event-ID: ${problem}, got ${JSON.stringify(lastEventId.slice(0, 40))}`,
        )
      }
      sinceText = lastEventId
    }
    const since = sinceText === undefined ? undefined : Number(sinceText)
    c.header('x-request-id', nextRequestId())
    return streamSSE(c, async (stream) => {
      const controller = new AbortController()
      stream.onAbort(() => controller.abort())
      const events = await store.subscribe({ servers, types, since }, controller.signal)
      // Tells the client the subscription is live, so it can trigger what it wants to watch.
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ servers, types }) })
      const heartbeat = setInterval(() => {
        stream.write(': keep-alive\n\n').catch(() => controller.abort())
      }, deps.eventKeepAliveMs ?? SSE_KEEP_ALIVE_MS)
      try {
        for await (const event of events) {
          await stream.writeSSE({
            event: event.type,
            id: String(event.seq),
            data: JSON.stringify(event),
          })
        }
      } finally {
        clearInterval(heartbeat)
      }
    })
  })

  admin.get(
    '/faults',
    async (c) =>
      refuseQuery(c) ?? ok(200, { faults: (await store.listFaults()).map(describeFault) }),
  )

  admin.post('/faults', async (c) => {
    const body = await readJson(c, FaultsBodySchema)
    if (!body.ok) return body.response
    const specs = Array.isArray(body.value) ? body.value : [body.value]
    if (specs.some((spec) => spec.kind === 'drop-connection') && !runtime.dropConnection) {
      return fail(
        501,
        ADMIN_CODES.unsupported,
        `drop-connection is not supported on ${runtime.name}: ${runtime.dropUnsupported ?? 'the runtime offers no way to close a connection from a handler'}`,
      )
    }
    const added = []
    for (const spec of specs) {
      const fault = await store.addFault(spec)
      if ('error' in fault) return fail(409, ADMIN_CODES.conflict, fault.error)
      added.push(describeFault(fault))
    }
    return ok(201, { faults: added })
  })

  admin.delete('/faults/:id', async (c) => {
    const body = await readJson(c, NoBodySchema)
    if (!body.ok) return body.response
    const id = c.req.param('id')
    if (!(await store.removeFault(id))) return fail(404, ADMIN_CODES.notFound, `no fault ${id}`)
    return ok(200, { deleted: id })
  })

  admin.delete('/faults', async (c) => {
    const body = await readJson(c, NoBodySchema)
    if (!body.ok) return body.response
    const read = query(c, FAULTS_DELETE_QUERY)
    if (!read.ok) return read.response
    return ok(200, { deleted: await store.clearFaults(read.values.server?.[0]) })
  })

  for (const action of ['expire', 'revoke'] as const) {
    admin.post(`/tokens/${action}`, async (c) => {
      const body = await readJson(c, TokenSelectorSchema)
      if (!body.ok) return body.response
      const count = await store.invalidateTokens(body.value, action)
      return ok(200, { [action === 'expire' ? 'expired' : 'revoked']: count })
    })
  }

  admin.get('/identity', async (c) => refuseQuery(c) ?? ok(200, await store.viewIdentity()))

  admin.post('/identity', async (c) => {
    const body = await readJson(c, IdentitySchema)
    if (!body.ok) return body.response
    // An access key's user must exist (already, or in this same call) in the key's account.
    const keys = body.value.accessKeys ?? []
    if (keys.some((key) => key.user !== undefined)) {
      const known = new Set(
        (await store.viewIdentity()).users.map((user) => `${user.account}/${user.name}`),
      )
      for (const user of body.value.users ?? []) {
        known.add(`${user.account ?? DEFAULT_ACCOUNT}/${user.name}`)
      }
      const index = keys.findIndex(
        (key) =>
          key.user !== undefined && !known.has(`${key.account ?? DEFAULT_ACCOUNT}/${key.user}`),
      )
      const key = keys[index]
      if (key) {
        return fail(
          400,
          ADMIN_CODES.badRequest,
          `accessKeys[${index}].user: unknown user ${JSON.stringify(key.user)} of account ${JSON.stringify(key.account ?? DEFAULT_ACCOUNT)}`,
        )
      }
    }
    await store.addIdentity(body.value)
    return ok(200, await store.viewIdentity())
  })

  admin.get('/clock', async (c) => {
    const refused = refuseQuery(c)
    if (refused) return refused
    const now = await store.now()
    return ok(200, { now: new Date(now).toISOString(), offsetMs: now - settings.clock() })
  })

  admin.post('/clock', async (c) => {
    const body = await readJson(c, ClockSchema)
    if (!body.ok) return body.response
    const change =
      body.value.to !== undefined ? { to: body.value.to } : { advanceMs: body.value.advanceMs ?? 0 }
    const problem = clockChangeProblem(change, await store.now())
    if (problem) return fail(400, ADMIN_CODES.badRequest, `${problem.field}: ${problem.message}`)
    const clock = await store.setClock(change)
    return ok(200, { now: new Date(clock.now).toISOString(), offsetMs: clock.offsetMs })
  })

  // An unexpected failure answers with the admin API's own code, never the SMS API's SMS.2007.
  admin.onError((error, c) => {
    const path = new URL(c.req.url).pathname.slice(0, 200)
    deps.logError(`unexpected error on admin ${c.req.method} ${path}`, error)
    return fail(
      500,
      ADMIN_CODES.internal,
      `unexpected error on ${c.req.method} ${path}: ${error instanceof Error ? error.name : 'unknown'}; see the mock's log`,
    )
  })

  admin.notFound((c) =>
    fail(
      404,
      ADMIN_CODES.notFound,
      `no admin route ${c.req.method} ${new URL(c.req.url).pathname}`,
    ),
  )
  return admin
}
