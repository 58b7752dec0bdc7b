/**
 * The one `main` of every sms-command CLI (citty's `runMain` is the model): a CLI is its option
 * table plus a function; `--help`, `--version`, `--print-config`, the error line, the exit codes
 * and the signals come from here, so every CLI answers them the same way.
 *
 * @module
 */
import process from 'node:process'
import {
  type CommandLineSpec,
  errorText,
  type OptionTable,
  type OptionValues,
  type ParsedSettings,
  parseCommandLine,
} from './command-line.ts'
import { configErrorLine, isConfigError } from './config-error.ts'
import { type HelpText, helpText, printableConfig, terminalColumns } from './help.ts'

/** The signals a CLI stops on. */
export type CliSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP'

/** How long the forced-exit hooks may take before a second signal ends the process anyway. */
const FORCED_EXIT_HOOKS_MS = 2_000

const SIGNAL_NUMBERS: Readonly<Record<CliSignal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }

/**
 * The exit codes every CLI shares. A CLI adds its own from 3 up (the agent's 3 state, 4 and 5
 * for `--once`); a second signal exits 128 + its number ({@link signalExitCode}).
 *
 * @example
 * if (failed) return CLI_EXIT.failure
 */
export const CLI_EXIT = {
  /** Done, or stopped cleanly by a first signal. */
  ok: 0,
  /** An unexpected failure (a bug, or a failure the CLI doesn't describe). */
  failure: 1,
  /** Bad configuration: a flag, variable or config file value; nothing was done yet. */
  config: 2,
} as const

/**
 * The exit code of a process ended by `signal`, as shells report it: 128 + the signal's number
 * (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
 *
 * @example
 * signalExitCode('SIGTERM') // 143
 */
export function signalExitCode(signal: CliSignal): number {
  return 128 + SIGNAL_NUMBERS[signal]
}

/** What a CLI runs with: its arguments, environment and output, and the process's signals and exit. */
export interface CliIo {
  args: readonly string[]
  env: (name: string) => string | undefined
  /** Relative paths of flags and variables are resolved against it. */
  cwd: string
  stdout(text: string): void
  stderr(text: string): void
  /** Registers `handler` for `signal`; returns its removal. */
  onSignal(signal: CliSignal, handler: () => void): () => void
  /**
   * Ends the process. Called with the final code once the CLI's function is done, and with
   * 128 + n on a second signal. Absent (tests, embedding): {@link runCli} only resolves the code,
   * and a second signal runs the forced-exit hooks without ending anything.
   */
  exit?: (code: number) => void
  /** The width `--help` wraps to (default: {@link terminalColumns}). */
  columns?: number
  /** Reads the config file (default: `node:fs/promises`). */
  readTextFile?: (path: string) => Promise<string>
}

/** What a CLI's function gets besides its settings. */
export interface CliContext<T extends OptionTable> {
  /** Aborted, with the signal's name as its reason, by the first SIGINT/SIGTERM (…): stop cleanly. */
  signal: AbortSignal
  io: CliIo
  /** The parsed command line (values, sources, `label`, `fail`). */
  parsed: ParsedSettings<T>
  /**
   * Runs `hook` when a second signal forces the exit, before the process ends (the agent kills
   * its handler's process group there, so it doesn't run unsupervised).
   */
  onForcedExit(hook: (signal: CliSignal) => void | Promise<void>): void
}

/** How a CLI describes an error of its own (a port in use, say): the line and the exit code. */
export interface CliErrorDescription {
  message: string
  exitCode: number
}

/**
 * A CLI: its command line, version, help prose and exit codes, how its settings are resolved,
 * and the function that does the work.
 */
