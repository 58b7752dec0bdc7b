// The options of `pnpm demo` (scripts/demo.mjs): a cli-kit table like every other CLI of the repo,
// so the demo answers an unknown flag, a repeated flag or a bad value as they do (exit 2, one
// line naming the flag). Plain JS run by node: it imports cli-kit's built dist.
import {
  boolean,
  configErrorLine,
  duration,
  helpText,
  isConfigError,
  optional,
  parseCommandLine,
  printableConfig,
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
export const DEMO_COMMAND_LINE = { program: 'demo', options: DEMO_OPTIONS }

/** `pnpm demo --help`. */
export function demoHelp() {
  return helpText(DEMO_COMMAND_LINE, {
    intro: [
      'Usage: pnpm demo [--duration 20s] [--json]',
      '',
      'The whole system on one machine: the mock SMS, real agents and the watch UI.',
      'With no options the live watch UI opens; q quits and stops everything.',
    ],
    outro: [
      'Exit code: 0 when the run worked and everything was cleaned up, 1 otherwise, 2 for bad options.',
    ],
  })
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
