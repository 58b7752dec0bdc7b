import { spawn } from 'node:child_process'
import process from 'node:process'
import { createRuntimeFetch, MAX_RESPONSE_HEADER_BYTES } from '@sms-command/cli-kit/proxy-fetch'
import { isGranted, wholeEnvironmentGranted } from './deno-preflight.ts'
import { guardOutputStreams, type OutputStreamName, type OutputStreams } from './output-streams.ts'
import { envValue, isWindows, killWindowsTree, windowsSignalsFor } from './windows.ts'

/** The JavaScript runtime the agent runs on. */
export type RuntimeName = 'node' | 'bun' | 'deno'

import type { Grant } from './grant.ts'

export type { Grant }

/** A signal the agent listens for or sends. */
export type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGKILL'

/** A signal the agent listens for: SIGINT/SIGTERM stop it, SIGHUP is logged and ignored. */
export type ListenedSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP'

export type { OutputStreamName } from './output-streams.ts'

/**
 * Options of {@link Platform.safeFetch}.
 *
 * @example
 * const smsFetch = platform.safeFetch({ largeResponseHeaders: false }) // Node's own fetch, no undici
 */
export interface SafeFetchOptions {
  /**
   * Whether answers may carry response heads past Node's own 16 KiB limit (an IAM login's
   * 16,384-character token). Default true; only Node's fetch depends on it.
   */
  largeResponseHeaders?: boolean
}

/**
 * Everything that differs between Node, Bun and Deno, behind one small interface. The rest of the
 * agent uses `node:` built-ins that all three implement alike (`node:fs/promises`,
 * `node:child_process`, `node:http`); what is left here is the part that does not behave alike:
 * Deno's permission model (environment reads and `kill` need grants) and runtime identification.
 */
export interface Platform {
  readonly runtime: RuntimeName
  /** `node 20.19.0`, `bun 1.2.0`, `deno 2.1.0`. */
  readonly runtimeVersion: string
  /** True in the one-file executable built by `bun build --compile`. */
  readonly compiled: boolean
  readonly pid: number
  /** Command-line arguments after the script. */
  args(): string[]
  /** One environment variable; `undefined` when unset or not readable (Deno without a grant). */
  env(name: string): string | undefined
  /**
   * The whole environment when it may be read; otherwise the readable subset of `fallbackNames`
   * (Deno with `--allow-env=LIST`).
   */
  environment(fallbackNames: readonly string[]): Record<string, string>
  cwd(): string
  /**
   * Writes to standard output without a trailing newline. Never throws: once the reader is gone
   * (`| head -1`, a closed terminal) the text goes to stderr, and when both are gone, nowhere.
   */
  stdout(text: string): void
  /** Writes to standard error; the same guard as {@link stdout}. */
  stderr(text: string): void
  /** Calls `listener` once per output stream found closed; returns the unsubscribe function. */
  onOutputClosed(listener: (stream: OutputStreamName, error: Error) => void): () => void
  /** Calls `handler` on each delivery of `signal`; returns a function that stops listening. */
  onSignal(signal: ListenedSignal, handler: () => void): () => void
  /**
   * Sends `signal` to every process of group `pgid` (0 only probes); false when the group no
   * longer exists.
   */
  killProcessGroup(pgid: number, signal: SignalName | 0): Promise<boolean>
  /** True while a process with this id exists (it may belong to another user). */
  processExists(pid: number): Promise<boolean>
  exit(code: number): never
  /** The grants of `needed` the runtime does not give (only Deno restricts; elsewhere none). */
  missingGrants(needed: readonly Grant[]): Grant[]
  /**
   * A `fetch` that never sends a request twice on its own. Deno's `fetch` re-sends a request,
   * POSTs included, when a pooled keep-alive connection closes after the server received it; a
   * result report sent twice could clear the next command of the same name (docs/api.md §2). On Deno
   * this sends every non-GET request on a fresh connection. On Node it is cli-kit's
   * `createRuntimeFetch` (undici, routed by the proxy variables): Node's own `fetch` ignores
   * `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (Bun's and Deno's honour them) and refuses response
   * headers past 16 KiB (an IAM token may be 16,384 characters). With `largeResponseHeaders:
   * false` (the SMS command channel, whose answers are small), Node's direct requests use its
   * built-in `fetch` instead and undici is loaded only for a proxy: one HTTP stack, not two.
   * Elsewhere it is the global `fetch`.
   */
  safeFetch(options?: SafeFetchOptions): typeof fetch
}

function detectRuntime(): RuntimeName {
  if (process.versions.bun) return 'bun'
  if (process.versions.deno) return 'deno'
  return 'node'
}

/** Bun serves a compiled executable's modules from its embedded `/$bunfs/` file system. */
function isBunExecutable(): boolean {
  const main = (globalThis as { Bun?: { main?: string } }).Bun?.main ?? ''
  return main.includes('$bunfs') || main.startsWith('B:/~BUN/')
}

/** What Deno throws for an ungranted resource, made up when the agent asked first. */
function denied(): Error {
  return Object.assign(new Error('not granted'), { name: 'NotCapable' })
}

function isPermissionError(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'NotCapable' || error.name === 'PermissionDenied')
  )
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * Runs `kill` as a program. Deno refuses `process.kill` unless `--allow-run` is unrestricted; with
 * `--allow-run=…,kill` this keeps process-group termination working under narrow permissions.
 */