export interface CliDefinition<T extends OptionTable, S = OptionValues<T>> {
  /** The table, the program's name (used in every line), the built-ins it has. */
  command: CommandLineSpec<T>
  /** `0.1.0` (or `0.1.0 (node v24.1.0)`): `--version` prints `PROGRAM VERSION`. */
  version: string | (() => string)
  /** The prose around the generated option list (the exit codes are appended). */
  help: HelpText
  /**
   * The CLI's own exit codes and what they mean, listed in `--help` beside the shared ones;
   * a code given here also rewords a shared one (`0: 'done (q, Ctrl-C or --duration)'`).
   */
  exitCodes?: Readonly<Record<number, string>>
  /** The signals that stop it (default SIGINT and SIGTERM). */
  signals?: readonly CliSignal[]
  /**
   * Turns the parsed settings into what `run` takes (checks that span settings, files to read);
   * throws a `ConfigError` for a mistake. Default: the parsed values.
   */
  settings?: (parsed: ParsedSettings<T>, io: CliIo) => S | Promise<S>
  /** What `--print-config` prints (default: cli-kit's {@link printableConfig} of the table). */
  printConfig?: (settings: S, parsed: ParsedSettings<T>) => unknown
  /** The work. Resolves with the exit code (default 0). */
  run: (settings: S, context: CliContext<T>) => Promise<number | undefined> | number | undefined
  /** The line and exit code of an error the CLI knows (undefined: an unexpected failure, 1). */
  describeError?: (error: unknown) => CliErrorDescription | undefined
}

const SHARED_EXIT_CODES = (signals: readonly CliSignal[]): Record<number, string> => ({
  [CLI_EXIT.ok]: 'done, or stopped cleanly by a signal',
  [CLI_EXIT.failure]: 'unexpected failure',
  [CLI_EXIT.config]: 'bad configuration (nothing was done)',
  ...Object.fromEntries(signals.map((signal) => [signalExitCode(signal), `a second ${signal}`])),
})

/**
 * The "Exit codes:" paragraph of a CLI's `--help`: the shared codes, with the CLI's own added
 * (or rewording a shared one), in numeric order.
 *
 * @example
 * exitCodesHelp({ 3: 'state directory locked' }) // ['Exit codes: 0 done, …; 3 state directory locked; …']
 */
export function exitCodesHelp(
  own: Readonly<Record<number, string>> = {},
  signals: readonly CliSignal[] = ['SIGINT', 'SIGTERM'],
): string[] {
  const codes = { ...SHARED_EXIT_CODES(signals), ...own }
  const listed = Object.entries(codes)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, meaning]) => `${code} ${meaning}`)
  return [`Exit codes: ${listed.join('; ')}.`]
}

/**
 * The `--help` text of a CLI definition, wrapped to `columns`.
 *
 * @example
 * process.stdout.write(cliHelp(SMS_WATCH, { columns: 100 }))
 */
export function cliHelp<T extends OptionTable, S>(
  cli: CliDefinition<T, S>,
  layout: { columns?: number } = {},
): string {
  const signals = cli.signals ?? ['SIGINT', 'SIGTERM']
  return helpText(
    cli.command,
    {
      intro: cli.help.intro,
      outro: [
        ...(cli.help.outro?.length ? [...cli.help.outro, ''] : []),
        ...exitCodesHelp(cli.exitCodes, signals),
      ],
    },
    layout,
  )
}

/**
 * The process's own arguments, environment, output, signals and exit, on Node, Bun and Deno
 * (through their `node:process`). The exit waits for stdout and stderr to drain, so a piped
 * `--print-config` is never cut short.
 *
 * @example
 * await runCli(SMS_WATCH, processIo())
 */
export function processIo(): CliIo {
  return {
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    cwd: process.cwd(),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    onSignal(signal, handler) {
      process.on(signal, handler)
      return () => void process.off(signal, handler)
    },
    exit: exitProcess,
    columns: terminalColumns(process.stdout),
  }
}

/**
 * `process.exit(code)` once stdout and stderr have taken what was written (at most a second
 * later: a closed pipe must not keep the process alive). The `exit` of {@link processIo}.
 *
 * @example
 * runCli(cli, { ...processIo(), args }).then(() => {}) // exits through exitProcess
 */
export function exitProcess(code: number): void {
  process.exitCode = code
  let pending = 2
  const done = () => {
    if (--pending === 0) process.exit(code)
  }
  // An empty write calls back once everything before it is handed to the OS.
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writable) stream.write('', done)
    else done()
  }
  // A stream that never calls back (a closed pipe) must not keep the process alive.
  setTimeout(() => process.exit(code), 1_000).unref?.()
}

