// The `sms-mock` command line on every runtime: cli-kit's runner over the mock's table, with the
// runtime's own way of serving. Node (src/node.ts) serves through node:http, Bun and Deno with
// their own API (runRuntimeCli); the flags, first line, signals and exit codes are the same.
import {
  type CliDefinition,
  type CliErrorDescription,
  processIo,
  runCli,
} from '@sms-command/cli-kit'
import { createMockApp, type MockApp } from './app.ts'
import {
  COMMAND_LINE,
  MOCK_EXIT_CODES,
  MOCK_HELP,
  mockVersion,
  type OPTIONS,
  resolveCliOptions,
  startupLines,
} from './cli.ts'
import { MockConfigError } from './errors.ts'
import { assertBindAllowed, urlHost } from './http.ts'
import type { NodeServerOptions } from './node-server.ts'
import type { RuntimeAdapter } from './options.ts'

/** A server a runtime has started: the port it listens on, and how to close it. */
export interface ListeningServer {
  port: number
  /** Stops listening and closes open connections (event streams too). */
  stop(): Promise<void>
}

/** Serves `app` on `host:port` (0: a free port) and resolves once it listens. */
export type ServeApp = (app: MockApp, host: string, port: number) => Promise<ListeningServer>

/** A running mock as the command line sees it: where it listens, its app, how to close it. */
export interface StartedMock {
  url: string
  app: MockApp
  close(): Promise<void>
}

/**
 * `sms-mock` as a cli-kit CLI over `start`: prints the startup lines (the first is
 * `sms-mock listening on URL`), and on SIGINT/SIGTERM closes the server and exits 0 (1 if it
 * failed to close). Bad flags, a refused bind or a port in use: one line, exit 2.
 *
 * @example
 * await runCli(mockCli((options) => startNodeServer(options)))
 */
export function mockCli(
  start: (options: NodeServerOptions) => Promise<StartedMock>,
): CliDefinition<typeof OPTIONS, NodeServerOptions> {
  return {
    command: COMMAND_LINE,
    version: mockVersion(),
    help: MOCK_HELP,
    exitCodes: MOCK_EXIT_CODES,
    settings: (parsed) => resolveCliOptions(parsed),
    run: async (options, { signal, io }) => {
      const running = await start(options)
      io.stdout(`${startupLines(running, options).join('\n')}\n`)
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      io.stdout(`sms-mock: ${String(signal.reason)}, stopping\n`)
      try {
        await running.close()
        return 0
      } catch {
        return 1
      }
    },
    describeError: describeStartError,
  }
}

/** The errors a start can meet that the user fixes with the options: exit 2. */
function describeStartError(error: unknown): CliErrorDescription | undefined {
  if (error instanceof MockConfigError) return { message: error.message, exitCode: 2 }
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    return { message: `the port is in use (${error.message})`, exitCode: 2 }
  }
  return undefined
}

/**
 * Runs `sms-mock` with `serve` (a runtime's own server API): parses the flags, starts the app,
 * prints the startup lines and on SIGINT/SIGTERM closes the app and the server and exits 0.
 * Bad flags or a refused bind print one line and exit 2.
 *
 * @example
 * runRuntimeCli(bunRuntime, async (app, host, port) => {
 *   const server = Bun.serve({ hostname: host, port, fetch: app.fetch })
 *   return { port: server.port, stop: async () => server.stop(true) }
 * })
 */
export function runRuntimeCli(runtime: RuntimeAdapter, serve: ServeApp): Promise<number> {
  const cli = mockCli(async (given) => {
    const { host = '127.0.0.1', port = 8080, ...options } = given
    assertBindAllowed(host, options.adminToken)
    const app = createMockApp({ runtime, ...options })
    const server = await serve(app, host, port)
    return {
      url: `http://${urlHost(host)}:${server.port}`,
      app,
      close: async () => {
        app.mock.dispose()
        await server.stop()
      },
    }
  })
  return runCli(cli, processIo())
}
