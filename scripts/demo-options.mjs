// The options of `pnpm demo` (scripts/demo.mjs): a cli-kit table like every other CLI of the repo,
// so the demo answers an unknown flag, a repeated flag or a bad value as they do (exit 2, one
// line naming the flag). Plain JS run by node: it imports cli-kit's built dist.
import { readFileSync } from 'node:fs'
import {
  boolean,
  configErrorLine,
  duration,
  exitCodesHelp,
  helpText,
  isConfigError,
  optional,
  parseCommandLine,
  printableConfig,
  processIo,
  runCli,
} from '../packages/cli-kit/dist/index.js'

/** Every option of the demo, in `--help` order. */
export const DEMO_OPTIONS = {
  duration: {
    flag: '--duration',
    schema: optional(duration({ min: 1_000, max: 3_600_000 })),
    as: 'durationMs',
    help: 'stop after this long (1s–1h); with a terminal, the UI closes itself',
  },
  json: {
    flag: '--json',
    schema: boolean(),
    default: false,
    help: 'headless: no UI, print one JSON summary line (default duration 20s)',
  },
}

/** The demo's command line. */
export const DEMO_COMMAND_LINE = { program: 'demo', options: DEMO_OPTIONS, version: true }

/** The prose of `pnpm demo --help`. */
const DEMO_HELP = {
  intro: [
    'Usage: pnpm demo [--duration 20s] [--json]',
    '',
    'The whole system on one machine: the mock SMS, real agents and the watch UI.',
    'With no options the live watch UI opens; q quits and stops everything.',
  ],
}

/** The demo's exit codes (cli-kit's shared ones, reworded, and 130 for a stop by a signal). */
const DEMO_EXIT_CODES = {
  0: 'the run worked and everything was cleaned up',
  1: 'the run failed, or a process or port was left behind',
  130: 'stopped by SIGINT, SIGTERM or SIGHUP, after cleaning up (a second one exits at once)',
}

const DEMO_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** `pnpm demo --help`. */
export function demoHelp() {
  return helpText(DEMO_COMMAND_LINE, {
    ...DEMO_HELP,
    outro: exitCodesHelp(DEMO_EXIT_CODES, DEMO_SIGNALS),
  })
}

/** The versions of the CLIs the demo runs: what `pnpm demo --version` prints. */
function demoVersion() {
  const version = (app) =>
    JSON.parse(readFileSync(new URL(`../apps/${app}/package.json`, import.meta.url), 'utf8'))
      .version
  return `(sms-agent ${version('agent')}, sms-watch ${version('watch')}, sms-mock ${version('mock-server')})`
}

/**
 * Runs the demo under cli-kit's runner, as every CLI of the repo: `run(values, { signal })`
 * does the work (the signal aborts on the first SIGINT/SIGTERM/SIGHUP) and resolves the exit code.
 * A `--` that pnpm passes through is skipped.
 */
export function runDemoCli(run) {
  const io = processIo()
  return runCli(
    {
      command: DEMO_COMMAND_LINE,
      version: demoVersion,
      help: DEMO_HELP,
      exitCodes: DEMO_EXIT_CODES,
      signals: DEMO_SIGNALS,
      run,
    },
    { ...io, args: io.args.filter((arg) => arg !== '--') },
  )
}

/**
 * Parses the demo's arguments (a `--` that pnpm passes through is skipped). Resolves
 * `{ action: 'help' }`, `{ action: 'print-config', printed }` or `{ action: 'run', durationMs, json }`;
 * rejects with cli-kit's ConfigError.
 */
export async function parseDemoOptions(argv, env = {}) {
  const parsed = await parseCommandLine(DEMO_COMMAND_LINE, {
    args: argv.filter((arg) => arg !== '--'),
    env,
  })
  if (parsed.action === 'help' || parsed.action === 'version') return { action: 'help' }
  if (parsed.action === 'print-config') {
    return { action: 'print-config', printed: printableConfig(DEMO_COMMAND_LINE, parsed) }
  }
  return { action: 'run', ...parsed.values }
}

export { configErrorLine, isConfigError }
