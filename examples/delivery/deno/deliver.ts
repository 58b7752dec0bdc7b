/**
 * Delivers SMS commands to this server exactly once, with the journal in one JSON file.
 *
 *   deno run \
 *     --allow-net=sms.ap-southeast-1.myhuaweicloud.com:443 \
 *     --allow-env='SMS_*' \
 *     --allow-read=/var/lib/sms-deliver --allow-write=/var/lib/sms-deliver \
 *     --allow-run=/usr/local/libexec/sms-handler \
 *     deliver.ts [--once]
 *
 * Nothing else is needed: the SMS_* settings are the only variables read, the journal file's
 * directory the only path read or written, the handler the only program run, the SMS endpoint
 * the only host reached.
 *
 * Settings (environment):
 *   SMS_ENDPOINT      https://sms.ap-southeast-1.myhuaweicloud.com
 *   SMS_TOKEN         an IAM token (X-Auth-Token); never passed to the handler, never logged
 *   SMS_SERVER_ID     the source server's id in SMS
 *   SMS_JOURNAL       the journal file, e.g. /var/lib/sms-deliver/journal.json (keep it: it is
 *                     what makes delivery exactly-once across restarts)
 *   SMS_HANDLER       the executable run per command, as `HANDLER COMMAND_NAME`, with SMS_COMMAND,
 *                     SMS_TASK_ID, SMS_BUCKET and SMS_SERVER_ID in its environment (and PATH
 *                     /usr/bin:/bin, nothing else). Exit 0 reports success, anything else fail.
 *   SMS_MAX_COMMANDS  --once only: how many new commands one run may carry out (default 1)
 *   SMS_INTERVAL_MS   without --once: the pause between polls (default 10000)
 *   SMS_SHUTDOWN_GRACE_MS  how long a running handler may finish after SIGINT/SIGTERM before it
 *                     gets SIGTERM and its command is reported fail, reason interrupted (30000)
 *
 * `--once` makes one pass (cron, a systemd timer): poll, run what is new, report, and exit
 * 0 (done), 4 (SMS could not be polled), 5 (a result is still waiting in the journal; the next run
 * sends it), 1 (the journal could not be read or written) or 2 (a setting is missing or wrong;
 * nothing was sent). Without `--once` it delivers until SIGINT or SIGTERM, then lets a running
 * handler finish (SMS_SHUTDOWN_GRACE_MS) and exits 0.
 *
 * Events go to stdout as NDJSON, one per line (the agent's events: `command.start`,
 * `command.finish`, `report.acknowledged`, `command.interrupted`, ...); `--once` ends with
 * `{"event":"pass.done","polled":…,"ran":…,"outbox":…}`.
 */
import {
  createSmsClient,
  isKnownCommand,
  isSmsInputError,
  type SmsCommand,
  staticToken,
} from '@sms-command/core'
import {
  type DeliveryEvent,
  deliverCommands,
  deliverOnce,
  isJournalStoreError,
  type JournalStore,
  type RecoveredEntry,
  type RunCommand,
  RunInterruptedError,
  type RunPlan,
} from '@sms-command/core/delivery'

/** The last this many characters of the handler's output go into the report. */
const OUTPUT_TAIL = 4_000

/**
 * The journal as one JSON file. A save writes a temporary file beside it, flushes it to disk,
 * renames it over the journal and flushes the directory: a crash at any moment leaves either the
 * old journal or the new one, never half a file, and `save` resolves only once the new one
 * would survive a power loss (what core's `JournalStore` asks for).
 */
export function fileJournal(path: string): JournalStore {
  const temp = `${path}.tmp`
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.'
  return {
    name: `file ${path}`,
    async load() {
      let text: string
      try {
        text = await Deno.readTextFile(path)
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return undefined // first start
        throw error
      }
      // Not JSON, or not a journal: core refuses it (JournalStoreError) and leaves it untouched.
      return JSON.parse(text)
    },
    async save(state) {
      await Deno.writeTextFile(temp, JSON.stringify(state), { mode: 0o600 })
      const file = await Deno.open(temp, { write: true })
      try {
        await file.sync()
      } finally {
        file.close()
      }
      await Deno.rename(temp, path)
      const directory = await Deno.open(dir, { read: true })
      try {
        await directory.sync()
      } finally {
        directory.close()
      }
    },
  }
}

/**
 * Runs `handler COMMAND_NAME` for a command, without a shell, and turns its exit into a result.
 * The handler gets the command in its environment and nothing of ours (no token).
 */
