import { fstatSync } from 'node:fs'
import { join } from 'node:path'
import {
  type CliContext,
  type CliDefinition,
  type CliIo,
  readTextFile,
  runCli,
  signalExitCode,
} from '@sms-command/cli-kit'
import { createSmsClient, systemScheduler } from '@sms-command/core'
import { errorFields } from '@sms-command/core/events'
import { Agent, EXIT } from './agent.ts'
import { createAuth, keptIamRejection } from './auth.ts'
import {
  checkExecutableFile,
  printableConfig,
  type ResolvedAgentConfig,
  resolveAgentConfig,
} from './config/load-config.ts'
import { AGENT_EXIT_CODES, AGENT_HELP, COMMAND_LINE, type OPTIONS } from './config/options.ts'
import { FileJournalStore } from './durable/file-journal.ts'
import { journalIdentityLog } from './durable/journal-identity-log.ts'
import { makeDirectory } from './durable/make-directory.ts'
import { isStateError, StateError } from './durable/state-error.ts'
import { acquireStateLock, type StateLock } from './durable/state-lock.ts'
import {
  EXIT_STORAGE_UNAVAILABLE,
  transientStorageAdvice,
  transientStorageCode,
} from './durable/storage-failure.ts'
import {
  HeldOutputFiles,
  type HeldOutputSubject,
  heldOutputSubject,
  outputHeldEvent,
} from './handler/held-output-files.ts'
import { runHandler } from './handler/run-handler.ts'
import { runWithStartRetry } from './handler/start-retry.ts'
import { stopProcessGroup } from './handler/stop-process-group.ts'
import { createLogger } from './logger.ts'
import { watchClockSkew } from './observe/clock-skew.ts'
import { writesToJournal } from './observe/journal-stream.ts'
import { AgentMetrics } from './observe/metrics.ts'
import { observeAgent } from './observe/observe-agent.ts'
import { type KeptStatusServer, keepStatusServer } from './observe/status-server.ts'
import {
  agentEntryPath,
  DENO_ALLOW_ENV,
  denoPermissionAdvice,
  HANDLER_ENV_FALLBACK,
  requiredGrants,
} from './platform/deno-permissions.ts'
import {
  envPermissionAdvice,
  guardedReader,
  isGranted,
  settingsEnvGrants,
} from './platform/deno-preflight.ts'
import { currentHostIdentity } from './platform/host-identity.ts'
import { currentPlatform, type Platform } from './platform/platform.ts'
import { proxyFor, readProxyEnvironment, redactProxyUrl } from './platform/proxy.ts'
import { reportSecretFileAccess } from './platform/secret-files.ts'
import { VERSION } from './version.ts'

export { HANDLER_ENV_FALLBACK, requiredGrants } from './platform/deno-permissions.ts'

/** Injectable parts of {@link main}, for tests. */
export interface MainOptions {
  platform?: Platform
  fetch?: typeof fetch
}

/**
 * What the runner's io is on a {@link Platform}: its arguments, environment, output, signals
 * and exit (Node, Bun and Deno each have their own).
 */
function platformIo(platform: Platform): CliIo {
  return {
    args: platform.args(),
    env: (name) => platform.env(name),
    cwd: platform.cwd(),
    // On Deno a file without read permission is named with its flag, never prompted for.
    readTextFile: guardedReader(readTextFile),
    stdout: (text) => platform.stdout(text),
    stderr: (text) => platform.stderr(text),
    onSignal: (signal, handler) =>
      signal === 'SIGHUP' ? () => {} : platform.onSignal(signal, handler),
    exit: (code) => platform.exit(code),
  }
}

/**
 * `sms-agent` as a cli-kit CLI: its table, version, help and exit codes, and {@link runAgentProcess}
 * as its work. `--help`, `--version`, `--print-config`, the error line and the signals come from
 * cli-kit's `runCli`.
 *
 * @example
 * await runCli(agentCli({ platform: currentPlatform() }))
 */
