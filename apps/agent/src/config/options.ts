import {
  AUTH_SECRET_FLAGS,
  AUTH_SETTINGS,
  boolean,
  type CommandLineSpec,
  duration,
  exitCodesHelp,
  helpText as generateHelp,
  type HelpText,
  httpUrl,
  inGroup,
  integer,
  type OptionRow,
  type OptionTable,
  oneOf,
  path,
  requestTimeoutSetting,
  text,
} from '@sms-command/cli-kit'
import { ServerIdSchema } from '@sms-command/core'
import { MAX_OUTPUT_TAIL, REPORT_BODY_LIMIT } from '@sms-command/core/delivery'
import * as v from 'valibot'
import { EXIT_STORAGE_UNAVAILABLE } from '../durable/storage-failure.ts'

/** One setting of the agent (cli-kit's option row). */
export type OptionSpec = OptionRow

const handlerRow = (flag: `--${string}`, env: string, help: string) =>
  ({ flag, env, schema: v.optional(path()), group: 'Commands', help }) as const

/**
 * Every setting of the agent, in `--help` order: its flag, variable, config file key (the row's
 * key), schema, default and help. Parsing, validation, `--help`, `--print-config` and the type of
 * `AgentConfig` all come from this table; a new setting is one new row.
 */
export const OPTIONS = {
  endpoint: {
    flag: '--endpoint',
    env: 'SMS_ENDPOINT',
    schema: httpUrl({
      expected: 'expected a URL such as https://sms.ap-southeast-1.myhuaweicloud.com (required)',
    }),
    group: 'Connection',
    help: 'SMS base URL, e.g. https://sms.ap-southeast-1.myhuaweicloud.com (required)',
  },
  serverId: {
    flag: '--server-id',
    env: 'SMS_SERVER_ID',
    schema: v.pipe(v.string('expected the server id (required)'), v.trim(), ServerIdSchema),
    meta: 'ID',
    group: 'Connection',
    help: 'id of this source server in SMS (required)',
  },
  // One row with the watch's (cli-kit): SMS_REQUEST_TIMEOUT accepts the same values in both.
  requestTimeout: requestTimeoutSetting({ default: '30s', group: 'Connection' }),
  ...inGroup('Authentication (exactly one method)', AUTH_SETTINGS),
  handler: handlerRow(
    '--handler',
    'SMS_HANDLER',
    'executable run for every known command: argv [PATH, COMMAND]',
  ),
  onStart: handlerRow(
    '--on-start',
    'SMS_ON_START',
    'executable run for START (overrides --handler)',
  ),
  onStop: handlerRow('--on-stop', 'SMS_ON_STOP', 'executable run for STOP'),
  onDelete: handlerRow('--on-delete', 'SMS_ON_DELETE', 'executable run for DELETE'),
  onSync: handlerRow('--on-sync', 'SMS_ON_SYNC', 'executable run for SYNC'),
  handlerTimeout: {
    flag: '--handler-timeout',
    env: 'SMS_HANDLER_TIMEOUT',
    schema: duration({ min: 1 }),
    default: '1h',
    as: 'handlerTimeoutMs',
    group: 'Commands',
    help: 'a handler running longer is sent SIGTERM, then SIGKILL after --kill-grace',
  },
  handlerStartTimeout: {
    flag: '--handler-start-timeout',
    env: 'SMS_HANDLER_START_TIMEOUT',
    schema: duration(),
    default: '5m',
    as: 'handlerStartTimeoutMs',
    group: 'Commands',
    help: 'a handler that cannot be started (being written: ETXTBSY, CRLF line endings, not executable, missing) is tried again with backoff this long before its command is reported fail; 0 tries once',
  },
  killGrace: {
    flag: '--kill-grace',
    env: 'SMS_KILL_GRACE',
    schema: duration(),
    default: '10s',
    as: 'killGraceMs',
    group: 'Commands',
    help: 'time between SIGTERM and SIGKILL to a handler process group',
  },
  outputTail: {
    flag: '--output-tail',
    env: 'SMS_OUTPUT_TAIL',
    schema: integer({
      min: 0,
      max: MAX_OUTPUT_TAIL,
      meta: 'BYTES',
      expected: `expected 0 to ${MAX_OUTPUT_TAIL} bytes: a larger tail can never fit in a result report (SMS takes at most ${REPORT_BODY_LIMIT} bytes of JSON)`,
    }),
    default: '4096',
    as: 'outputTailBytes',
    group: 'Commands',
    help: 'last bytes of handler output kept in result_detail (0–8192; a report is cut further to fit 10,240 bytes of JSON)',
  },
  interrupted: {
    flag: '--interrupted',
    env: 'SMS_INTERRUPTED',
    schema: oneOf(['fail', 'rerun']),
    default: 'fail',
    group: 'Commands',
    help: 'a command cut short by a crash: report fail (reason interrupted) or run it once more',
  },
  reportRefusals: {
    flag: '--report-refusals',
    env: 'SMS_REPORT_REFUSALS',
    schema: integer({ min: 1, max: 100, meta: 'N', expected: 'expected 1 to 100 attempts' }),
    default: '3',
    as: 'reportRefusalLimit',
    group: 'Commands',
    help: 'a result SMS refuses this many times with a 4xx that re-sending cannot change (not a refreshable 401, not 429) is settled rejected, and the agent goes on',
  },
  interval: {
    flag: '--interval',
    env: 'SMS_INTERVAL',
    schema: duration(),
    default: '10s',
    as: 'intervalMs',
    group: 'Polling',
    help: 'pause between polls',
  },
  firstPollJitter: {
    flag: '--first-poll-jitter',
    env: 'SMS_FIRST_POLL_JITTER',
    schema: v.optional(duration()),
    as: 'firstPollJitterMs',
    group: 'Polling',
    help: 'the first poll waits a random delay below this (default: one interval)',
  },
  backoffBase: {
    flag: '--backoff-base',
    env: 'SMS_BACKOFF_BASE',
    schema: duration({ min: 1 }),
    default: '1s',
    as: 'backoffBaseMs',
    group: 'Polling',
    help: 'backoff cap after the first error (doubles per error, full jitter)',
  },
  backoffMax: {
    flag: '--backoff-max',
    env: 'SMS_BACKOFF_MAX',
    schema: duration({ min: 1 }),
    default: '5m',
    as: 'backoffMaxMs',
    group: 'Polling',
    help: 'no backoff exceeds this (not shorter than --backoff-base)',
  },
  slowRetry: {
    flag: '--slow-retry',
    env: 'SMS_SLOW_RETRY',
    schema: duration(),
    default: '1m',
    as: 'slowRetryMs',
    group: 'Polling',
    help: 'at least this long after 400/401/403/404 (unregistered server, no permission)',
  },
  stateDir: {
    flag: '--state-dir',
    env: 'SMS_STATE_DIR',
    schema: v.optional(path({ meta: 'DIR' })),
    group: 'State',
    help: 'journal and outbox directory, locked by one agent (required unless --dry-run)',
  },
  shutdownGrace: {
    flag: '--shutdown-grace',
    env: 'SMS_SHUTDOWN_GRACE',
    schema: duration(),
    default: '30s',
    as: 'shutdownGraceMs',
    group: 'State',
    help: 'on SIGINT/SIGTERM a running handler gets this long before it is terminated',
  },
  adoptState: {
    flag: '--adopt-state',
    env: 'SMS_ADOPT_STATE',
    schema: boolean(),
    default: false,
    group: 'State',
    help: 'take over a state directory written on another machine (same machine renamed or reinstalled; never a clone: give a clone a fresh --state-dir)',
  },
  once: {
    flag: '--once',
    env: 'SMS_ONCE',
    schema: boolean(),
    default: false,
    group: 'Run mode',
    help: 'poll once, handle what came, report, exit',
  },
  dryRun: {
    flag: '--dry-run',
    env: 'SMS_DRY_RUN',
    schema: boolean(),
    default: false,
    group: 'Run mode',
    help: 'log commands; run nothing, report nothing, write no state',
  },
  statusPort: {
    flag: '--status-port',
    env: 'SMS_STATUS_PORT',
    schema: v.optional(
      integer({ min: 0, max: 65_535, meta: 'PORT', expected: 'expected a port from 0 to 65535' }),
    ),
    group: 'Observability',
    help: 'serve /healthz, /metrics and /events on this port (0 picks one)',
  },
  statusHost: {
    flag: '--status-host',
    env: 'SMS_STATUS_HOST',
    schema: text({ meta: 'HOST' }),
    default: '127.0.0.1',
    group: 'Observability',
    help: 'address the status server listens on',
  },
  logFormat: {
    flag: '--log-format',
    env: 'SMS_LOG_FORMAT',
    schema: oneOf(['json', 'text']),
    default: 'json',
    group: 'Observability',
    help: 'json (NDJSON, one event a line) or text',
  },
  logLevel: {
    flag: '--log-level',
    env: 'SMS_LOG_LEVEL',
    schema: oneOf(['debug', 'info', 'warn', 'error']),
    default: 'info',
    group: 'Observability',
    help: 'least severe level logged (every event still reaches /events)',
  },
} as const satisfies OptionTable

