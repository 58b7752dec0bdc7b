import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ADMIN_TOKEN, CONFORMANCE_SCENARIO } from './helpers.ts'

/** A mock running in a child process. */
export interface SpawnedMock {
  url: string
  child: ChildProcess
  output: () => string
  stop(): Promise<number | null>
}

/** Writes the conformance scenario to a temporary file and returns its path. */
export function scenarioFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mock-'))
  const file = join(dir, 'scenario.json')
  writeFileSync(file, JSON.stringify(CONFORMANCE_SCENARIO))
  return file
}

const LISTENING = /^sms-mock listening on (http:\/\/\S+)$/m

/**
 * Spawns a mock and waits for its `sms-mock listening on URL` line (the first stdout line).
 * Rejects with the process output when it exits first or takes longer than `timeoutMs`.
 */
export function spawnMock(
  command: string,
  args: readonly string[],
  options: {
    env?: Record<string, string>
    cwd?: string
    timeoutMs?: number
    /** Also SIGTERM the process group on stop (for servers that start helpers). */
    stopGroup?: boolean
    /** Matches the line announcing the URL (group 1); default `sms-mock listening on URL`. */
    listening?: RegExp
  } = {},
): Promise<SpawnedMock> {
  const listening = options.listening ?? LISTENING
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it reaches the processes it starts (wrangler's
    // workerd, a wrapper's child).
    detached: true,
  })
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      // Already gone.
    }
  }
  let stdout = ''
  let stderr = ''
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup('SIGKILL')
      reject(new Error(`${command} did not print its listening line in time\n${output()}`))
    }, options.timeoutMs ?? 30_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      // Colour codes (ESC [ … m) would split the URL from its surroundings.
      const match = listening.exec(
        stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''),
      )
      if (match?.[1]) {
        clearTimeout(timer)
        const url = match[1]
        resolve({
          url,
          child,
          output,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode)
              const kill = setTimeout(() => signalGroup('SIGKILL'), 5_000)
              child.once('exit', (code) => {
                clearTimeout(kill)
                done(code)
              })
              child.kill('SIGTERM')
              // wrangler leaves workerd behind unless the whole group is told.
              if (options.stopGroup) setTimeout(() => signalGroup('SIGTERM'), 2_000)
            }),
        })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${command} exited with ${code} before listening\n${output()}`))
    })
  })
}

/**
 * The real binary of a runtime installed as a devDependency. node_modules/.bin holds shell (and,
 * for Deno, Node) wrappers that would take the signals meant for the server.
 */
export function runtimeBinary(name: 'bun' | 'deno'): string {
  const root = fileURLToPath(new URL('../../node_modules/', import.meta.url))
  const real = name === 'bun' ? join(root, 'bun/bin/bun.exe') : join(root, 'deno/deno')
  return existsSync(real) ? real : join(root, '.bin', name)
}

/** A port free right now on 127.0.0.1, for servers that can't be told to pick one (wrangler). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * `wrangler dev` serving the mock (Durable Objects, offline) on a free port with the conformance
 * scenario, keeping Durable Object storage in `persistTo`: start it twice over the same directory
 * and the second finds what the first stored, as an evicted object does.
 */
export async function startWranglerMock(persistTo: string): Promise<SpawnedMock> {
  const mockRoot = fileURLToPath(new URL('../..', import.meta.url))
  const port = await freePort()
  // Each its own inspector port: two at once otherwise both take 9229 and the second exits.
  const inspectorPort = await freePort()
  return spawnMock(
    process.execPath,
    [
      join(mockRoot, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persistTo,
      '--var',
      `SMS_MOCK_SCENARIO:${JSON.stringify(CONFORMANCE_SCENARIO)}`,
      '--var',
      `SMS_MOCK_ADMIN_TOKEN:${ADMIN_TOKEN}`,
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: mockRoot,
      env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
      listening: new RegExp(`(http://127\\.0\\.0\\.1:${port})`),
      timeoutMs: 60_000,
      stopGroup: true,
    },
  )
}
