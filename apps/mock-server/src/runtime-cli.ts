// The `sms-mock` command line for runtimes that serve with their own API (Bun, Deno): the same
// flags, first line, signals and exit codes as the Node bin (src/node.ts).
import process from 'node:process'
import { configErrorLine, isConfigError } from '@sms-command/cli-kit'
import { createMockApp, type MockApp } from './app.ts'
import { parseCli, startupLines, USAGE } from './cli.ts'
import { MockConfigError } from './errors.ts'
import { assertBindAllowed, urlHost } from './http.ts'
import type { RuntimeAdapter } from './options.ts'

/** A server a runtime has started: the port it listens on, and how to close it. */
export interface ListeningServer {
  port: number
  /** Stops listening and closes open connections (event streams too). */
  stop(): Promise<void>
}

/** Serves `app` on `host:port` (0: a free port) and resolves once it listens. */
export type ServeApp = (app: MockApp, host: string, port: number) => Promise<ListeningServer>

/**
 * Runs `sms-mock` with `serve`: parses the flags, starts the app, prints the startup lines
 * (the first is `sms-mock listening on URL`) and on SIGINT/SIGTERM closes the app and the server
 * and exits 0. Bad flags or a refused bind print a message and exit 2.
 *
 * @example
 * runRuntimeCli(bunRuntime, async (app, host, port) => {
 *   const server = Bun.serve({ hostname: host, port, fetch: app.fetch })
 *   return { port: server.port, stop: async () => server.stop(true) }
 * })
 */
export function runRuntimeCli(runtime: RuntimeAdapter, serve: ServeApp): void {
  main(runtime, serve).catch((error: unknown) => {
    if (isConfigError(error)) {
      process.stderr.write(configErrorLine('sms-mock', error))
      process.exit(error.exitCode)
    }
    process.stderr.write(`sms-mock: ${error instanceof Error ? error.message : String(error)}\n`)
    if (error instanceof MockConfigError) process.stderr.write('Run with --help for the options.\n')
    process.exit(2)
  })
}

async function main(runtime: RuntimeAdapter, serve: ServeApp): Promise<void> {
  const command = await parseCli(process.argv.slice(2), process.env)
  if (command.help) {
    process.stdout.write(command.version !== undefined ? `sms-mock ${command.version}\n` : USAGE)
    return
  }
  if (command.printed) {
    process.stdout.write(`${JSON.stringify(command.printed, null, 2)}\n`)
    return
  }
  const { host = '127.0.0.1', port = 8080, ...options } = command.options
  assertBindAllowed(host, options.adminToken)
  const app = createMockApp({ runtime, ...options })
  const server = await serve(app, host, port)
  const url = `http://${urlHost(host)}:${server.port}`
  process.stdout.write(`${startupLines({ url, app }, command.options).join('\n')}\n`)
  const stop = async (signal: string) => {
    process.stdout.write(`sms-mock: ${signal}, stopping\n`)
    app.mock.dispose()
    await server.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}
