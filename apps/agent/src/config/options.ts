import { AUTH_SECRET_FLAGS, AUTH_SETTINGS, type AuthSettingSpec } from '@sms-command/core'

/** How a setting's text is read. */
export type OptionKind =
  | 'string'
  | 'secret'
  | 'url'
  | 'duration'
  | 'path'
  | 'boolean'
  | 'port'
  | 'enum'
  | 'bytes'
  | 'count'

/** One setting of the agent: where it can come from and what it means. */
export interface OptionSpec {
  /** Name in the JSON config file and in the resolved config. */
  readonly key: string
  /** Long flag; absent for secrets, which argv would show to every user of the machine. */
  readonly flag?: string
  readonly env?: string
  readonly kind: OptionKind
  readonly values?: readonly string[]
  /** Written as a user would write it (`10s`), or a boolean. */
  readonly default?: string | boolean
  /** Placeholder shown in `--help`. */
  readonly meta?: string
  readonly group: string
  readonly help: string
}

/** A credential setting of core's shared table, as an agent option. */
function authOption(setting: AuthSettingSpec, group: string): OptionSpec {
  return {
    key: setting.key,
    ...(setting.flag ? { flag: setting.flag } : {}),
    env: setting.env,
    kind: setting.secret ? 'secret' : setting.value === 'text' ? 'string' : setting.value,
    ...(setting.meta ? { meta: setting.meta } : {}),
    ...(setting.default ? { default: setting.default } : {}),
    group,
    help: setting.help,
  }
}

/**
 * Every setting of the agent, in `--help` order. Flags, environment variables and config file keys
 * are all derived from this table, so the three can't drift apart.
 */