export function runHandler(handler: string, serverId: string): RunCommand {
  return async (command, { signal, setPid }) => {
    const started = Date.now()
    const child = new Deno.Command(handler, {
      args: [command.command_name],
      clearEnv: true,
      env: {
        PATH: '/usr/bin:/bin',
        SMS_COMMAND: command.command_name,
        SMS_TASK_ID: command.command_param.task_id ?? '',
        SMS_BUCKET: command.command_param.bucket ?? '',
        SMS_SERVER_ID: serverId,
      },
      stdin: 'null',
      stdout: 'piped',
      stderr: 'piped',
      signal, // aborted when we stop and the grace ran out: the handler gets SIGTERM
    }).spawn()
    // Recorded in the journal: if this process dies, the next start is told which pid was running.
    setPid(child.pid)
    const exit = await child.output()
    const decoder = new TextDecoder()
    const output = `${decoder.decode(exit.stdout)}${decoder.decode(exit.stderr)}`.slice(
      -OUTPUT_TAIL,
    )
    const detail = {
      handler,
      exit_code: exit.code,
      signal: exit.signal,
      duration_ms: Date.now() - started,
      output,
    }
    // Killed because we were stopping: not the handler's verdict, so core treats it as an
    // interrupted run (reported `fail`, reason `interrupted`), like one cut short by a crash.
    if (signal.aborted) throw new RunInterruptedError('stopped while the handler ran', { detail })
    if (exit.success) return { result: 'success', result_detail: detail }
    return {
      result: 'fail',
      result_detail: { ...detail, reason: exit.signal ? 'signal' : 'exit-code' },
    }
  }
}

/** Deno's fetch may silently re-send a POST over a pooled connection the server had closed; a
 * re-sent report is exactly what exactly-once delivery must not do, so POSTs never reuse one. */
function unpooledPosts(): typeof fetch {
  const unpooled = Deno.createHttpClient({ poolMaxIdlePerHost: 0 })
  return (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (method === 'GET' || method === 'HEAD') return fetch(input, init)
    return fetch(input, { ...init, client: unpooled })
  }
}

function setting(name: string): string {
  const value = Deno.env.get(name)
  if (!value) {
    console.error(`${name} is not set (see the top of deliver.ts)`)
    Deno.exit(2)
  }
  return value
}

function print(event: DeliveryEvent) {
  if (event.level !== 'debug') console.log(JSON.stringify(event))
}

/** Refuses, without running it, a command this handler was not written for. */
function planRun(command: SmsCommand): RunPlan {
  if (isKnownCommand(command.command_name)) return {}
  return {
    refuse: {
      reason: 'unknown-command',
      message: `${command.command_name} is not one of START, STOP, DELETE, SYNC; not run`,
    },
  }
}

async function main(args: string[]): Promise<number> {
  const endpoint = setting('SMS_ENDPOINT')
  const token = setting('SMS_TOKEN')
  const serverId = setting('SMS_SERVER_ID')
  const journal = fileJournal(setting('SMS_JOURNAL'))
  const handler = setting('SMS_HANDLER')
  const client = createSmsClient({ endpoint, auth: staticToken(token), fetch: unpooledPosts() })
  const options = {
    journal,
    run: runHandler(handler, serverId),
    planRun,
    // How long a running handler may go on after SIGINT/SIGTERM before it is sent SIGTERM.
    shutdownGraceMs: Number(Deno.env.get('SMS_SHUTDOWN_GRACE_MS') ?? '30000'),
    // A handler whose process outlived a crash of this script: say so, it may still be running.
    onRecovered: ({ entry, handlerPid }: RecoveredEntry) => {
      if (handlerPid !== undefined) {
        console.error(`journal entry ${entry.id}: handler pid ${handlerPid} may still be running`)
      }
    },
  }

  if (args.includes('--once')) {
    const maxCommands = Number(Deno.env.get('SMS_MAX_COMMANDS') ?? '1')
    const pass = await deliverOnce(client, serverId, { ...options, maxCommands, onEvent: print })
    console.log(JSON.stringify({ event: 'pass.done', ...pass }))
    if (pass.polled === 'error') return 4
    return pass.outbox > 0 ? 5 : 0
  }

  const stop = new AbortController()
  const onSignal = () => stop.abort()
  Deno.addSignalListener('SIGINT', onSignal)
  Deno.addSignalListener('SIGTERM', onSignal)
  try {
    for await (const event of deliverCommands(client, serverId, {
      ...options,
      intervalMs: Number(Deno.env.get('SMS_INTERVAL_MS') ?? '10000'),
      signal: stop.signal,
    })) {
      print(event)
    }
    return 0
  } finally {
    Deno.removeSignalListener('SIGINT', onSignal)
    Deno.removeSignalListener('SIGTERM', onSignal)
  }
}

if (import.meta.main) {
  const code = await main(Deno.args).catch((error: unknown) => {
    // A bad setting (SMS_ENDPOINT, SMS_SERVER_ID, SMS_MAX_COMMANDS…): refused before anything is sent.
    if (isSmsInputError(error)) {
      console.error(error.message)
      return 2
    }
    // The journal could not be read or written: nothing was run or sent on a step it didn't
    // take, and the next start resumes from what the file holds.
    if (isJournalStoreError(error)) {
      console.error(error.message)
      return 1
    }
    throw error
  })
  Deno.exit(code)
}
