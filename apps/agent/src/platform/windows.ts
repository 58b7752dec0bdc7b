import { spawn } from 'node:child_process'
import { hostname } from 'node:os'
import process from 'node:process'
import type { HostIdentity } from './host-identity-types.ts'

/**
 * What the agent does differently on Windows, in one place: how a handler is started (`.exe`,
 * `.cmd`/`.bat` through cmd.exe, `.ps1` through PowerShell), how a handler's tree is ended
 * (`taskkill /T`), where state lives (`%ProgramData%`), what identifies the machine (the machine
 * GUID) and a process (its creation time), and what can be said about who reads a secrets file.
 * Every function takes its Windows facts (environment, a program runner) as arguments, so the
 * logic is tested on Linux too; `apps/agent/test/windows/` runs it for real under Wine.
 */

/** True on Windows (`process.platform` by default). */
export function isWindows(platform: string = process.platform): boolean {
  return platform === 'win32'
}

/**
 * One environment variable, found the way Windows finds it: whatever the case of its name
 * (`Path`, `PATH` and `path` are one variable there). Elsewhere the exact name only.
 *
 * @example
 * envValue({ Path: 'C:\\Windows' }, 'PATH', 'win32') // 'C:\\Windows'
 */
export function envValue(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  platform: string = process.platform,
): string | undefined {
  if (env[name] !== undefined || !isWindows(platform)) return env[name]
  const upper = name.toUpperCase()
  for (const [key, value] of Object.entries(env)) {
    if (key.toUpperCase() === upper && value !== undefined) return value
  }
  return undefined
}

/** How to start a handler: the program, its arguments, and whether they are passed verbatim. */
export interface HandlerLaunch {
  file: string
  args: string[]
  /** Passed to `spawn` as `windowsVerbatimArguments` (cmd.exe's own quoting, see below). */
  verbatim: boolean
}

/** Why a handler can't be started safely on Windows (reported as `spawn-failed`). */
export class HandlerLaunchError extends Error {
  override readonly name = 'HandlerLaunchError' as const
}

/** True for a {@link HandlerLaunchError}. */
export function isHandlerLaunchError(error: unknown): error is HandlerLaunchError {
  return error instanceof Error && error.name === 'HandlerLaunchError'
}

/** The variables the Windows code reads, tried one by one where the whole environment can't be. */
const WINDOWS_VARIABLES = [
  'SystemRoot',
  'ComSpec',
  'ProgramData',
  'ALLUSERSPROFILE',
  'SMS_POWERSHELL',
  'USERDOMAIN',
  'USERNAME',
]

/**
 * This process's environment as far as it may be read: all of it, or (Deno with a narrow
 * `--allow-env`, where reading an ungranted variable throws) the readable ones this module uses.
 *
 * @example
 * windowsStateDir(readableEnvironment()) // 'C:\\ProgramData\\sms-agent'
 */
export function readableEnvironment(): Record<string, string | undefined> {
  try {
    return { ...process.env }
  } catch {
    const env: Record<string, string | undefined> = {}
    for (const name of WINDOWS_VARIABLES) {
      try {
        env[name] = process.env[name]
      } catch {
        // Not granted: unknown, and the defaults apply.
      }
    }
    return env
  }
}

/** Windows's own directory (`%SystemRoot%\System32`), for cmd.exe, taskkill, reg and icacls. */
function system32(env: Readonly<Record<string, string | undefined>>): string {
  const root = envValue(env, 'SystemRoot', 'win32') ?? 'C:\\Windows'
  return `${root.replace(/\\+$/, '')}\\System32`
}