export const OPTIONS = [
  {
    key: 'endpoint',
    flag: '--endpoint',
    env: 'SMS_ENDPOINT',
    kind: 'url',
    meta: 'URL',
    group: 'Connection',
    help: 'SMS base URL, e.g. https://sms.ap-southeast-1.myhuaweicloud.com (required)',
  },
  {
    key: 'serverId',
    flag: '--server-id',
    env: 'SMS_SERVER_ID',
    kind: 'string',
    meta: 'ID',
    group: 'Connection',
    help: 'id of this source server in SMS (required)',
  },
  {
    key: 'requestTimeout',
    flag: '--request-timeout',
    env: 'SMS_REQUEST_TIMEOUT',
    kind: 'duration',
    default: '30s',
    group: 'Connection',
    help: 'deadline of one HTTP request, body included',
  },
  ...AUTH_SETTINGS.map((setting) => authOption(setting, 'Authentication (exactly one method)')),
  {
    key: 'handler',
    flag: '--handler',
    env: 'SMS_HANDLER',
    kind: 'path',
    meta: 'PATH',
    group: 'Commands',
    help: 'executable run for every known command: argv [PATH, COMMAND]',
  },
  {
    key: 'onStart',
    flag: '--on-start',
    env: 'SMS_ON_START',
    kind: 'path',
    meta: 'PATH',
    group: 'Commands',
    help: 'executable run for START (overrides --handler)',
  },
  {
    key: 'onStop',
    flag: '--on-stop',
    env: 'SMS_ON_STOP',
    kind: 'path',
    meta: 'PATH',
    group: 'Commands',
    help: 'executable run for STOP',
  },
  {
    key: 'onDelete',
    flag: '--on-delete',
    env: 'SMS_ON_DELETE',
    kind: 'path',
    meta: 'PATH',
    group: 'Commands',
    help: 'executable run for DELETE',
  },
  {
    key: 'onSync',
    flag: '--on-sync',
    env: 'SMS_ON_SYNC',
    kind: 'path',
    meta: 'PATH',
    group: 'Commands',
    help: 'executable run for SYNC',
  },
  {
    key: 'handlerTimeout',
    flag: '--handler-timeout',
    env: 'SMS_HANDLER_TIMEOUT',
    kind: 'duration',
    default: '1h',
    group: 'Commands',
    help: 'a handler running longer is sent SIGTERM, then SIGKILL after --kill-grace',
  },
  {
    key: 'killGrace',
    flag: '--kill-grace',
    env: 'SMS_KILL_GRACE',
    kind: 'duration',
    default: '10s',
    group: 'Commands',
    help: 'time between SIGTERM and SIGKILL to a handler process group',
  },
  {
    key: 'outputTail',
    flag: '--output-tail',
    env: 'SMS_OUTPUT_TAIL',
    kind: 'bytes',
    meta: 'BYTES',
    default: '4096',
    group: 'Commands',
    help: 'last bytes of handler output kept in result_detail (0–8192; a report is cut further to fit 10,240 bytes of JSON)',
  },
  {
    key: 'interrupted',
    flag: '--interrupted',
    env: 'SMS_INTERRUPTED',
    kind: 'enum',
    values: ['fail', 'rerun'],
    default: 'fail',
    group: 'Commands',
    help: 'a command cut short by a crash: report fail (reason interrupted) or run it once more',
  },
  {
    key: 'reportRefusals',
    flag: '--report-refusals',
    env: 'SMS_REPORT_REFUSALS',
    kind: 'count',
    meta: 'N',
    default: '3',
    group: 'Commands',
    help: 'a result SMS refuses this many times with a 4xx that re-sending cannot change (not a refreshable 401, not 429) is settled rejected, and the agent goes on',
  },
  {
    key: 'interval',
    flag: '--interval',
    env: 'SMS_INTERVAL',
    kind: 'duration',
    default: '10s',
    group: 'Polling',
    help: 'pause between polls',
  },
  {
    key: 'firstPollJitter',
    flag: '--first-poll-jitter',
    env: 'SMS_FIRST_POLL_JITTER',
    kind: 'duration',
    group: 'Polling',
    help: 'the first poll waits a random delay below this (default: one interval)',
  },
  {
    key: 'backoffBase',
    flag: '--backoff-base',
    env: 'SMS_BACKOFF_BASE',
    kind: 'duration',
    default: '1s',
    group: 'Polling',
    help: 'backoff cap after the first error (doubles per error, full jitter)',
  },
  {
    key: 'backoffMax',
    flag: '--backoff-max',
    env: 'SMS_BACKOFF_MAX',
    kind: 'duration',
    default: '5m',
    group: 'Polling',
    help: 'no backoff exceeds this',
  },
  {
    key: 'slowRetry',
    flag: '--slow-retry',
    env: 'SMS_SLOW_RETRY',
    kind: 'duration',
    default: '1m',
    group: 'Polling',
    help: 'at least this long after 400/401/403/404 (unregistered server, no permission)',
  },
  {
    key: 'stateDir',
    flag: '--state-dir',
    env: 'SMS_STATE_DIR',
    kind: 'path',
    meta: 'DIR',
    group: 'State',
    help: 'journal and outbox directory, locked by one agent (required unless --dry-run)',
  },
  {
    key: 'shutdownGrace',
    flag: '--shutdown-grace',
    env: 'SMS_SHUTDOWN_GRACE',
    kind: 'duration',
    default: '30s',
    group: 'State',
    help: 'on SIGINT/SIGTERM a running handler gets this long before it is terminated',
  },
  {
    key: 'adoptState',
    flag: '--adopt-state',
    env: 'SMS_ADOPT_STATE',
    kind: 'boolean',
    default: false,
    group: 'State',
    help: 'take over a state directory written on another machine (same machine renamed or reinstalled; never a clone: give a clone a fresh --state-dir)',
  },
  {
    key: 'once',
    flag: '--once',
    env: 'SMS_ONCE',
    kind: 'boolean',
    default: false,
    group: 'Run mode',
    help: 'poll once, handle what came, report, exit',
  },
  {
    key: 'dryRun',
    flag: '--dry-run',
    env: 'SMS_DRY_RUN',
    kind: 'boolean',
    default: false,
    group: 'Run mode',
    help: 'log commands; run nothing, report nothing, write no state',
  },
  {
    key: 'statusPort',
    flag: '--status-port',
    env: 'SMS_STATUS_PORT',
    kind: 'port',
    meta: 'PORT',
    group: 'Observability',
    help: 'serve /healthz, /metrics and /events on this port (0 picks one)',
  },
  {
    key: 'statusHost',
    flag: '--status-host',
    env: 'SMS_STATUS_HOST',
    kind: 'string',
    meta: 'HOST',
    default: '127.0.0.1',
    group: 'Observability',
    help: 'address the status server listens on',
  },
  {
    key: 'logFormat',
    flag: '--log-format',
    env: 'SMS_LOG_FORMAT',
    kind: 'enum',
    values: ['json', 'text'],
    default: 'json',
    group: 'Observability',
    help: 'json (NDJSON, one event a line) or text',
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'SMS_LOG_LEVEL',
    kind: 'enum',
    values: ['debug', 'info', 'warn', 'error'],
    default: 'info',
    group: 'Observability',
    help: 'least severe level logged (every event still reaches /events)',
  },
] as const satisfies readonly OptionSpec[]

