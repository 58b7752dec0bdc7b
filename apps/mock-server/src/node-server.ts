import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { serve } from '@hono/node-server'
import { createMockApp, type MockApp } from './app.ts'
import { ERROR_CODES, errorBody, MockConfigError } from './errors.ts'
import { assertBindAllowed, nextRequestId, urlHost } from './http.ts'
import type { MockOptions, RuntimeAdapter } from './options.ts'
import { httpDate } from './rules/gateway.ts'

/** Node's header limit here: room for a token just over docs/api.md's 16,384 characters. */
const MAX_HEADER_BYTES = 64 * 1024

/**
 * Node: a dropped connection destroys the request's socket, so the client sees the connection
 * reset with no answer at all.
 */
export const nodeRuntime: RuntimeAdapter = {
  name: 'node',
  // node:http writes `Date` itself when the answer has none (ServerResponse#sendDate).
  datesAnswers: true,
  dropConnection(c) {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    incoming?.socket.destroy()
    return new Response(null, { status: 204 })
  },
}

/** Options of {@link startNodeServer}: the mock's options plus where to listen. */
export interface NodeServerOptions extends MockOptions {
  /** Default `127.0.0.1`. A non-loopback host needs `adminToken`. */
  host?: string
  /** Default 0: a free port. */
  port?: number
}

/** A running Node mock server. */
export interface RunningNodeServer {
  /** `http://HOST:PORT`, no trailing slash. */
  url: string
  host: string
  port: number
  app: MockApp
  server: Server
  /** Stops listening, closes open connections (event streams too) and timers. */
  close(): Promise<void>
}

/**
 * Starts the mock on Node's HTTP server (via `@hono/node-server`). Headers may be up to 64 KiB
 * so that a token just over docs/api.md's 16,384 characters reaches the mock and gets its 400.
 *
 * @throws {MockConfigError} when `host` is not loopback and no `adminToken` is set, or an
 *   option is invalid.
 * @example
 * const mock = await startNodeServer({ port: 0, tokens: ['t'], demo: false })
 * await fetch(`${mock.url}/v3/sources/srv-1/command`, { headers: { 'X-Auth-Token': 't' } })
 * await mock.close()
 */
export async function startNodeServer(options: NodeServerOptions = {}): Promise<RunningNodeServer> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MockConfigError('port', 'expected an integer 0–65535')
  }
  assertBindAllowed(host, options.adminToken)
  const app = createMockApp({ runtime: nodeRuntime, ...options })
  const { store } = app.mock
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port,
        createServer,
        serverOptions: { maxHeaderSize: MAX_HEADER_BYTES, keepAliveTimeout: 5_000 },
      },
      () => resolve(created as Server),
    ) as Server
    created.once('error', reject)
  })
  // Requests Node's HTTP parser refuses (headers over the limit, malformed HTTP) get an answer
  // in the API's shape too, with X-Request-Id, instead of Node's bare 400/431.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return
    const overflow = error.code === 'HPE_HEADER_OVERFLOW'
    const status = overflow ? 431 : 400
    const body = JSON.stringify(
      errorBody(
        ERROR_CODES.badRequest,
        overflow
          ? `headers: larger than ${MAX_HEADER_BYTES} bytes in all`
          : 'request: not a well-formed HTTP/1.1 request',
      ),
    )
    socket.end(
      `HTTP/1.1 ${status} ${overflow ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `content-type: application/json;charset=UTF-8\r\nx-request-id: ${nextRequestId()}\r\n` +
        `date: ${httpDate(store.clockNow ? store.clockNow() : Date.now())}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
  })
  const address = server.address() as AddressInfo
  const url = `http://${urlHost(host)}:${address.port}`
  let closing: Promise<void> | undefined
  return {
    url,
    host,
    port: address.port,
    app,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        app.mock.dispose()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