/**
 * The command line that starts handler `path` for `commandName`. Off Windows, and for `.exe`/`.com`
 * (or no extension), the handler itself with the command name as its one argument. A `.cmd`/`.bat`
 * can only run inside cmd.exe (Node refuses to start one without a shell since CVE-2024-27980):
 * `cmd.exe /d /v:off /s /c ""C:\path\h.cmd" START"`: no AutoRun commands (`/d`), no delayed
 * expansion (`/v:off`), the quotes around the whole line stripped as one pair (`/s`). Only the
 * path and the command name are on that line; the task id and bucket, which SMS controls, travel
 * only in the environment, never through cmd.exe's parser. A path holding `"` (no Windows file
 * name does) or `%` (cmd.exe would expand it) is refused. A `.ps1` runs in
 * `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File` (or the program in
 * `SMS_POWERSHELL`, such as pwsh), whose arguments Node quotes the usual way.
 *
 * @throws {HandlerLaunchError}
 * @example
 * handlerLaunch('C:\\h\\on-start.cmd', 'START', process.env, 'win32').file // 'C:\\Windows\\System32\\cmd.exe'
 */
export function handlerLaunch(
  path: string,
  commandName: string,
  env: Readonly<Record<string, string | undefined>>,
  platform: string = process.platform,
): HandlerLaunch {
  if (!isWindows(platform)) return { file: path, args: [commandName], verbatim: false }
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase()
  if (extension === 'cmd' || extension === 'bat') {
    // The command name is one of SMS's known names (chooseHandler refuses others); checked
    // again here because this line is parsed by cmd.exe.
    if (!/^[A-Za-z0-9_-]+$/.test(commandName)) {
      throw new HandlerLaunchError(
        `refusing to pass the command name ${JSON.stringify(commandName)} through cmd.exe: only letters, digits, _ and - are safe there`,
      )
    }
    if (/["%\r\n]/.test(path)) {
      throw new HandlerLaunchError(
        `cannot start ${path} through cmd.exe: its path holds " or %, which cmd.exe would interpret; move the handler to a path without them`,
      )
    }
    const cmd = envValue(env, 'ComSpec', platform) ?? `${system32(env)}\\cmd.exe`
    return {
      file: cmd,
      args: ['/d', '/v:off', '/s', '/c', `""${path}" ${commandName}"`],
      verbatim: true,
    }
  }
  if (extension === 'ps1') {
    const shell =
      envValue(env, 'SMS_POWERSHELL', platform) ??
      `${system32(env)}\\WindowsPowerShell\\v1.0\\powershell.exe`
    return {
      file: shell,
      args: [
        '-NoProfile',
        '-NonInteractive',
        '-ExecutionPolicy',
        'Bypass',
        '-File',
        path,
        commandName,
      ],
      verbatim: false,
    }
  }
  return { file: path, args: [commandName], verbatim: false }
}

/** True when `path` names a program Windows can start as a handler (by its extension). */
export function isWindowsHandlerPath(path: string): boolean {
  return /\.(exe|com|cmd|bat|ps1)$/i.test(path)
}

/** What a Windows program printed and how it ended (`code` null: it could not run, or timed out). */
export interface ProgramResult {
  code: number | null
  stdout: string
}

/** Runs a program and collects its output; never rejects. */
export type ProgramRunner = (
  file: string,
  args: string[],
  timeoutMs: number,
) => Promise<ProgramResult>

/**
 * Windows tools write UTF-16LE when their output is redirected (Wine's `tasklist`, PowerShell
 * with some settings), else the console code page: told apart by the zero bytes UTF-16 puts
 * after every ASCII character.
 *
 * @example
 * decodeToolOutput(new Uint8Array([0x6f, 0, 0x6b, 0])) // 'ok'
 */
export function decodeToolOutput(bytes: Uint8Array): string {
  let zeros = 0
  for (let index = 1; index < bytes.length; index += 2) if (bytes[index] === 0) zeros++
  const utf16 = bytes.length >= 2 && zeros * 2 >= bytes.length / 2
  return new TextDecoder(utf16 ? 'utf-16le' : 'utf-8').decode(bytes)
}

/**
 * The default {@link ProgramRunner}: `spawn` without a shell, output decoded with
 * {@link decodeToolOutput}, killed past `timeoutMs`.
 *
 * @example
 * const { code, stdout } = await runProgram('reg', ['query', 'HKLM\\SOFTWARE'], 5000)
 */
export const runProgram: ProgramRunner = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    const chunks: Uint8Array[] = []
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true })
    } catch {
      resolve({ code: null, stdout: '' })
      return
    }
    const timer = setTimeout(() => child.kill(), timeoutMs)
    child.stdout?.on('data', (chunk: Uint8Array) => chunks.push(chunk))
    child.on('error', () => {
      clearTimeout(timer)
      resolve({ code: null, stdout: '' })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: decodeToolOutput(Buffer.concat(chunks)) })
    })
  })

