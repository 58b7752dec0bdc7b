/**
 * A real forward proxy on 127.0.0.1 for tests: CONNECT tunnels and absolute-form requests, with
 * its own name table, so a host only it resolves proves a request went through it.
 * `@sms-command/cli-kit/testing`.
 *
 * @module testing
 */
import { createServer, request as httpRequest, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'

/** A running proxy. */
export interface EgressProxy {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `CONNECT host:port` or `GET http://host:port/path`, with the Proxy-Authorization seen. */
  readonly seen: { request: string; authorization: string | undefined }[]
  close(): Promise<void>
}

/**
 * Starts a proxy that resolves each name of `hosts` to 127.0.0.1 (other names as the system
 * does).
 *
 * @example
 * const proxy = await startEgressProxy(['sms.proxy-only.test'])
 */
export async function startEgressProxy(hosts: readonly string[]): Promise<EgressProxy> {
  const resolve = (host: string) => (hosts.includes(host) ? '127.0.0.1' : host)
  const seen: EgressProxy['seen'] = []
  const server: Server = createServer((request, response) => {
    seen.push({
      request: `${request.method} ${request.url}`,
      authorization: request.headers['proxy-authorization'],
    })
    const target = new URL(request.url ?? '')
    const headers = { ...request.headers }
    delete headers['proxy-authorization']
    const upstream = httpRequest(
      {
        host: resolve(target.hostname),
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => response.writeHead(502).end())
    request.pipe(upstream)
  })
  server.on('connect', (request, socket, head) => {
    seen.push({
      request: `CONNECT ${request.url}`,
      authorization: request.headers['proxy-authorization'],
    })
    const [host = '', port = '443'] = (request.url ?? '').split(/:(?=\d+$)/)
    const upstream = connect(Number(port), resolve(host), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  })
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
