// How the mock meets the runtime that serves it (Node, Bun, Deno, Workers, in process): what a
// fetch handler alone can't do, such as dropping a connection.
import type { Context } from 'hono'
import { clientMethod } from './request.ts'

/**
 * What the hosting runtime can do that a fetch handler alone can't. `dropConnection` closes
 * the client's connection without an answer; runtimes that offer no way to do it leave it out
 * and say why in `dropUnsupported`. `datesAnswers`: the runtime adds the real clock's `Date`
 * header to an answer that has none (node:http, Bun.serve and Deno.serve do), so while the mock
 * clock is the real one a poll's answer leaves it to the runtime (a header less to build).
 */
export interface RuntimeAdapter {
  name: string
  dropConnection?: (c: Context) => Response | Promise<Response>
  dropUnsupported?: string
  datesAnswers?: boolean
}

/** Thrown out of `app.fetch` (not turned into a response) to drop an in-process request. */
export class ConnectionDroppedError extends TypeError {
  override readonly name = 'ConnectionDroppedError'
  constructor(method: string, path: string) {
    super(`fetch failed: the mock dropped the connection of ${method} ${path} (injected fault)`)
  }
}

/**
 * The in-process runtime (`app.request`, `app.fetch` used as a `fetch`): a dropped connection
 * makes `app.fetch` reject with a `TypeError`, which is how `fetch` reports a lost connection.
 */
export const inProcessRuntime: RuntimeAdapter = {
  name: 'in-process',
  dropConnection(c) {
    throw new ConnectionDroppedError(clientMethod(c.req.raw), new URL(c.req.url).pathname)
  },
}
