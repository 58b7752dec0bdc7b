// Deno entry: `deno run --allow-net --allow-read --allow-env src/deno.ts [sms-mock flags]`.
// Same flags and first line as the Node bin; serves with Deno.serve.
import process from 'node:process'
import { createMockApp } from './app.ts'
import { parseCli, startupLines, USAGE } from './cli.ts'
import { MockConfigError } from './errors.ts'
import { assertBindAllowed, urlHost } from './http.ts'
import type { RuntimeAdapter } from './options.ts'

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
  dropUnsupported:
    'Deno.serve offers a handler no way to close its connection (a failing body still sends the status line and headers first)',
}

async function main(): Promise<void> {
  const command = await parseCli(process.argv.slice(2), process.env)
  if (command.help) {
    process.stdout.write(USAGE)
    return
  }
  const { host = '127.0.0.1', port = 8080, ...options } = command.options
  assertBindAllowed(host, options.adminToken)
  const app = createMockApp({ runtime: denoRuntime, ...options })
  let listening: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    listening = resolve
  })
  // onListen may run before Deno.serve returns.
  const server = Deno.serve(
    {
      hostname: host,
      port,
      onListen: ({ port: actual }) => {
        const url = `http://${urlHost(host)}:${actual}`
        process.stdout.write(`${startupLines({ url, app }, command.options).join('\n')}\n`)
        listening()
      },
    },
    (request) => app.fetch(request),
  )
  await ready
  const stop = async (signal: string) => {
    process.stdout.write(`sms-mock: ${signal}, stopping\n`)
    app.mock.dispose()
    await server.shutdown()
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