/** Names of the settings. */
export type OptionKey = (typeof OPTIONS)[number]['key']

/** The spec of each setting by key. */
export const OPTION_BY_KEY: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.map((option) => [option.key, option]),
)

/** Flags refused on purpose, with the safer way to pass the value (core's, shared with sms-watch). */
export const SECRET_FLAGS: Readonly<Record<string, string>> = AUTH_SECRET_FLAGS

/**
 * The `--help` text, generated from {@link OPTIONS}. It names secrets' variables, never values.
 *
 * @example
 * platform.stdout(helpText('sms-agent'))
 */
export function helpText(program: string): string {
  const lines = [
    `Usage: ${program} [options]`,
    '',
    'Polls Huawei Cloud SMS for commands of one source server, runs each exactly once through',
    'a handler executable and reports its result. Settings come from flags, then environment',
    'variables, then the JSON file given by --config (SMS_CONFIG), whose keys are the names in',
    'brackets. Durations are written 500ms, 10s, 5m, 1h.',
    '',
    '  --config PATH        JSON config file (env SMS_CONFIG)',
    '  --print-config       print the merged settings (secrets redacted) and exit',
    '  --help, -h           show this help',
    '  --version, -V        show the version',
  ]
  let group = ''
  for (const option of OPTIONS as readonly OptionSpec[]) {
    if (option.group !== group) {
      group = option.group
      lines.push('', `${group}:`)
    }
    const name = option.flag
      ? `${option.flag}${option.kind === 'boolean' ? '' : ` ${option.meta ?? metaOf(option)}`}`
      : `(${option.env})`
    const env =
      option.flag && option.env ? ` [${option.key}, env ${option.env}]` : ` [${option.key}]`
    const fallback =
      option.default !== undefined && option.default !== false ? ` (default ${option.default})` : ''
    const values = option.values ? ` (${option.values.join('|')})` : ''
    lines.push(`  ${name.padEnd(28)} ${option.help}${values}${fallback}${env}`)
  }
  lines.push(
    '',
    'Exit codes: 0 done or stopped cleanly; 1 internal error; 2 bad configuration (nothing was',
    'sent); 3 state directory locked, corrupt or foreign; 4 --once: SMS could not be polled;',
    '5 --once: a result is still waiting in the outbox; 130/143 a second SIGINT/SIGTERM.',
    '',
  )
  return lines.join('\n')
}

function metaOf(option: OptionSpec): string {
  switch (option.kind) {
    case 'duration':
      return 'DURATION'
    case 'enum':
      return 'VALUE'
    default:
      return 'VALUE'
  }
}
