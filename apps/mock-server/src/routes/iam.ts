import type { Context } from 'hono'
import * as v from 'valibot'
import {
  jsonHeaders,
  MAX_BODY_BYTES,
  nextRequestId,
  parseJsonObject,
  readBodyLimited,
} from '../http.ts'
import { rawPath } from '../request.ts'
import type { FaultSelection } from '../rules/faults.ts'
import { firstIssue } from '../scenario.ts'
import {
  announceFaults,
  answerWithFaults,
  baseEntry,
  dropBeforeEffect,
  type RouteDeps,
} from './context.ts'

const text = (what: string, max = 255) =>
  v.pipe(
    v.string(`expected ${what} as a string`),
    v.minLength(1, `expected a non-empty ${what}`),
    v.maxLength(max, `expected at most ${max} characters`),
  )

// With the house's text, not valibot's "Invalid type: Expected Object but received null".
const object = <const E extends v.ObjectEntries>(entries: E) =>
  v.object(entries, 'expected a JSON object')

const NameOrId = v.pipe(
  object({ name: v.optional(text('name')), id: v.optional(text('id')) }),
  v.check((x) => x.name !== undefined || x.id !== undefined, 'expected "name" or "id"'),
)

/** The body of `POST /v3/auth/tokens`, password flow (docs/api.md §4). */
const PasswordAuthSchema = object({
  auth: object({
    identity: object({
      methods: v.pipe(
        v.array(v.string('expected a string'), 'expected an array such as ["password"]'),
        v.check(
          (m) => m.includes('password'),
          'expected ["password"]: the mock supports the password method only',
        ),
      ),
      password: object({
        user: object({
          name: text('user name'),
          password: text('password', 4096),
          domain: NameOrId,
        }),
      }),
    }),
    scope: v.optional(
      v.union(
        [object({ domain: NameOrId }), object({ project: NameOrId })],
        'expected {"domain":{"name"|"id"}} or {"project":{"name"|"id"}}',
      ),
    ),
  }),
})

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized' }

function iamError(status: number, message: string, requestId: string): Response {
  // Keystone's shape, which IAM's v3 token API answers with; core's readErrorBody reads it.
  return new Response(
    JSON.stringify({ error: { code: status, title: TITLES[status] ?? 'Error', message } }),
    { status, headers: jsonHeaders(requestId) },
  )
}

/**
 * `POST /v3/auth/tokens`: the IAM password flow. 201 with the token in `X-Subject-Token` and
 * `token.expires_at` in the body (mock clock + token lifetime); `?nocatalog=true` drops the
 * catalog. Errors use IAM's keystone shape `{"error":{"code","title","message"}}`.
 */
export function createIamHandler(deps: RouteDeps) {
  const { store } = deps
  return async function handleIam(c: Context): Promise<Response> {
    const started = performance.now()
    const requestId = nextRequestId()
    const request = c.req.raw
    const path = rawPath(request.url)
    const entry = baseEntry(c, deps, requestId, path, 'iam')
    let faults: FaultSelection | undefined
    const journalAs = async (status: number) => {
      await store.journal({
        ...entry,
        ...(faults && faults.hits.length > 0 ? { faults: faults.hits } : {}),
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      })
    }
    // Every answer, a refusal too, goes out through the faults that fired on the request.
    const finish = (response: Response) => answerWithFaults(c, response, faults, deps, journalAs)

    faults = await store.drawFaults(undefined, 'iam')
    if (faults.hits.length > 0) {
      await announceFaults(deps, faults, requestId)
      const dropped = dropBeforeEffect(c, faults, deps, journalAs)
      if (dropped) return dropped
      if (faults.status) {
        const headers: Record<string, string> = {}
        if (faults.status.retryAfterSeconds !== undefined) {
          headers['retry-after'] = String(faults.status.retryAfterSeconds)
        }
        return finish(
          new Response(
            JSON.stringify({
              error: {
                code: faults.status.status,
                title: 'Injected fault',
                message: faults.status.errorMsg ?? `Injected fault ${faults.status.hit.id}.`,
              },
            }),
            { status: faults.status.status, headers: jsonHeaders(requestId, headers) },
          ),
        )
      }
    }

    const read = await readBodyLimited(request, MAX_BODY_BYTES)
    if (!read.ok) return finish(iamError(400, read.message, requestId))
    const json = parseJsonObject(read.bytes)
    if (!json.ok) return finish(iamError(400, json.message, requestId))
    const parsed = v.safeParse(PasswordAuthSchema, json.value)
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.issues)
      return finish(iamError(400, `${field}: ${message}`, requestId))
    }
    const { identity, scope } = parsed.output.auth
    const user = identity.password.user
    const outcome = await store.issueToken({
      user: user.name,
      password: user.password,
      domain: user.domain,
      scope,
    })
    if (!outcome.ok) {
      await store.publish([
        { type: 'auth-failure', requestId, reason: 'iam-password', message: outcome.message },
      ])
      entry.authFailure = 'iam-password'
      return finish(iamError(outcome.status, outcome.message, requestId))
    }
    const { account, record } = outcome
    entry.auth = { kind: 'iam-token', account: account.name, name: outcome.user.name }
    const origin = new URL(request.url).origin
    const scoped =
      scope && 'project' in scope
        ? {
            project: {
              ...(account.projects.find(
                (p) =>
                  (scope.project.name === undefined || p.name === scope.project.name) &&
                  (scope.project.id === undefined || p.id === scope.project.id),
              ) ?? { name: scope.project.name, id: scope.project.id }),
              domain: { id: account.id, name: account.name },
            },
          }
        : { domain: { id: account.id, name: account.name } }
    const nocatalog = new URL(request.url).searchParams.get('nocatalog') === 'true'
    const body = {
      token: {
        expires_at: new Date(record.expiresAt ?? 0).toISOString(),
        issued_at: new Date(record.issuedAt).toISOString(),
        methods: ['password'],
        user: {
          id: outcome.user.id,
          name: outcome.user.name,
          domain: { id: account.id, name: account.name },
          password_expires_at: '',
        },
        ...scoped,
        roles: [{ id: '0', name: 'op_service' }],
        ...(nocatalog
          ? {}
          : {
              catalog: [
                {
                  type: 'sms',
                  id: 'sms',
                  name: 'sms',
                  endpoints: [
                    {
                      id: 'sms-mock',
                      interface: 'public',
                      region: '*',
                      region_id: '*',
                      url: origin,
                    },
                  ],
                },
              ],
            }),
      },
    }
    const response = new Response(JSON.stringify(body), {
      status: 201,
      headers: jsonHeaders(requestId, { 'x-subject-token': outcome.token }),
    })
    return finish(response)
  }
}

/** Whether a path is the IAM token API (with or without a trailing slash). */
export function isIamPath(url: string): boolean {
  const path = rawPath(url)
  return path === '/v3/auth/tokens' || path === '/v3/auth/tokens/'
}
