/**
 * Runs the real `sms-agent` as a child process on Node (dist/cli.js), Bun or Deno (src/cli.ts),
 * capturing every output line. Binaries come from node_modules, never from the PATH.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type Runtime = 'node' | 'bun' | 'deno'

export const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** The executable of a runtime, from this package's devDependencies. */
export function runtimeBinary(runtime: Runtime): string {
  if (runtime === 'node') return process.execPath
  if (runtime === 'bun') return join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe')
  return join(dirname(require.resolve('deno/package.json')), 'deno')
}

/** Whether the binary is installed (an optional dependency can be missing on exotic platforms). */
export function runtimeAvailable(runtime: Runtime): boolean {
  try {
    return existsSync(runtimeBinary(runtime))
  } catch {
    return false
  }
}

/** Deno permissions for a test run: the narrow set the README documents. */
export interface DenoGrants {
  net: string[]
  read: string[]
  write: string[]
  run: string[]
}

/** The argv that starts the agent on `runtime`. */
export function agentCommand(
  runtime: Runtime,
  args: readonly string[],
  grants?: DenoGrants,
): { file: string; args: string[] } {
  if (runtime === 'node') {
    return { file: runtimeBinary('node'), args: [join(AGENT_DIR, 'dist', 'cli.js'), ...args] }
  }
  const cli = join(AGENT_DIR, 'src', 'cli.ts')
  if (runtime === 'bun') return { file: runtimeBinary('bun'), args: [cli, ...args] }
  const permissions = grants
    ? [
        `--allow-net=${grants.net.join(',')}`,
        `--allow-read=${grants.read.join(',')}`,
        `--allow-write=${grants.write.join(',')}`,
        `--allow-run=${grants.run.join(',')}`,
        '--allow-env=SMS_*,NODE_V8_COVERAGE,PATH,HOME,LANG,HTTPS_PROXY,HTTP_PROXY,NO_PROXY,https_proxy,http_proxy,no_proxy',
      ]
    : ['--allow-all']
  return { file: runtimeBinary('deno'), args: ['run', '--quiet', ...permissions, cli, ...args] }
}

/** A running agent process. */
export interface AgentProcess {
  child: ChildProcess
  /** Every stdout and stderr line so far. */
  readonly lines: string[]
  readonly stderr: string[]
  /** NDJSON events parsed from stdout (non-JSON lines skipped). */
  events(): Record<string, unknown>[]
  waitForEvent(
    predicate: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>
  /** Resolves with the exit code (or 128 + signal number). */
  readonly exited: Promise<number>
  readonly pid: number
}

const SIGNALS: Readonly<Record<string, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

/**
 * Starts the agent and collects its output.
 *
 * @example
 * const agent = startAgentProcess('node', ['--once', …], { SMS_TOKEN: 't' })
 * expect(await agent.exited).toBe(0)
 */
export function startAgentProcess(
  runtime: Runtime,
  args: readonly string[],
  env: Record<string, string>,
  grants?: DenoGrants,
): AgentProcess {
  const command = agentCommand(runtime, args, grants)
  const child = spawn(command.file, command.args, {
    cwd: AGENT_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const stderr: string[] = []
  const waiters: (() => void)[] = []
  const collect = (sink: string[]) => {
    let buffered = ''
    return (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const parts = buffered.split('\n')
      buffered = parts.pop() ?? ''
      for (const line of parts) {
        if (line === '') continue
        lines.push(line)
        if (sink !== lines) sink.push(line)
      }
      for (const wake of waiters.splice(0)) wake()
    }
  }
  child.stdout?.on('data', collect(lines))
  child.stderr?.on('data', collect(stderr))
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const wake of waiters.splice(0)) wake()
      resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))
    })
  })
  const events = () =>
    lines.flatMap((line) => {
      if (!line.startsWith('{')) return []
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })
  let done = false
  void exited.then(() => {
    done = true
  })
  return {
    child,
    lines,
    stderr,
    events,
    exited,
    pid: child.pid ?? 0,
    async waitForEvent(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = events().find(predicate)
        if (found) return found
        if (done)
          throw new Error(`agent exited before the awaited event; output:\n${lines.join('\n')}`)
        const remaining = deadline - Date.now()
        if (remaining <= 0)
          throw new Error(`timed out waiting for an event; output:\n${lines.join('\n')}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(remaining, 200))
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
  }
}
