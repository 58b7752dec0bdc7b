// Deno entry: `deno run --allow-net --allow-read --allow-env src/deno.ts [sms-mock flags]`.
// Same flags and first line as the Node bin; serves with Deno.serve.
import type { RuntimeAdapter } from './options.ts'
import { runRuntimeCli } from './runtime-cli.ts'

declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { port: number }) => void },
    handler: (request: Request, info: unknown) => Response | Promise<Response>,
  ): { shutdown(): Promise<void>; finished: Promise<void> }
}

/**
 * Deno: `Deno.serve` gives a handler no way to close its connection. A failing body stream
 * still sends the status line and headers first, so that would be a cut body, not a dropped
 * connection: drop-connection faults are refused rather than faked.
 */
export const denoRuntime: RuntimeAdapter = {
  name: 'deno',
  // Deno.serve writes `Date` itself when the answer has none.
  datesAnswers: true,
  dropUnsupported:
    'Deno.serve offers a handler no way to close its connection (a failing body still sends the status line and headers first)',
}

runRuntimeCli(
  denoRuntime,
  (app, host, port) =>
    new Promise((listening) => {
      // onListen may run before Deno.serve returns: `server` is only read once stopping.
      const server = Deno.serve(
        {
          hostname: host,
          port,
          onListen: ({ port: actual }) =>
            listening({ port: actual, stop: () => server.shutdown() }),
        },
        (request) => app.fetch(request),
      )
    }),
)