/** The agent's command line: its table, `--config`/`SMS_CONFIG`, `--version`, refused flags. */
export const COMMAND_LINE: CommandLineSpec<typeof OPTIONS> = {
  program: 'sms-agent',
  options: OPTIONS,
  refusedFlags: AUTH_SECRET_FLAGS,
  version: true,
  configFile: { flag: '--config', env: 'SMS_CONFIG' },
}

/** Names of the settings. */
export type OptionKey = keyof typeof OPTIONS

/** The prose of `sms-agent --help` around the generated option list. */
export const AGENT_HELP = {
  intro: [
    'Usage: sms-agent [options]',
    '',
    // One paragraph, one string: the help wraps each line to the terminal's width.
    'Polls Huawei Cloud SMS for commands of one source server, runs each exactly once through a handler executable and reports its result.',
  ],
} as const satisfies HelpText

/** The agent's exit codes besides cli-kit's shared ones (0, 1, 2 and 128 + n), for `--help`. */
export const AGENT_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'done or stopped cleanly',
  1: 'internal error',
  2: 'bad configuration (nothing was sent)',
  3: 'state directory locked, corrupt or foreign (permanent: the log says what to do)',
  4: '--once: SMS could not be polled',
  5: '--once: a result is still waiting in the outbox',
  [EXIT_STORAGE_UNAVAILABLE]:
    'state directory not writable for now (full disk, quota, read-only or I/O error): start again later (the systemd unit does)',
}

/**
 * The `--help` text, generated from {@link OPTIONS} (what `sms-agent --help` prints). It names
 * secrets' variables, never values.
 *
 * @example
 * platform.stdout(helpText('sms-agent'))
 */
export function helpText(program: string, layout: { columns?: number } = {}): string {
  return generateHelp(
    { ...COMMAND_LINE, program },
    {
      intro: AGENT_HELP.intro.map((line) => line.replace('sms-agent', program)),
      outro: exitCodesHelp(AGENT_EXIT_CODES),
    },
    layout,
  )
}