/**
 * Ends process `pid` and every process it started: `taskkill /T /F /PID pid`. Windows has no
 * process groups to signal, and killing the top process alone would leave a `.cmd` handler's
 * children running. Every signal but `0` (which only probes) forces at once: a console program
 * can't be asked to stop from outside its console (`taskkill` without `/F` is refused for it, and
 * under Wine it ends the top process only, after which the orphans can no longer be found by
 * their parent). So on Windows a handler gets no SIGTERM grace: `--shutdown-grace` still lets it
 * finish on its own, `--kill-grace` has nothing to wait for. False when no process has that pid.
 *
 * @example
 * await killWindowsTree(4242, 'SIGTERM') // taskkill /T /F /PID 4242
 */
export async function killWindowsTree(
  pid: number,
  signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL' | 0,
  options: { run?: ProgramRunner; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (!windowsPidExists(pid)) return false
  if (signal === 0) return true
  const run = options.run ?? runProgram
  const taskkill = `${system32(options.env ?? readableEnvironment())}\\taskkill.exe`
  const { code } = await run(taskkill, ['/T', '/F', '/PID', String(pid)], 10_000)
  // 128: "process not found" (it ended meanwhile).
  if (code === 128) return false
  if (code !== 0) {
    // taskkill missing or refused: at least end the top process (TerminateProcess).
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      return windowsPidExists(pid)
    }
  }
  return true
}

function windowsPidExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM'
  }
}

/**
 * Where the agent keeps its journal on Windows when `--state-dir` is not given:
 * `%ProgramData%\sms-agent` (`C:\ProgramData\sms-agent`), machine-wide like `/var/lib/sms-agent`.
 *
 * @example
 * windowsStateDir({ ProgramData: 'D:\\Data' }) // 'D:\\Data\\sms-agent'
 */
export function windowsStateDir(env: Readonly<Record<string, string | undefined>>): string {
  const base =
    envValue(env, 'ProgramData', 'win32') ??
    envValue(env, 'ALLUSERSPROFILE', 'win32') ??
    'C:\\ProgramData'
  return `${base.replace(/[\\/]+$/, '')}\\sms-agent`
}

/**
 * The machine GUID from `reg query HKLM\SOFTWARE\Microsoft\Cryptography /v MachineGuid` output,
 * lower case, or undefined. Set at installation and renewed by sysprep: a clone of a sysprepped
 * image gets its own, a raw disk copy keeps it (like `/etc/machine-id`).
 *
 * @example
 * machineGuidFromReg('    MachineGuid    REG_SZ    39576B76-ACB4-430D-BD9B-9DEF372366E8') // '39576b76-acb4-430d-bd9b-9def372366e8'
 */
export function machineGuidFromReg(output: string): string | undefined {
  const guid = /MachineGuid\s+REG_SZ\s+([0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12})/.exec(
    output,
  )?.[1]
  return guid && !/^[0-]+$/.test(guid) ? guid.toLowerCase() : undefined
}

/**
 * The image name in `tasklist /FI "PID eq N" /FO CSV /NH` output, or undefined when no process
 * has that pid (tasklist then prints an INFO line).
 *
 * @example
 * imageNameFromTasklist('"node.exe","32","Console","1","129,808 K"\r\n') // 'node.exe'
 */
export function imageNameFromTasklist(output: string, pid: number): string | undefined {
  for (const line of output.split(/\r?\n/)) {
    const fields = [...line.matchAll(/"([^"]*)"/g)].map((match) => match[1] ?? '')
    if (fields.length >= 2 && fields[1] === String(pid)) return fields[0]
  }
  return undefined
}

