// Bun entry: `bun --max-http-header-size=65536 src/bun.ts [sms-mock flags]`. Same flags and
// first line as the Node bin; serves with Bun.serve.
import type { RuntimeAdapter } from './options.ts'
import { runRuntimeCli } from './runtime-cli.ts'

interface BunServer {
  port: number
  stop(closeActiveConnections?: boolean): Promise<void> | void
}
declare const Bun: {
  serve(options: {
    hostname: string
    port: number
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>
    idleTimeout?: number
  }): BunServer
}

/**
 * Bun: a body stream that fails before its first chunk makes Bun reset the connection without
 * sending a byte (status line included), which is a dropped connection to the client. Bun logs
 * the stream's error to stderr.
 */
export const bunRuntime: RuntimeAdapter = {
  name: 'bun',
  // Bun.serve writes `Date` itself when the answer has none.
  datesAnswers: true,
  dropConnection() {
    return new Response(
      new ReadableStream({
        start(controller) {
          controller.error(new Error('sms-mock: injected drop-connection fault'))
        },
      }),
    )
  },
}

runRuntimeCli(bunRuntime, async (app, host, port) => {
  // idleTimeout 0: event streams stay open between their 15 s keep-alives.
  const server = Bun.serve({ hostname: host, port, fetch: app.fetch, idleTimeout: 0 })
  return {
    port: server.port,
    stop: async () => {
      await server.stop(true)
    },
  }
})
