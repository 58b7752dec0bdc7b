import type { SmsErrorContext } from '../errors/sms-error.ts'
import { SmsInputError } from '../errors/sms-input-error.ts'
import { SmsResponseValidationError } from '../errors/sms-response-validation-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'
import { LIMITS } from '../schemas/limits.ts'
import { ServerPageSchema, type SourceServer } from '../schemas/source-server.ts'
import { checkBody, readJsonBody, withoutNulls } from './read-json-body.ts'

/** Filters and paging of `client.listServers` (`GET /v3/sources`, docs/api.md §8). */
export interface ListServersOptions {
  /** Only servers in this state (`replicate`, `finished`, …). */
  state?: string
  name?: string
  id?: string
  ip?: string
  /** Migration project id. */
  migproject?: string
  /** Only servers at this point of the migration cycle (`replicating`, …). */
  migrationCycle?: string
  /** Only servers whose agent SMS currently sees (`true`) or doesn't (`false`). */
  connected?: boolean
  enterpriseProjectId?: string
  /** Servers per request, 1–1000. Default 200 (SMS's own default). */
  limit?: number
  signal?: AbortSignal
}

/** One page of `GET /v3/sources`, nulls dropped. */
export interface ServerPage {
  /** Total matching servers, independent of paging; absent when SMS didn't say. */
  count: number | undefined
  servers: SourceServer[]
}

const FILTERS = [
  ['state', 'state'],
  ['name', 'name'],
  ['id', 'id'],
  ['ip', 'ip'],
  ['migproject', 'migproject'],
  ['migrationCycle', 'migration_cycle'],
  ['enterpriseProjectId', 'enterprise_project_id'],
] as const

/**
 * Checks the filters of `listServers` and turns them into query parameters (without `limit`
 * and `offset`).
 *
 * @throws {SmsInputError} naming the option when a filter is not a string of at most 255
 *   characters, `connected` not a boolean, or `limit` not an integer 1–1000.
 * @example
 * serverListQuery({ state: 'replicate', connected: false }) // { query: {...}, limit: 200 }
 */
export function serverListQuery(options: ListServersOptions): {
  query: Record<string, string>
  limit: number
} {
  const query: Record<string, string> = {}
  for (const [option, parameter] of FILTERS) {
    const value: unknown = options[option]
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length > LIMITS.serverName) {
      throw new SmsInputError(
        option,
        `expected a string of at most ${LIMITS.serverName} characters`,
        describeValue(value),
      )
    }
    query[parameter] = value
  }
  const connected: unknown = options.connected
  if (connected !== undefined) {
    if (typeof connected !== 'boolean') {
      throw new SmsInputError('connected', 'expected true or false', describeValue(connected))
    }
    query.connected = String(connected)
  }
  const limit: unknown = options.limit ?? 200
  if (
    typeof limit !== 'number' ||
    !Number.isInteger(limit) ||
    limit < 1 ||
    limit > LIMITS.serverPageLimit
  ) {
    throw new SmsInputError(
      'limit',
      `expected an integer from 1 to ${LIMITS.serverPageLimit}`,
      describeValue(limit),
    )
  }
  return { query, limit }
}

/**
 * Validates one page of `GET /v3/sources`. An empty body (or 204) is an empty page; `null`
 * fields read as absent; unknown `state` values and extra fields pass through.
 *
 * @throws {SmsResponseValidationError} naming the field when the body is not JSON or breaks the
 *   schema (a `count` that is not a non-negative integer, a numeric `name`, …).
 * @example
 * parseServerPage(200, '{"count":1,"source_servers":[{"id":"s1","state":"replicate"}]}')
 * // { count: 1, servers: [{ id: 's1', state: 'replicate' }] }
 */
export function parseServerPage(
  status: number,
  bodyText: string,
  context: SmsErrorContext = {},
): ServerPage {
  if (status === 204 || bodyText.trim() === '') return { count: undefined, servers: [] }
  const page = checkBody(ServerPageSchema, readJsonBody(status, bodyText, context), status, context)
  return {
    count: page.count ?? undefined,
    servers: (page.source_servers ?? []).map((server) => withoutNulls<SourceServer>(server)),
  }
}

/**
 * Yields every server of a paginated listing: asks page after page until `offset >= count`.
 * Stops on an empty page, so a `count` larger than the truth can't loop forever, and on a short
 * page when `count` is absent; fails when SMS sends the same page again (it ignored `offset`).
 */
export async function* paginateServers(
  fetchPage: (offset: number) => Promise<ServerPage>,
  limit: number,
  context: SmsErrorContext = {},
): AsyncGenerator<SourceServer, void, undefined> {
  let previousFirstId: string | undefined
  for (let offset = 0; ; ) {
    const page = await fetchPage(offset)
    const first = page.servers[0]
    if (!first) return
    if (offset > 0 && first.id !== undefined && first.id === previousFirstId) {
      throw new SmsResponseValidationError(
        [
          {
            field: 'source_servers',
            expected: `the servers from offset ${offset}`,
            received: 'the previous page again (the offset parameter was ignored)',
          },
        ],
        { ...context, status: 200 },
      )
    }
    previousFirstId = first.id
    yield* page.servers
    offset += page.servers.length
    if (page.count === undefined ? page.servers.length < limit : offset >= page.count) return
  }
}