/**
 * Runs a CLI: parses its command line, answers `--help` (wrapped to the terminal), `--version`
 * and `--print-config` (exit 0), prints the one error line of a bad setting (exit 2: the same
 * `PROGRAM: MESSAGE` line in every CLI, see `configErrorLine`), runs its
 * function with an `AbortSignal` the first SIGINT/SIGTERM aborts, and exits 128 + n on a second
 * signal. Resolves with the exit code, after calling `io.exit` with it when there is one.
 * Never rejects: an unexpected error is a `PROGRAM: internal error: …` line and exit 1.
 *
 * @example
 * // bin.ts
 * await runCli({
 *   command: { program: 'my-tool', options: OPTIONS, version: true },
 *   version: '1.0.0',
 *   help: { intro: ['Usage: my-tool [options]'] },
 *   run: async (values, { signal }) => { await work(values, signal); return 0 },
 * })
 */
export async function runCli<T extends OptionTable, S = OptionValues<T>>(
  cli: CliDefinition<T, S>,
  io: CliIo = processIo(),
): Promise<number> {
  const code = await runToCode(cli, io)
  io.exit?.(code)
  return code
}

async function runToCode<T extends OptionTable, S>(
  cli: CliDefinition<T, S>,
  io: CliIo,
): Promise<number> {
  const program = cli.command.program
  const removals: (() => void)[] = []
  try {
    const parsed = await parseCommandLine(cli.command, {
      args: io.args,
      env: io.env,
      cwd: io.cwd,
      ...(io.readTextFile ? { readTextFile: io.readTextFile } : {}),
    })
    if (parsed.action === 'help') {
      io.stdout(cliHelp(cli, io.columns === undefined ? {} : { columns: io.columns }))
      return CLI_EXIT.ok
    }
    if (parsed.action === 'version') {
      const version = typeof cli.version === 'function' ? cli.version() : cli.version
      io.stdout(`${program} ${version}\n`)
      return CLI_EXIT.ok
    }
    const settings = cli.settings ? await cli.settings(parsed, io) : (parsed.values as unknown as S)
    if (parsed.action === 'print-config') {
      const printed = cli.printConfig
        ? cli.printConfig(settings, parsed)
        : printableConfig(cli.command, parsed)
      io.stdout(`${JSON.stringify(printed, null, 2)}\n`)
      return CLI_EXIT.ok
    }

    const controller = new AbortController()
    const forcedExitHooks: ((signal: CliSignal) => void | Promise<void>)[] = []
    let received = 0
    for (const signal of cli.signals ?? (['SIGINT', 'SIGTERM'] as const)) {
      removals.push(
        io.onSignal(signal, () => {
          received++
          if (received === 1) {
            controller.abort(signal)
            return
          }
          // The second signal insists: the hooks get a moment (never more), then the process ends.
          let timer: ReturnType<typeof setTimeout> | undefined
          const bounded = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, FORCED_EXIT_HOOKS_MS)
          })
          void Promise.race([
            Promise.allSettled(forcedExitHooks.map(async (hook) => hook(signal))),
            bounded,
          ]).then(() => {
            clearTimeout(timer)
            io.exit?.(signalExitCode(signal))
          })
        }),
      )
    }
    // Signal listeners hold no process open: work that only waits for a signal must not end early.
    const keepAlive = setInterval(() => {}, 2 ** 30)
    removals.push(() => clearInterval(keepAlive))
    const code = await cli.run(settings, {
      signal: controller.signal,
      io,
      parsed,
      onForcedExit: (hook) => void forcedExitHooks.push(hook),
    })
    return code ?? CLI_EXIT.ok
  } catch (error) {
    return reportError(cli, io, error)
  } finally {
    for (const remove of removals) remove()
  }
}

function reportError<T extends OptionTable, S>(
  cli: CliDefinition<T, S>,
  io: CliIo,
  error: unknown,
): number {
  const program = cli.command.program
  // A setting found unusable after parsing (a proxy variable, say) is still the user's to fix.
  if (isConfigError(error)) {
    io.stderr(configErrorLine(program, error))
    return error.exitCode
  }
  let described: CliErrorDescription | undefined
  try {
    described = cli.describeError?.(error)
  } catch {
    described = undefined
  }
  if (described) {
    io.stderr(`${program}: ${oneLine(described.message)}\n`)
    return described.exitCode
  }
  const message = error instanceof Error ? `${error.name}: ${errorText(error)}` : String(error)
  io.stderr(`${program}: internal error: ${oneLine(message)}\n`)
  return CLI_EXIT.failure
}

function oneLine(text: string): string {
  return text.replaceAll(/\r?\n/g, ' ')
}