function killProgram(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    try {
      // An explicit environment: without one, Deno's node:child_process reads the whole
      // environment (a grant the agent doesn't otherwise need).
      let path: string | undefined
      try {
        path = process.env.PATH
      } catch {
        path = undefined
      }
      const child = spawn('kill', args, { stdio: 'ignore', env: path ? { PATH: path } : {} })
      child.on('error', () => resolve(null))
      child.on('exit', (code) => resolve(code))
    } catch {
      resolve(null)
    }
  })
}

async function sendSignal(target: number, signal: SignalName | 0): Promise<boolean> {
  try {
    process.kill(target, signal)
    return true
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false
    // The process exists but belongs to someone else.
    if (errorCode(error) === 'EPERM') return true
    if (!isPermissionError(error)) throw error
  }
  const name = signal === 0 ? '0' : signal.slice(3)
  const code = await killProgram([`-${name}`, '--', String(target)])
  if (code === null) {
    throw new Error(
      `cannot send ${signal === 0 ? 'a liveness probe' : signal} to ${target}: grant Deno --allow-run=kill (or --allow-run)`,
    )
  }
  return code === 0
}

let guardedOutput: OutputStreams | undefined

/** The process's stdout/stderr, guarded once per process (see {@link guardOutputStreams}). */
function processOutput(): OutputStreams {
  guardedOutput ??= guardOutputStreams({ stdout: process.stdout, stderr: process.stderr })
  return guardedOutput
}

/**
 * The platform of the running process, on Node, Bun or Deno.
 *
 * @example
 * const platform = currentPlatform()
 * platform.stdout(`running on ${platform.runtimeVersion}\n`)
 */
export function currentPlatform(): Platform {
  const runtime = detectRuntime()
  const version =
    runtime === 'bun'
      ? process.versions.bun
      : runtime === 'deno'
        ? process.versions.deno
        : process.versions.node
  return {
    runtime,
    runtimeVersion: `${runtime} ${version ?? 'unknown'}`,
    compiled: runtime === 'bun' && isBunExecutable(),
    pid: process.pid,
    args: () => process.argv.slice(2),
    env(name) {
      // Reading an ungranted variable would prompt on a terminal: ask Deno first, silently.
      if (runtime === 'deno' && !isGranted({ name: 'env', value: name })) return undefined
      try {
        // Windows names are case-insensitive (`Path` is `PATH`); Node's process.env already
        // is there, a runtime whose isn't gets the same answer.
        return isWindows() ? envValue(process.env, name) : process.env[name]
      } catch (error) {
        if (isPermissionError(error)) return undefined
        throw error
      }
    },
    environment(fallbackNames) {
      try {
        if (runtime === 'deno' && !wholeEnvironmentGranted()) throw denied()
        return Object.fromEntries(
          Object.entries(process.env).filter(
            (entry): entry is [string, string] => entry[1] !== undefined,
          ),
        )
      } catch (error) {
        if (!isPermissionError(error)) throw error
      }
      const readable: Record<string, string> = {}
      for (const name of fallbackNames) {
        const value = this.env(name)
        if (value !== undefined) readable[name] = value
      }
      return readable
    },
    cwd: () => process.cwd(),
    stdout: (text) => processOutput().stdout(text),
    stderr: (text) => processOutput().stderr(text),
    onOutputClosed: (listener) => processOutput().onClosed(listener),
    onSignal(signal, handler) {
      // On Windows, Ctrl-Break (SIGBREAK) stops the agent like SIGTERM does.
      const signals = windowsSignalsFor(signal)
      for (const name of signals) process.on(name, handler)
      return () => {
        for (const name of signals) process.off(name, handler)
      }
    },
    // Windows has no process groups: a handler's whole tree is ended with taskkill /T.
    killProcessGroup: (pgid, signal) =>
      isWindows() ? killWindowsTree(pgid, signal) : sendSignal(-pgid, signal),
    processExists: (pid) => sendSignal(pid, 0),
    exit: (code) => process.exit(code),
    missingGrants: (needed) => (runtime === 'deno' ? denoMissingGrants(needed) : []),
    safeFetch: (options = {}) =>
      runtime === 'deno'
        ? denoSafeFetch()
        : runtime === 'node'
          ? createRuntimeFetch({
              runtime: 'node',
              largeResponseHeaders: options.largeResponseHeaders ?? true,
            })
          : (input, init) => fetch(input, init),
  }
}

/** Response headers Node's fetch accepts here: a 16,384-character token and then some. */
export { MAX_RESPONSE_HEADER_BYTES }

interface DenoHttpApi {
  createHttpClient(options: { poolMaxIdlePerHost?: number }): unknown
}

function denoSafeFetch(): typeof fetch {
  const deno = (globalThis as { Deno?: DenoHttpApi }).Deno
  if (!deno?.createHttpClient) return (input, init) => fetch(input, init)
  // No idle connection is kept, so no request is ever retried on a stale one.
  const unpooled = deno.createHttpClient({ poolMaxIdlePerHost: 0 })
  return (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
    if (method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD') return fetch(input, init)
    return fetch(input, { ...init, client: unpooled } as RequestInit)
  }
}

interface DenoPermissions {
  querySync(descriptor: Record<string, string>): { state: string }
}

function denoMissingGrants(needed: readonly Grant[]): Grant[] {
  const permissions = (globalThis as { Deno?: { permissions?: DenoPermissions } }).Deno?.permissions
  if (!permissions) return []
  const field = {
    net: 'host',
    read: 'path',
    write: 'path',
    run: 'command',
    env: 'variable',
  } as const
  return needed.filter((grant) => {
    try {
      return (
        permissions.querySync({ name: grant.name, [field[grant.name]]: grant.value }).state !==
        'granted'
      )
    } catch {
      return true
    }
  })
}