export function agentCli(
  options: MainOptions = {},
  hangup: HangupHook = { listener: () => {} },
): CliDefinition<typeof OPTIONS, ResolvedAgentConfig> {
  const platform = options.platform ?? currentPlatform()
  return {
    command: COMMAND_LINE,
    version: () =>
      `${VERSION} (${platform.runtimeVersion}${platform.compiled ? ', single-file executable' : ''})`,
    help: AGENT_HELP,
    exitCodes: AGENT_EXIT_CODES,
    settings: (parsed) =>
      resolveAgentConfig(parsed, {
        readTextFile: guardedReader(readTextFile),
        // A handler Deno may not read is named by the grant check (read and run), not prompted for.
        checkExecutable: async (path) => {
          if (isGranted({ name: 'read', value: path })) await checkExecutableFile(path)
        },
      }),
    printConfig: ({ config }) => printableConfig(config),
    run: (resolved, context) => runAgentProcess(resolved, platform, context, options.fetch, hangup),
  }
}

/**
 * The `sms-agent` command: reads the configuration, takes the state lock, opens the journal,
 * starts the status server and runs the agent until a signal (or once), then exits with the
 * code (see `--help`: 0 done, 2 bad configuration, 3 state, 4/5 `--once`, 130/143 a second
 * signal).
 *
 * @example
 * await main({ platform: currentPlatform() })
 */
export async function main(options: MainOptions = {}): Promise<number> {
  const platform = options.platform ?? currentPlatform()
  // SIGHUP (a closed terminal or ssh session, the end of an Ansible run) must never end the
  // agent: listened for before anything else (so the default action, exit, never applies),
  // logged once the logger exists.
  const hangup: HangupHook = { listener: () => {} }
  const stopHangup = platform.onSignal('SIGHUP', () => hangup.listener())
  try {
    const unreadable = unreadableSettings(platform)
    if (unreadable) {
      platform.stderr(`sms-agent: ${unreadable}\n`)
      // What runCli does with an exit code (it isn't reached).
      platform.exit(EXIT.config)
      return EXIT.config
    }
    return await runCli(agentCli({ ...options, platform }, hangup), platformIo(platform))
  } finally {
    stopHangup()
  }
}

/**
 * On Deno, the advice when a setting variable can't be read (checked before any is read, so
 * nothing prompts and no missing grant passes for an unset variable); `undefined` when all can,
 * off Deno, or for `--help`/`--version`, which read none.
 */
function unreadableSettings(platform: Platform): string | undefined {
  if (platform.runtime !== 'deno') return undefined
  if (platform.args().some((arg) => /^(-h|--help|--version|-v)$/.test(arg))) return undefined
  const variables = [
    ...Object.values(COMMAND_LINE.options).flatMap((row) => (row.env ? [row.env] : [])),
    ...(COMMAND_LINE.configFile?.env ? [COMMAND_LINE.configFile.env] : []),
  ]
  const missing = platform.missingGrants(settingsEnvGrants(variables))
  if (missing.length === 0) return undefined
  return envPermissionAdvice(missing, DENO_ALLOW_ENV, agentEntryPath())
}

/** Where {@link runAgentProcess} puts what a SIGHUP does once the logger exists. */
interface HangupHook {
  listener: () => void
}