/** PowerShell that prints a process's creation time in 100 ns ticks (UTC), or nothing. */
const START_TICKS = (pid: number) =>
  `$p = Get-Process -Id ${pid} -ErrorAction SilentlyContinue; if ($p) { $p.StartTime.ToUniversalTime().Ticks }`

/**
 * The host identity on Windows. `machineId` is the machine GUID (`reg query`); `productUuid` is
 * not read (it needs WMI, absent from Server Core images and from Wine); `bootId` is unknown (a
 * boot time computed from the uptime jitters, and a wrong "another boot" would let two agents
 * share a journal). `processStart` is the process's creation time from PowerShell's
 * `Get-Process` (`.StartTime`, what Windows records at CreateProcess); without PowerShell (Wine,
 * stripped images) it is unknown and the lock falls back to `commandLine`, which gives the image
 * name from `tasklist`: a pid now held by something that is no runtime or sms-agent proves the
 * lock stale; a runtime's pid counts as a live agent (Windows reuses pids quickly, so after a
 * crash the lock may be refused until that process ends: the documented limit).
 *
 * @example
 * const guid = await windowsHostIdentity().machineId()
 */
export function windowsHostIdentity(
  options: { run?: ProgramRunner; env?: Readonly<Record<string, string | undefined>> } = {},
): HostIdentity {
  const run = options.run ?? runProgram
  const env = options.env ?? readableEnvironment()
  const bin = system32(env)
  return {
    async bootId() {
      return undefined
    },
    async processStart(pid) {
      const shell =
        envValue(env, 'SMS_POWERSHELL', 'win32') ??
        `${bin}\\WindowsPowerShell\\v1.0\\powershell.exe`
      const { code, stdout } = await run(
        shell,
        ['-NoProfile', '-NonInteractive', '-Command', START_TICKS(pid)],
        15_000,
      )
      const ticks = stdout.trim()
      return code === 0 && /^\d{6,}$/.test(ticks) ? ticks : undefined
    },
    async commandLine(pid) {
      const { code, stdout } = await run(
        `${bin}\\tasklist.exe`,
        ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH'],
        10_000,
      )
      if (code !== 0) return undefined
      const image = imageNameFromTasklist(stdout, pid)
      // A runtime's arguments can't be read without WMI: whether it runs an agent is unknown.
      if (image === undefined || /^(node|bun|deno)\.exe$/i.test(image)) return undefined
      return [image]
    },
    async machineId() {
      const { code, stdout } = await run(
        `${bin}\\reg.exe`,
        ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid'],
        10_000,
      )
      return code === 0 ? machineGuidFromReg(stdout) : undefined
    },
    async productUuid() {
      return undefined
    },
    hostname() {
      try {
        return hostname()
      } catch {
        return undefined
      }
    },
  }
}

/** Who may read a secrets file, as far as the platform can tell. */
export type SecretFileAccess =
  | { verdict: 'private' }
  | { verdict: 'exposed'; who: string[] }
  | { verdict: 'unknown'; why: string }

/** Principals whose read access to a secrets file is expected: the owner's side of the machine. */
const TRUSTED_PRINCIPALS =
  /^(NT AUTHORITY\\SYSTEM|BUILTIN\\Administrators|NT SERVICE\\.+|CREATOR OWNER|NT AUTHORITY\\LOCAL SERVICE|NT AUTHORITY\\NETWORK SERVICE)$/i

/**
 * Reads `icacls FILE` output: the principals other than SYSTEM, Administrators, services and
 * `owner` that are granted read (`R`, `RX`, `M`, `F`, or `GR`/`GA`) on the file. `Everyone`,
 * `BUILTIN\Users` and `Authenticated Users` are what a file under `C:\Users\Public` or a
 * `C:\` folder inherits.
 *
 * @example
 * secretAccessFromIcacls('C:\\t.txt BUILTIN\\Users:(I)(RX)\n', 'HOST\\ops').verdict // 'exposed'
 */
