import {
  type CliDefinition,
  type CliIo,
  exitProcess,
  packageVersion,
  runCli,
  terminalColumns,
} from '@sms-command/cli-kit'
import {
  COMMAND_LINE,
  type OPTIONS,
  resolveWatchConfig,
  WATCH_EXIT_CODES,
  WATCH_HELP,
  WATCH_SIGNALS,
  type WatchConfig,
} from './config.ts'
import { runWatch, type WatchIo } from './run.ts'

/** The version in package.json (read at run time: `src` and `dist` are both one level down). */
export function version(): string {
  return packageVersion(new URL('../package.json', import.meta.url))
}

/**
 * `sms-watch` as a cli-kit CLI: its table, help and exit codes, and {@link runWatch} as its work.
 * `--help`, `--version`, `--print-config`, the error line and the signals (SIGINT, SIGTERM and
 * SIGHUP quit; a second one forces the exit) come from cli-kit's `runCli`.
 *
 * @example
 * await runCli(watchCli({ stdout: process.stdout, stdin: process.stdin, stderr: process.stderr }))
 */
export function watchCli(
  io: WatchIo & { env?: Readonly<Record<string, string | undefined>> },
): CliDefinition<typeof OPTIONS, WatchConfig> {
  const env = io.env ?? process.env
  return {
    command: COMMAND_LINE,
    version: version(),
    help: WATCH_HELP,
    exitCodes: WATCH_EXIT_CODES,
    signals: WATCH_SIGNALS,
    settings: (parsed) => resolveWatchConfig(parsed, { env }),
    run: (config, { signal }) => runWatch(config, { ...io, env, signal }),
  }
}

/**
 * `sms-watch` as a function: parses the command line, runs the watch, returns the exit code
 * (0 done, 2 bad options, 1 unexpected failure). Never throws. With the process's own streams
 * (the default) it ends the process with that code; with injected ones (tests) it only returns.
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
  const injected = io.onSignal
  const cliIo: CliIo = {
    args: argv,
    env: (name) => env[name],
    cwd: process.cwd(),
    stdout: (text) => void io.stdout.write(text),
    stderr: (text) => void io.stderr.write(text),
    onSignal: injected
      ? (_signal, handler) => injected(handler)
      : (signal, handler) => {
          process.on(signal, handler)
          return () => void process.off(signal, handler)
        },
    columns: terminalColumns(io.stdout),
    // The process's own streams: the process ends with the code (a second signal at once).
    ...(io.stdout === process.stdout ? { exit: exitProcess } : {}),
  }
  const { onSignal: _unused, ...watchIo } = io
  return runCli(watchCli({ ...watchIo, env }), cliIo)
}
