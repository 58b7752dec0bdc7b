// The admin API under `/_mock`: Hono's own middleware (request id, body limit) and the admin
// token in front of one sub-app per resource (routes/admin/). See README.md for every route.
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { ADMIN_CODES } from '../errors.ts'
import { nextRequestId } from '../http.ts'
import { checkSetting } from '../settings.ts'
import { clockApp } from './admin/clock.ts'
import { faultsApp } from './admin/faults.ts'
import { identityApp, tokensApp } from './admin/identity.ts'
import { eventsApp, journalApp } from './admin/observe.ts'
import { serversApp } from './admin/servers.ts'
import { settingsApp } from './admin/settings.ts'
import { type AdminDeps, type AdminEnv, fail, NoBodySchema, ok, readJson } from './admin/shared.ts'

export { type QueryParam, readQuery } from './admin/shared.ts'

/** The largest admin body (a scenario's worth of identities or commands), in bytes. */
export const ADMIN_BODY_LIMIT = 1024 * 1024

function constantTimeEquals(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ (b.charCodeAt(i % (b.length || 1)) || 0)
  }
  return diff === 0
}

/**
 * The admin API under `/_mock`: servers and their queues, faults, tokens, the mock clock, the
 * journal and the live event stream.
 *
 * @example
 * app.route('/_mock', createAdminApp({ ...deps, adminToken: undefined }))
 */
export function createAdminApp(deps: AdminDeps): Hono<AdminEnv> {
  const { store } = deps
  // A keep-alive interval past a timer's limit would fire every millisecond.
  if (deps.eventKeepAliveMs !== undefined) checkSetting('eventKeepAliveMs', deps.eventKeepAliveMs)
  const admin = new Hono<AdminEnv>()

  // The gateway's 32-hex form, never the client's own header: an id names one answer of the mock.
  admin.use(requestId({ headerName: '', generator: () => nextRequestId() }))
  admin.use('*', async (c, next) => {
    if (deps.adminToken === undefined) return next()
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(.+)$/i.exec(header.trim())
    if (!match?.[1] || !constantTimeEquals(match[1], deps.adminToken)) {
      return fail(
        c,
        401,
        ADMIN_CODES.unauthorized,
        'Authorization: expected "Bearer <admin token>" (the mock was started with an admin token)',
      )
    }
    return next()
  })
  // After the token check: a stranger's body is not read at all.
  admin.use(
    bodyLimit({
      maxSize: ADMIN_BODY_LIMIT,
      onError: (c) =>
        fail(c, 400, ADMIN_CODES.badRequest, `body: expected at most ${ADMIN_BODY_LIMIT} bytes`),
    }),
  )

  admin.route('/', settingsApp(deps))
  admin.route('/servers', serversApp(deps))
  admin.route('/faults', faultsApp(deps))
  admin.route('/tokens', tokensApp(deps))
  admin.route('/identity', identityApp(deps))
  admin.route('/clock', clockApp(deps))
  admin.route('/journal', journalApp(deps))
  admin.route('/events', eventsApp(deps))
  admin.post('/reset', async (c) => {
    const body = await readJson(c, NoBodySchema)
    if (!body.ok) return body.response
    await store.reset()
    return ok(c, 200, { reset: true })
  })

  // An unexpected failure answers with the admin API's own code, never the SMS API's SMS.2007.
  admin.onError((error, c) => {
    const path = new URL(c.req.url).pathname.slice(0, 200)
    deps.logError(`unexpected error on admin ${c.req.method} ${path}`, error)
    return fail(
      c,
      500,
      ADMIN_CODES.internal,
      `unexpected error on ${c.req.method} ${path}: ${error instanceof Error ? error.name : 'unknown'}; see the mock's log`,
    )
  })

  admin.notFound((c) =>
    fail(
      c,
      404,
      ADMIN_CODES.notFound,
      `no admin route ${c.req.method} ${new URL(c.req.url).pathname}`,
    ),
  )
  return admin
}