/** The agent's work once its settings are resolved; resolves with the exit code. */
async function runAgentProcess(
  { config, secrets }: ResolvedAgentConfig,
  platform: Platform,
  context: CliContext<typeof OPTIONS>,
  fetchOverride: typeof fetch | undefined,
  hangup: HangupHook,
): Promise<number> {
  const proxyEnvironment = readProxyEnvironment((name) => platform.env(name))
  const proxies = {
    sms: proxyFor(config.endpoint, proxyEnvironment),
    iam:
      config.auth.kind === 'iam-password'
        ? proxyFor(config.auth.iamEndpoint, proxyEnvironment)
        : undefined,
  }
  const grants = requiredGrants(
    config,
    [proxies.sms, proxies.iam].filter((proxy) => proxy !== undefined),
  )
  const missing = platform.missingGrants(grants)
  if (missing.length > 0) {
    context.io.stderr(`sms-agent: ${denoPermissionAdvice(grants, missing)}\n`)
    return EXIT.config
  }

  const logger = createLogger({
    format: config.logFormat,
    level: config.logLevel,
    write: (line) => platform.stdout(line),
    secrets,
    serverId: config.serverId,
    // Under systemd, text lines carry their syslog priority so `journalctl -p err` filters.
    syslogPriority:
      config.logFormat === 'text' &&
      writesToJournal(platform.env('JOURNAL_STREAM'), () => fstatSync(1, { bigint: true })),
  })
  const scheduler = systemScheduler
  const metrics = new AgentMetrics(scheduler.now(), {
    version: VERSION,
    runtime: platform.runtime,
    runtimeVersion: platform.runtimeVersion.split(' ')[1] ?? 'unknown',
  })
  const identity = currentHostIdentity()
  const machine = {
    productUuid: await identity.productUuid(),
    machineId: await identity.machineId(),
    hostname: identity.hostname(),
  }
  let lock: StateLock | undefined
  let journal: FileJournalStore | null = null
  let status: KeptStatusServer | undefined
  const stopListening: (() => void)[] = []
  let runningPid: number | undefined
  let heldOutput: HeldOutputFiles<HeldOutputSubject> | undefined

  try {
    if (config.stateDir !== undefined) {
      if (!config.dryRun) {
        try {
          await makeDirectory(config.stateDir, 0o700)
        } catch (cause) {
          throw new StateError(
            'io',
            config.stateDir,
            `Cannot create state directory ${config.stateDir}: ${(cause as Error).message}`,
            { cause },
          )
        }
        lock = await acquireStateLock({
          dir: config.stateDir,
          pid: platform.pid,
          runtime: platform.runtimeVersion,
          processExists: (pid) => platform.processExists(pid),
          identity,
          onStale: (owner, why) =>
            logger.warn('lock.stale', {
              pid: owner?.pid,
              reason: why,
              msg: `took over a stale lock (no live agent holds it): ${why}`,
            }),
        })
      }
      journal = await FileJournalStore.open({
        dir: config.stateDir,
        serverId: config.serverId,
        now: scheduler.now,
        readOnly: config.dryRun,
        machine,
        adopt: config.adoptState,
        ...journalIdentityLog(logger, machine),
      })
    }

    // IAM's token (up to 16,384 characters) arrives in a header, SMS answers are small: on Node
    // only IAM logins and proxied requests load undici, never AK/SK or static-token polls.
    const iamFetch = fetchOverride ?? platform.safeFetch()
    const smsFetch = fetchOverride ?? platform.safeFetch({ largeResponseHeaders: false })
    const auth = createAuth(config.auth, {
      logger,
      fetch: iamFetch,
      ...(config.stateDir === undefined
        ? {}
        : {
            iamRejections: keptIamRejection(config.stateDir, logger, {
              readOnly: config.dryRun,
            }),
          }),
    })
    const client = createSmsClient({
      endpoint: config.endpoint,
      auth,
      timeoutMs: config.requestTimeoutMs,
      scheduler,
      userAgent: `sms-agent/${VERSION} (${platform.runtimeVersion})`,
      fetch: smsFetch,
      onClockOffset: watchClockSkew({
        metrics,
        warn: (fields) => logger.warn('clock.skew', fields),
      }),
      onRetry: (info) =>
        logger.debug('request.retry', {
          attempt: info.attempt,
          delay: info.delayMs,
          method: info.method,
          error: errorFields(info.error),
        }),
    })
    const baseEnv = platform.environment(HANDLER_ENV_FALLBACK)
    const observers = observeAgent({ logger, metrics, now: scheduler.now })
    // Handler output goes to files that outlive the agent (a handler's `nohup svc &`).
    const outputDir =
      config.stateDir && !config.dryRun ? join(config.stateDir, 'output') : undefined
    heldOutput = await HeldOutputFiles.adopt(outputDir, {
      ...{ scheduler, groupAlive: (pgid) => platform.killProcessGroup(pgid, 0) },
      onHeld: (path, subject) => observers.events.emit(outputHeldEvent(subject, path)),
    })
    const agent = new Agent({
      settings: { ...config, host: machine.hostname, secrets: logger.redactor }, // + re-read secrets
      client,
      journal,
      events: observers.events,
      scheduler,
      runCommand: async (request) => {
        try {
          const subject = heldOutputSubject(request.handler, request.command)
          const attempt = () =>
            runHandler({
              path: request.handler,
              command: request.command,
              serverId: config.serverId,
              baseEnv,
              timeoutMs: config.handlerTimeoutMs,
              killGraceMs: config.killGraceMs,
              outputTailBytes: config.outputTailBytes,
              signal: request.signal,
              platform,
              onSpawn: (pid) => {
                runningPid = pid
                request.onSpawn(pid)
              },
              outputDir,
              onOutputFile: (file) =>
                heldOutput?.hold(file.path, file.pgid, { ...file, context: subject }),
              onOutputHeld: () => observers.events.emit(outputHeldEvent(subject)),
            })
          return await runWithStartRetry(attempt, {
            handler: request.handler,
            startTimeoutMs: config.handlerStartTimeoutMs,
            scheduler,
            // A stop ends the waiting at once: the handler never ran.
            signal: AbortSignal.any([request.signal, context.signal]),
            onDeferred: (deferral) =>
              observers.events.emit(
                {
                  event: 'handler.start-deferred',
                  handler: deferral.handler,
                  problem: deferral.problem.kind,
                  give_up_at: new Date(deferral.giveUpAt).toISOString(),
                  command: request.command.command_name,
                  task_id: request.command.command_param.task_id,
                  attempt: deferral.attempt,
                  delay: deferral.delayMs,
                  error: errorFields(deferral.error),
                  msg: `the handler could not be started: ${deferral.problem.description}. The command has not run; the start is tried again in ${Math.round(deferral.delayMs / 1000)} s, until ${new Date(deferral.giveUpAt).toISOString()} (--handler-start-timeout)`,
                },
                { cause: deferral.error },
              ),
          })
        } finally {
          runningPid = undefined
        }
      },
      stopOrphan: (pid) => stopProcessGroup(platform, pid, config.killGraceMs),
    })
    observers.watchLoop(agent)
    stopListening.push(
      platform.onOutputClosed((stream, error) =>
        observers.events.emit({
          event: 'log.stream-closed',
          stream,
          error: errorFields(error),
          msg: `${stream} is closed (its reader went away: a pipe like "| head -1", a closed terminal, a restarted journald): logs go to ${stream === 'stdout' ? 'stderr' : 'stdout'} while it is open, and always to /events; delivery goes on`,
        }),
      ),
    )
    hangup.listener = () =>
      logger.info('signal.received', {
        signal: 'SIGHUP',
        msg: 'SIGHUP ignored: the agent and its handler keep running (a hangup usually means a closed terminal or ssh session). Logs go to stdout, so there is no file to reopen, and the configuration is read only at start: restart the agent to apply a new one',
      })

    // The first SIGINT/SIGTERM (cli-kit's runner aborts the signal) stops the agent cleanly.
    const stopOnSignal = () => {
      const signal = String(context.signal.reason)
      logger.info('signal.received', { signal, attempt: 1 })
      agent.stop(signal)
    }
    if (context.signal.aborted) stopOnSignal()
    else context.signal.addEventListener('abort', stopOnSignal, { once: true })
    stopListening.push(() => context.signal.removeEventListener('abort', stopOnSignal))
    // Second signal: leave now. The handler is killed so that it doesn't run unsupervised; the
    // journal still says running, so the next start reports it interrupted.
    context.onForcedExit(async (signal) => {
      logger.info('signal.received', { signal, attempt: 2 })
      const pid = runningPid
      logger.warn('agent.exit-now', {
        signal,
        msg: 'second signal: exiting at once',
        exit_code: signalExitCode(signal),
      })
      if (pid !== undefined) await platform.killProcessGroup(pid, 'SIGKILL').catch(() => {})
    })

    if (config.statusPort !== undefined) {
      const maxAgeMs = 2 * config.intervalMs + config.requestTimeoutMs + config.backoffBaseMs
      const address = `${config.statusHost}:${config.statusPort}`
      status = await keepStatusServer({
        host: config.statusHost,
        port: config.statusPort,
        logger,
        metrics,
        scheduler,
        health: () =>
          observers.health.report({ now: scheduler.now(), loop: agent.status(), maxAgeMs }),
        onListening: (server) =>
          logger.info('status.listening', {
            url: server.url,
            msg: `status on ${server.url}/healthz, /metrics and /events`,
          }),
        onUnavailable: (error, attempt, delay) =>
          observers.events.emit(
            {
              event: 'status.unavailable',
              url: `http://${address}`,
              attempt,
              delay,
              error: errorFields(error),
              msg: `the status server cannot listen on ${address} (${(error as Error)?.message ?? String(error)}${(error as { code?: unknown })?.code === 'EADDRINUSE' ? ': another program uses the port, e.g. an OpenTelemetry collector on 9464; choose another --status-port' : ''}); polling and reporting go on without it, next try in ${Math.round(delay / 1000)} s`,
            },
            { cause: error },
          ),
      })
    }

    if (proxies.sms || proxies.iam) {
      logger.info('proxy.configured', {
        proxy: redactProxyUrl((proxies.sms ?? proxies.iam) as string),
        msg: `requests go through the egress proxy ${[
          proxies.sms && `${redactProxyUrl(proxies.sms)} (SMS)`,
          proxies.iam && `${redactProxyUrl(proxies.iam)} (IAM)`,
        ]
          .filter(Boolean)
          .join(', ')}, from HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured)`,
      })
    }
    logger.info('agent.start', {
      version: VERSION,
      runtime: platform.runtimeVersion,
      pid: platform.pid,
      endpoint: config.endpoint,
      auth: auth.kind,
      state_dir: config.stateDir ?? null,
      mode: config.once ? 'once' : 'daemon',
      dry_run: config.dryRun,
      delay: config.intervalMs,
      msg: config.dryRun ? 'dry run: nothing will be run or reported' : undefined,
    })
    await reportSecretFileAccess(config.auth, logger)
    const code = config.once ? await agent.runOnce() : await agent.run()
    logger.info('agent.exit', { exit_code: code })
    return code
  } catch (error) {
    const storage = transientStorageCode(error)
    if (storage !== undefined) {
      // A full or read-only disk recovers by itself: exit so the unit restarts us (not 3).
      const path = isStateError(error) ? error.path : (config.stateDir ?? '')
      logger.error('state.error', {
        kind: storage,
        path,
        msg: `${isStateError(error) ? error.message : errorFields(error).message}. ${transientStorageAdvice(storage, path)}`,
      })
      return EXIT_STORAGE_UNAVAILABLE
    }
    if (isStateError(error)) {
      logger.error('state.error', { kind: error.kind, path: error.path, msg: error.message })
      return EXIT.state
    }
    logger.error('agent.crash', { error: errorFields(error) })
    return EXIT.internal
  } finally {
    for (const stop of stopListening) stop()
    await heldOutput?.close()
    await status?.close().catch(() => {})
    await lock?.release().catch(() => {})
  }
}
