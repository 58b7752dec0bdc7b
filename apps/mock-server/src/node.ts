#!/usr/bin/env node
// The `sms-mock` command: parses flags, starts the Node server, prints where it listens and
// stops cleanly on SIGINT/SIGTERM.
import { configErrorLine, isConfigError } from '@sms-command/cli-kit'
import { parseCli, startupLines, USAGE } from './cli.ts'
import { MockConfigError } from './errors.ts'
import { startNodeServer } from './node-server.ts'

async function main(): Promise<void> {
  const command = await parseCli(process.argv.slice(2), process.env)
  if (command.help) {
    process.stdout.write(command.version !== undefined ? `sms-mock ${command.version}\n` : USAGE)
    return
  }
  if (command.printed) {
    process.stdout.write(`${JSON.stringify(command.printed, null, 2)}\n`)
    return
  }
  const running = await startNodeServer(command.options)
  process.stdout.write(`${startupLines(running, command.options).join('\n')}\n`)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    process.stdout.write(`sms-mock: ${signal}, stopping\n`)
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  if (isConfigError(error)) {
    process.stderr.write(configErrorLine('sms-mock', error))
    process.exit(error.exitCode)
  }
  const message =
    error instanceof MockConfigError
      ? error.message
      : error instanceof Error && 'code' in error && error.code === 'EADDRINUSE'
        ? `the port is in use (${error.message})`
        : error instanceof Error
          ? error.message
          : String(error)
  process.stderr.write(`sms-mock: ${message}\n`)
  if (error instanceof MockConfigError)
    process.stderr.write('Run sms-mock --help for the options.\n')
  process.exit(2)
})
