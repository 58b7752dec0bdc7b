import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { settingVariables } from '@sms-command/cli-kit'
import { type Scheduler, type SmsCommand, systemScheduler } from '@sms-command/core'
import { OPTIONS } from '../config/options.ts'
import type { Platform } from '../platform/platform.ts'
import { handlerLaunch } from '../platform/windows.ts'
import { holdOutput } from './held-output.ts'
import { createOutputFile, OutputCapture, type OutputFile } from './output-file.ts'
import { OutputTail } from './output-tail.ts'

/** Why a handler's run failed, as `result_detail.reason`. */
export type FailReason =
  | 'exit-code'
  | 'signal'
  | 'timeout'
  | 'interrupted'
  | 'spawn-failed'
  | 'unknown-command'
  | 'no-handler'

/** `result_detail` of a handled command. */
export interface HandlerDetail {
  [field: string]: unknown
  reason?: FailReason
  message?: string
  handler: string
  exit_code: number | null
  signal: string | null
  duration_ms: number
  timed_out: boolean
  /** The last bytes of stdout and stderr, interleaved. */
  output: string
  output_bytes: number
  output_truncated: boolean
}

/** What running a handler came to. */
export interface HandlerOutcome {
  result: 'success' | 'fail'
  detail: HandlerDetail
  /**
   * Why the process could not be started (`reason: 'spawn-failed'`), for the start retry to
   * diagnose; never part of the report.
   */
  startError?: unknown
}

/** Options of {@link runHandler}. */
export interface RunHandlerOptions {
  /** Absolute path of the executable. */
  path: string
  command: SmsCommand
  serverId: string
  /** Environment the handler inherits; `SMS_*` variables in it are dropped. */
  baseEnv: Readonly<Record<string, string>>
  timeoutMs: number
  /** SIGTERM to SIGKILL. */
  killGraceMs: number
  outputTailBytes: number
  /** Aborting terminates the handler (SIGTERM, then SIGKILL) and reports it `interrupted`. */
  signal?: AbortSignal
  /** Called once the process exists, with its pid (= its process group id). */
  onSpawn?: (pid: number) => void
  platform: Pick<Platform, 'killProcessGroup'>
  /**
   * Where the handler's stdout and stderr go: one file per run in this directory (see
   * `output-file.ts`), which outlives the agent. Without it (or when the file can't be created:
   * a full or read-only disk) they go to pipes the agent drains for as long as it lives.
   */
  outputDir?: string | undefined
  /**
   * Takes over the output file once the handler exited (`alive`: its process group outlived it,
   * so something may still write the file). Without it the file is removed.
   */
  onOutputFile?: (file: {
    path: string
    pgid: number | undefined
    size: number
    alive: boolean
  }) => void
  /**
   * Pipes only: called when the handler exited but processes it left running still hold its
   * stdout/stderr: the agent keeps draining them rather than closing them (SIGPIPE).
   */
  onOutputHeld?: () => void
  /** Past this size a running handler's output file is truncated (its tail kept in memory). */
  outputCapBytes?: number
  /** Paces the reads of the output file while the handler runs; defaults to the system clock. */
  scheduler?: Scheduler
  /** Monotonic milliseconds; defaults to `performance.now`. */
  clock?: () => number
}

/** How long stdout/stderr pipes may stay open after the handler exited (a background child holds them). */
const DRAIN_MS = 200

/** How often a running handler's output file is read (and truncated past its cap). */
export const OUTPUT_FOLD_MS = 1_000

/**
 * Variables the agent's settings read besides `SMS_*`: other programs' names for its credentials
 * (`HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, …). Upper case: Windows names are case-insensitive.
 */
const SETTING_VARIABLES = new Set(settingVariables(OPTIONS).map((name) => name.toUpperCase()))

/**
 * The environment a handler sees: the agent's own minus every `SMS_*` variable and every other
 * variable its settings read (credentials among them, whichever name carried them), plus the
 * command's values, passed verbatim: no shell ever parses them.
 *
 * @example
 * handlerEnvironment(process.env, command, 'srv-1').SMS_TASK_ID // exactly command_param.task_id
 */
export function handlerEnvironment(
  baseEnv: Readonly<Record<string, string>>,
  command: SmsCommand,
  serverId: string,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(baseEnv)) {
    const upper = name.toUpperCase()
    if (!upper.startsWith('SMS_') && !SETTING_VARIABLES.has(upper)) env[name] = value
  }
  env.SMS_COMMAND = command.command_name
  env.SMS_TASK_ID = command.command_param.task_id ?? ''
  env.SMS_BUCKET = command.command_param.bucket ?? ''
  env.SMS_SERVER_ID = serverId
  return env
}

