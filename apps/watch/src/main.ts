import { configErrorLine, isConfigError, packageVersion } from '@sms-command/cli-kit'
import { ConfigError, helpText, parseCommandLine } from './config.ts'
import { runWatch, type WatchIo } from './run.ts'

/** The version in package.json (read at run time: `src` and `dist` are both one level down). */
export function version(): string {
  return packageVersion(new URL('../package.json', import.meta.url))
}

/**
 * `sms-watch` as a function: parses the command line, runs the watch, returns the exit code
 * (0 done, 2 bad options, 1 unexpected failure). Never throws.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2))
 */
export async function main(
  argv: readonly string[],
  io: WatchIo & { env?: Readonly<Record<string, string | undefined>> } = {
    stdout: process.stdout,
    stdin: process.stdin,
    stderr: process.stderr,
  },
): Promise<number> {
  const env = io.env ?? process.env
  let parsed: Awaited<ReturnType<typeof parseCommandLine>>
  try {
    parsed = await parseCommandLine({ argv, env })
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(configErrorLine('sms-watch', error))
      return 2
    }
    io.stderr.write(`sms-watch: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
  if (parsed.action === 'help') {
    io.stdout.write(helpText())
    return 0
  }
  if (parsed.action === 'print-config') {
    io.stdout.write(`${JSON.stringify(parsed.printed, null, 2)}\n`)
    return 0
  }
  if (parsed.action === 'version') {
    io.stdout.write(`sms-watch ${version()}\n`)
    return 0
  }
  try {
    return await runWatch(parsed.config, io)
  } catch (error) {
    // Settings read at start (the proxy variables) are the user's to fix, like any flag.
    if (isConfigError(error)) {
      io.stderr.write(configErrorLine('sms-watch', error))
      return error.exitCode
    }
    io.stderr.write(
      `sms-watch: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    return 1
  }
}
