// `/_mock/journal` and `/_mock/events`: the request log and the live event stream.
import { MOCK_EVENT_TYPES } from '@sms-command/core/events'
import {
  formatSseMessage,
  parseEventId,
  SSE_KEEP_ALIVE_COMMENT,
  SSE_KEEP_ALIVE_MS,
} from '@sms-command/core/sse'
import { streamSSE } from 'hono/streaming'
import { ADMIN_CODES } from '../../errors.ts'
import type { MockEventType, RouteName } from '../../types.ts'
import { serverIdParam } from './faults.ts'
import { type AdminDeps, adminApp, fail, ok, type QueryParam, query } from './shared.ts'

/** The routes a journal line names, for `GET /_mock/journal?route=`. */
const JOURNAL_ROUTES: readonly RouteName[] = [
  'command',
  'command_result',
  'sources',
  'iam',
  'openapi',
  'other',
]

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
  parseEventId(value) !== undefined ? undefined : 'expected a non-negative integer (an event seq)'

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

/**
 * The `/_mock/journal` sub-app.
 *
 * @example
 * admin.route('/journal', journalApp(deps))
 */
export function journalApp({ store, settings }: AdminDeps) {
  return adminApp().get('/', async (c) => {
    const read = query(c, JOURNAL_QUERY)
    if (!read.ok) return read.response
    const { server, status, route, limit } = read.values
    const entries = await store.readJournal({
      server,
      status,
      route: route as RouteName[] | undefined,
      limit: limit?.[0] === undefined ? undefined : Number(limit[0]),
    })
    return ok(c, 200, { entries, capacity: settings.journalSize })
  })
}

/**
 * The `/_mock/events` sub-app: a server-sent event stream, replayed from `since` (or
 * `Last-Event-ID`) out of the backlog, then live.
 *
 * @example
 * admin.route('/events', eventsApp(deps))
 */
export function eventsApp({ store, eventKeepAliveMs }: AdminDeps) {
  return adminApp().get('/', async (c) => {
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
          c,
          400,
          ADMIN_CODES.badRequest,
          `Last-Event-ID: ${problem}, got ${JSON.stringify(lastEventId.slice(0, 40))}`,
        )
      }
      sinceText = lastEventId
    }
    const since = parseEventId(sinceText)
    // A stream is not built by `ok`: its id goes on the headers Hono sends with it.
    c.header('x-request-id', c.get('requestId'))
    return streamSSE(c, async (stream) => {
      const controller = new AbortController()
      stream.onAbort(() => controller.abort())
      const events = await store.subscribe({ servers, types, since }, controller.signal)
      // Hono's streamSSE sends the headers and ends the stream; the frames are core's, as the
      // agent's `/events` writes them. Tells the client the subscription is live, so it can
      // trigger what it wants to watch.
      await stream.write(
        formatSseMessage({ event: 'ready', data: JSON.stringify({ servers, types }) }),
      )
      const heartbeat = setInterval(() => {
        stream.write(SSE_KEEP_ALIVE_COMMENT).catch(() => controller.abort())
      }, eventKeepAliveMs ?? SSE_KEEP_ALIVE_MS)
      try {
        for await (const event of events) {
          await stream.write(
            formatSseMessage({ id: event.seq, event: event.type, data: JSON.stringify(event) }),
          )
        }
      } finally {
        clearInterval(heartbeat)
      }
    })
  })
}