/**
 * Runs one handler without a shell: argv `[path, command_name]`, its own process group, the
 * command in `SMS_COMMAND`, `SMS_TASK_ID`, `SMS_BUCKET`, `SMS_SERVER_ID`. Exit 0 is `success`,
 * anything else `fail`. Past `timeoutMs` (or when `signal` aborts) the whole group gets SIGTERM,
 * then SIGKILL after `killGraceMs`. Never rejects: a handler that can't start is a `fail` with
 * reason `spawn-failed`.
 *
 * @example
 * const outcome = await runHandler({ path: '/usr/local/bin/on-start', command, serverId,
 *   baseEnv: {}, timeoutMs: 60_000, killGraceMs: 5_000, outputTailBytes: 4096, platform })
 * outcome.result // 'success' | 'fail'
 */
export async function runHandler(options: RunHandlerOptions): Promise<HandlerOutcome> {
  const clock = options.clock ?? (() => performance.now())
  const started = clock()
  const tail = new OutputTail(options.outputTailBytes)
  const outcome = (
    result: 'success' | 'fail',
    fields: Partial<HandlerDetail> & Pick<HandlerDetail, 'exit_code' | 'signal'>,
  ): HandlerOutcome => ({
    result,
    detail: {
      ...(fields.reason ? { reason: fields.reason } : {}),
      ...(fields.message ? { message: fields.message } : {}),
      // Read by the agent: a run that never began stays pending (core's RunNotStartedError).
      ...(fields.not_started ? { not_started: true } : {}),
      handler: options.path,
      exit_code: fields.exit_code,
      signal: fields.signal,
      duration_ms: Math.round(clock() - started),
      timed_out: fields.reason === 'timeout',
      output: tail.text(),
      output_bytes: tail.total,
      output_truncated: tail.truncated,
    },
  })

  const notStarted = () =>
    outcome('fail', {
      reason: 'interrupted',
      message: 'the agent was stopping; the handler was not started',
      not_started: true,
      exit_code: null,
      signal: null,
    })
  if (options.signal?.aborted) return notStarted()

  let file: OutputFile | undefined
  if (options.outputDir !== undefined) {
    // A full or read-only disk must not stop the handler: its output then goes to pipes.
    file = await createOutputFile(options.outputDir, Date.now()).catch(() => undefined)
    if (options.signal?.aborted) {
      // The stop came while the file was being made: the handler is not started after all.
      if (file) {
        closeSync(file.fd)
        await unlink(file.path).catch(() => {})
      }
      return notStarted()
    }
  }
  const start = (output: OutputFile | undefined) => {
    const env = handlerEnvironment(options.baseEnv, options.command, options.serverId)
    // On Windows a .cmd/.bat runs inside cmd.exe and a .ps1 inside PowerShell (platform/windows.ts).
    const launch = handlerLaunch(options.path, options.command.command_name, env)
    return spawn(launch.file, launch.args, {
      detached: true,
      stdio: output ? ['ignore', output.fd, output.fd] : ['ignore', 'pipe', 'pipe'],
      env,
      shell: false,
      windowsHide: true,
      windowsVerbatimArguments: launch.verbatim,
    })
  }
  let child: ChildProcess
  try {
    try {
      child = start(file)
    } catch (error) {
      if (!file) throw error
      // A runtime that can't hand a file over as stdio would otherwise fail every command:
      // pipes then. (A missing handler fails the same way once more, reported as such.)
      closeSync(file.fd)
      await unlink(file.path).catch(() => {})
      file = undefined
      child = start(undefined)
    }
  } catch (error) {
    return {
      ...outcome('fail', {
        reason: 'spawn-failed',
        message: `cannot start ${options.path}: ${(error as Error).message}`,
        exit_code: null,
        signal: null,
      }),
      startError: error,
    }
  } finally {
    // The child has its own copies; the agent's would make it a writer of the file too.
    if (file) closeSync(file.fd)
  }
  const capture = file && new OutputCapture(file.path, tail, options.outputCapBytes)
  const startedAt = Date.now()
  // Reads of the file never overlap (a fold while the last one runs would read twice).
  let reading: Promise<void> = Promise.resolve()
  const read = (step: (capture: OutputCapture) => Promise<void>) => {
    if (capture) reading = reading.then(() => step(capture)).catch(() => {})
    return reading
  }
  const folding = new AbortController()
  if (capture && child.pid !== undefined) {
    const pgid = child.pid
    void read((c) => c.named(pgid, startedAt))
    void (async () => {
      const scheduler = options.scheduler ?? systemScheduler
      for (;;) {
        await scheduler.sleep(OUTPUT_FOLD_MS, folding.signal)
        await read((c) => c.fold())
      }
    })().catch(() => {})
  }

  return new Promise<HandlerOutcome>((resolve) => {
    let stopReason: 'timeout' | 'interrupted' | undefined
    let killTimer: ReturnType<typeof setTimeout> | undefined
    let drainTimer: ReturnType<typeof setTimeout> | undefined
    let settled = false
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let openStreams = file ? 0 : 2

    const pid = child.pid
    const onData = (chunk: Uint8Array) => tail.push(chunk)
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    const onStreamClosed = () => {
      openStreams--
      if (openStreams === 0 && exit) finish()
    }
    child.stdout?.on('close', onStreamClosed)
    child.stderr?.on('close', onStreamClosed)

    const terminate = (reason: 'timeout' | 'interrupted') => {
      if (stopReason || exit || pid === undefined) return
      stopReason = reason
      void signalGroup(pid, 'SIGTERM')
      // Not cleared when the handler exits: children it left in its group get SIGKILL too.
      killTimer = setTimeout(() => void signalGroup(pid, 'SIGKILL'), options.killGraceMs)
      killTimer.unref?.()
    }
    const signalGroup = async (target: number, signal: 'SIGTERM' | 'SIGKILL') => {
      try {
        const delivered = await options.platform.killProcessGroup(target, signal)
        if (!delivered) child.kill(signal)
      } catch {
        // The group is out of reach (permissions): at least signal the handler itself.
        child.kill(signal)
      }
    }
    const timeout = setTimeout(() => terminate('timeout'), options.timeoutMs)
    const onAbort = () => terminate('interrupted')
    options.signal?.addEventListener('abort', onAbort, { once: true })

    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timeout)
      clearTimeout(drainTimer)
      folding.abort()
      options.signal?.removeEventListener('abort', onAbort)
      if (capture) void handOver(capture).then(conclude)
      else conclude()
    }
    // The handler is gone: the file holds all it wrote. Whoever it left running may write on.
    const handOver = async (capture: OutputCapture) => {
      await read((c) => c.fold())
      // A timed-out or interrupted handler's group is being killed: nothing is left to it.
      const alive =
        !stopReason &&
        pid !== undefined &&
        (await options.platform.killProcessGroup(pid, 0).catch(() => false))
      const handed = { path: capture.path, pgid: pid, size: capture.size, alive }
      if (options.onOutputFile) options.onOutputFile(handed)
      else await unlink(capture.path).catch(() => {})
    }
    const conclude = () => {
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      // What the handler left running may still write: closing the pipes would kill it (SIGPIPE).
      if (openStreams > 0) {
        holdOutput([child.stdout, child.stderr])
        options.onOutputHeld?.()
      }
      const code = exit?.code ?? null
      const signal = exit?.signal ?? null
      if (stopReason === 'timeout') {
        resolve(
          outcome('fail', {
            reason: 'timeout',
            message: `the handler ran past ${options.timeoutMs} ms and was terminated`,
            exit_code: code,
            signal,
          }),
        )
      } else if (stopReason === 'interrupted') {
        resolve(
          outcome('fail', {
            reason: 'interrupted',
            message: 'the agent was shutting down; the handler was terminated',
            exit_code: code,
            signal,
          }),
        )
      } else if (code === 0) {
        resolve(outcome('success', { exit_code: 0, signal: null }))
      } else if (signal) {
        resolve(
          outcome('fail', {
            reason: 'signal',
            message: `the handler was killed by ${signal}`,
            exit_code: null,
            signal,
          }),
        )
      } else {
        resolve(
          outcome('fail', {
            reason: 'exit-code',
            message: `the handler exited with code ${code}`,
            exit_code: code,
            signal: null,
          }),
        )
      }
    }

    child.on('error', (error) => {
      if (exit || settled) return
      settled = true
      clearTimeout(timeout)
      folding.abort()
      options.signal?.removeEventListener('abort', onAbort)
      const failed = {
        ...outcome('fail', {
          reason: 'spawn-failed',
          message: `cannot start ${options.path}: ${error.message}`,
          exit_code: null,
          signal: null,
        }),
        startError: error,
      }
      // Nothing ran, so nothing can hold the file.
      void read((c) => unlink(c.path)).then(() => resolve(failed))
    })
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      clearTimeout(timeout)
      if (openStreams === 0) finish()
      // A background process the handler left behind may hold stdout open: don't wait for it.
      else drainTimer = setTimeout(finish, DRAIN_MS)
    })
    if (pid !== undefined) options.onSpawn?.(pid)
  })
}
