// Bun entry: `bun --max-http-header-size=65536 src/bun.ts [sms-mock flags]`. Same flags and
// first line as the Node bin; serves with Bun.serve.
import process from 'node:process'
import { createMockApp } from './app.ts'
import { parseCli, startupLines, USAGE } from './cli.ts'
import { MockConfigError } from './errors.ts'
import { assertBindAllowed, urlHost } from './http.ts'
import type { RuntimeAdapter } from './options.ts'

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

async function main(): Promise<void> {
  const command = await parseCli(process.argv.slice(2), process.env)
  if (command.help) {
    process.stdout.write(USAGE)
    return
  }
  const { host = '127.0.0.1', port = 8080, ...options } = command.options
  assertBindAllowed(host, options.adminToken)
  const app = createMockApp({ runtime: bunRuntime, ...options })
  // idleTimeout 0: event streams stay open between their 15 s keep-alives.
  const server = Bun.serve({ hostname: host, port, fetch: app.fetch, idleTimeout: 0 })
  const url = `http://${urlHost(host)}:${server.port}`
  process.stdout.write(`${startupLines({ url, app }, command.options).join('\n')}\n`)
  const stop = async (signal: string) => {
    process.stdout.write(`sms-mock: ${signal}, stopping\n`)
    app.mock.dispose()
    await server.stop(true)
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error: unknown) => {
  process.stderr.write(`sms-mock: ${error instanceof Error ? error.message : String(error)}\n`)
  if (error instanceof MockConfigError) process.stderr.write('Run with --help for the options.\n')
  process.exit(2)
})