export function secretAccessFromIcacls(
  output: string,
  owner: string | undefined,
): SecretFileAccess {
  const who: string[] = []
  let entries = 0
  for (const match of output.matchAll(/(?:^|\s)([^\s:(][^:(]*?):((?:\([A-Z,]+\))+)/gm)) {
    const principal = (match[1] ?? '').trim()
    const rights = match[2] ?? ''
    entries++
    if (!/\((?:[^)]*,)?(?:F|M|RX|R|GR|GA)(?:,[^)]*)?\)/.test(rights)) continue
    if (TRUSTED_PRINCIPALS.test(principal)) continue
    if (owner && principal.toLowerCase() === owner.toLowerCase()) continue
    who.push(principal)
  }
  if (entries === 0) return { verdict: 'unknown', why: 'icacls printed no access entries' }
  return who.length === 0 ? { verdict: 'private' } : { verdict: 'exposed', who }
}

/**
 * Who may read secrets file `path` on Windows, from `icacls`. Windows reports every file's mode as
 * 0666 (0444 read-only), so mode bits say nothing there; without icacls the answer is plainly
 * `unknown`, never a guess from them.
 *
 * @example
 * const access = await windowsSecretFileAccess('C:\\ProgramData\\sms-agent\\token')
 * if (access.verdict === 'exposed') console.warn(`readable by ${access.who.join(', ')}`)
 */
export async function windowsSecretFileAccess(
  path: string,
  options: { run?: ProgramRunner; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<SecretFileAccess> {
  const env = options.env ?? readableEnvironment()
  const run = options.run ?? runProgram
  const { code, stdout } = await run(`${system32(env)}\\icacls.exe`, [path], 10_000)
  if (code !== 0 || stdout.trim() === '') {
    return {
      verdict: 'unknown',
      why: 'icacls is not available: on Windows the mode bits (always 0666) do not say who can read a file',
    }
  }
  const domain = envValue(env, 'USERDOMAIN', 'win32')
  const user = envValue(env, 'USERNAME', 'win32')
  return secretAccessFromIcacls(stdout, domain && user ? `${domain}\\${user}` : user)
}

/**
 * The signals a Windows console delivers that mean "stop": Ctrl-C is SIGINT, Ctrl-Break (and a
 * service wrapper's stop, which sends one of the two) is SIGBREAK. SIGBREAK is treated as
 * SIGTERM: asked to listen for SIGTERM, the agent also listens for SIGBREAK on Windows.
 *
 * @example
 * windowsSignalsFor('SIGTERM', 'win32') // ['SIGTERM', 'SIGBREAK']
 */
export function windowsSignalsFor(
  signal: string,
  platform: string = process.platform,
): NodeJS.Signals[] {
  const own = signal as NodeJS.Signals
  return isWindows(platform) && signal === 'SIGTERM' ? [own, 'SIGBREAK'] : [own]
}

/**
 * The programs a Deno agent on Windows must be allowed to run beside its handlers
 * (`--allow-run`): cmd.exe for `.cmd`/`.bat` handlers, PowerShell for `.ps1`, taskkill to end a
 * handler's tree (what `kill` is on Linux), and reg, tasklist and PowerShell for the machine and
 * lock facts (without them those facts are unknown, nothing fails).
 *
 * @example
 * windowsRunGrants(['C:\\h\\on-start.cmd'], process.env) // ['C:\\Windows\\system32\\cmd.exe', …taskkill.exe, …]
 */
export function windowsRunGrants(
  handlers: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const bin = system32(env)
  const programs = handlers.map((handler) => handlerLaunch(handler, 'START', env, 'win32').file)
  const powershell =
    envValue(env, 'SMS_POWERSHELL', 'win32') ?? `${bin}\\WindowsPowerShell\\v1.0\\powershell.exe`
  return [
    ...new Set([
      ...programs,
      `${bin}\\taskkill.exe`,
      `${bin}\\reg.exe`,
      `${bin}\\tasklist.exe`,
      powershell,
    ]),
  ]
}
