import { describe, expect, it } from 'vitest'
import {
  decodeToolOutput,
  envValue,
  handlerLaunch,
  imageNameFromTasklist,
  isHandlerLaunchError,
  isWindows,
  killWindowsTree,
  machineGuidFromReg,
  type ProgramRunner,
  secretAccessFromIcacls,
  windowsHostIdentity,
  windowsRunGrants,
  windowsSecretFileAccess,
  windowsSignalsFor,
  windowsStateDir,
} from './windows.ts'

const WIN_ENV = { SystemRoot: 'C:\\Windows', ComSpec: 'C:\\Windows\\system32\\cmd.exe' }
/** Where the tests that need a real Windows (or Wine) say so. */
const ON_WINDOWS = isWindows()
const WINDOWS_ONLY = ON_WINDOWS ? '' : ' (skipped: Windows only; CI runs it under Wine)'

/** A runner that records its calls and answers from a table. */
function fakeRunner(answers: Record<string, { code: number | null; stdout: string }>) {
  const calls: string[][] = []
  const run: ProgramRunner = async (file, args) => {
    calls.push([file, ...args])
    const name = file.slice(file.lastIndexOf('\\') + 1).toLowerCase()
    return answers[name] ?? { code: null, stdout: '' }
  }
  return { run, calls }
}

describe('handler command lines on Windows', () => {
  it('runs a .cmd through cmd.exe /d /v:off /s /c with only the path and command name', () => {
    const launch = handlerLaunch('C:\\Program Files\\sms\\on start.cmd', 'START', WIN_ENV, 'win32')
    expect(launch).toEqual({
      file: 'C:\\Windows\\system32\\cmd.exe',
      args: ['/d', '/v:off', '/s', '/c', '""C:\\Program Files\\sms\\on start.cmd" START"'],
      verbatim: true,
    })
  })

  it('finds ComSpec whatever its case, else System32\\cmd.exe', () => {
    expect(handlerLaunch('C:\\h.BAT', 'STOP', { COMSPEC: 'D:\\cmd.exe' }, 'win32').file).toBe(
      'D:\\cmd.exe',
    )
    expect(handlerLaunch('C:\\h.bat', 'STOP', { SYSTEMROOT: 'E:\\Win' }, 'win32').file).toBe(
      'E:\\Win\\System32\\cmd.exe',
    )
  })

  it('refuses a .cmd path or command name that cmd.exe would interpret', () => {
    for (const [path, name] of [
      ['C:\\100%\\h.cmd', 'START'],
      ['C:\\h.cmd', 'START & calc'],
      ['C:\\h.cmd', 'START"'],
    ] as const) {
      let error: unknown
      try {
        handlerLaunch(path, name, WIN_ENV, 'win32')
      } catch (caught) {
        error = caught
      }
      expect(isHandlerLaunchError(error)).toBe(true)
    }
  })

  it('runs a .ps1 with PowerShell, no profile, execution policy bypassed, or SMS_POWERSHELL', () => {
    expect(handlerLaunch('C:\\h\\on-sync.ps1', 'SYNC', WIN_ENV, 'win32')).toEqual({
      file: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      args: [
        '-NoProfile',
        '-NonInteractive',
        '-ExecutionPolicy',
        'Bypass',
        '-File',
        'C:\\h\\on-sync.ps1',
        'SYNC',
      ],
      verbatim: false,
    })
    expect(
      handlerLaunch('C:\\h.ps1', 'SYNC', { ...WIN_ENV, SMS_POWERSHELL: 'pwsh.exe' }, 'win32').file,
    ).toBe('pwsh.exe')
  })

  it('starts an .exe itself, and anything off Windows as before', () => {
    expect(handlerLaunch('C:\\h.exe', 'DELETE', WIN_ENV, 'win32')).toEqual({
      file: 'C:\\h.exe',
      args: ['DELETE'],
      verbatim: false,
    })
    expect(handlerLaunch('/opt/h.cmd', 'START', {}, 'linux')).toEqual({
      file: '/opt/h.cmd',
      args: ['START'],
      verbatim: false,
    })
  })
})

describe('Windows facts', () => {
  it('looks environment variables up case-insensitively on Windows only', () => {
    expect(envValue({ Path: 'C:\\bin' }, 'PATH', 'win32')).toBe('C:\\bin')
    expect(envValue({ Path: 'C:\\bin' }, 'PATH', 'linux')).toBeUndefined()
  })

  it('keeps state under %ProgramData%\\sms-agent', () => {
    expect(windowsStateDir({ ProgramData: 'C:\\ProgramData' })).toBe('C:\\ProgramData\\sms-agent')
    expect(windowsStateDir({ PROGRAMDATA: 'D:\\Data\\' })).toBe('D:\\Data\\sms-agent')
    expect(windowsStateDir({})).toBe('C:\\ProgramData\\sms-agent')
  })

  it('reads the machine GUID from reg query output, and no placeholder', () => {
    const output =
      '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    39576B76-ACB4-430D-BD9B-9DEF372366E8\r\n'
    expect(machineGuidFromReg(output)).toBe('39576b76-acb4-430d-bd9b-9def372366e8')
    expect(
      machineGuidFromReg('MachineGuid REG_SZ 00000000-0000-0000-0000-000000000000'),
    ).toBeUndefined()
    expect(machineGuidFromReg('ERROR: The system was unable to find')).toBeUndefined()
  })

  it('decodes tool output in UTF-16LE (Wine, some consoles) or UTF-8', () => {
    const text = '"node.exe","32","Console"'
    expect(decodeToolOutput(new Uint8Array(Buffer.from(text, 'utf16le')))).toBe(text)
    expect(decodeToolOutput(new Uint8Array(Buffer.from(text, 'utf8')))).toBe(text)
  })

  it('reads the image name of a pid from tasklist CSV, none for an INFO line', () => {
    const csv = '"svchost.exe","1234","Services","0","12,000 K"\r\n'
    expect(imageNameFromTasklist(csv, 1234)).toBe('svchost.exe')
    expect(imageNameFromTasklist(csv, 12)).toBeUndefined()
    expect(
      imageNameFromTasklist('INFO: No tasks are running which match the specified criteria.', 5),
    ).toBeUndefined()
  })

  it('treats Ctrl-Break (SIGBREAK) like SIGTERM on Windows', () => {
    expect(windowsSignalsFor('SIGTERM', 'win32')).toEqual(['SIGTERM', 'SIGBREAK'])
    expect(windowsSignalsFor('SIGINT', 'win32')).toEqual(['SIGINT'])
    expect(windowsSignalsFor('SIGTERM', 'linux')).toEqual(['SIGTERM'])
  })
})

describe('Deno grants on Windows', () => {
  it('lets Deno run cmd.exe for .cmd handlers, PowerShell for .ps1, and taskkill', () => {
    const grants = windowsRunGrants(['C:\\h\\a.cmd', 'C:\\h\\b.ps1', 'C:\\h\\c.exe'], WIN_ENV)
    expect(grants).toContain('C:\\Windows\\system32\\cmd.exe')
    expect(grants).toContain('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')
    expect(grants).toContain('C:\\h\\c.exe')
    expect(grants).toContain('C:\\Windows\\System32\\taskkill.exe')
  })
})

describe('the host identity on Windows (programs faked)', () => {
  it('takes the machine id from reg, the image name from tasklist, the start from PowerShell', async () => {
    const { run, calls } = fakeRunner({
      'reg.exe': {
        code: 0,
        stdout: 'MachineGuid    REG_SZ    11111111-2222-3333-4444-555555555555',
      },
      'tasklist.exe': { code: 0, stdout: '"svchost.exe","77","Services","0","1 K"' },
      'powershell.exe': { code: 0, stdout: '638700000000000000\r\n' },
    })
    const identity = windowsHostIdentity({ run, env: WIN_ENV })
    expect(await identity.machineId()).toBe('11111111-2222-3333-4444-555555555555')
    expect(await identity.commandLine(77)).toEqual(['svchost.exe'])
    expect(await identity.processStart(77)).toBe('638700000000000000')
    expect(await identity.bootId()).toBeUndefined()
    expect(calls[0]?.[0]).toBe('C:\\Windows\\System32\\reg.exe')
  })

  it('answers undefined when PowerShell is absent or silent (Wine) and for a runtime image', async () => {
    const { run } = fakeRunner({
      'tasklist.exe': { code: 0, stdout: '"node.exe","77","Console","1","1 K"' },
      'powershell.exe': { code: 0, stdout: '' },
    })
    const identity = windowsHostIdentity({ run, env: WIN_ENV })
    expect(await identity.processStart(77)).toBeUndefined()
    // node.exe's arguments can't be read: whether it is an agent stays unknown.
    expect(await identity.commandLine(77)).toBeUndefined()
    expect(await identity.machineId()).toBeUndefined()
  })
})

describe('who can read a secrets file on Windows', () => {
  it('names the principals icacls grants read beyond the owner, SYSTEM and Administrators', () => {
    const shared =
      'C:\\sms\\token BUILTIN\\Users:(I)(RX)\r\n             NT AUTHORITY\\SYSTEM:(I)(F)\r\n             BUILTIN\\Administrators:(I)(F)\r\n             HOST\\ops:(F)\r\n\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n'
    expect(secretAccessFromIcacls(shared, 'HOST\\ops')).toEqual({
      verdict: 'exposed',
      who: ['BUILTIN\\Users'],
    })
    const private_ =
      'C:\\sms\\token NT AUTHORITY\\SYSTEM:(F)\r\n             HOST\\ops:(R)\r\n\r\nSuccessfully processed 1 files\r\n'
    expect(secretAccessFromIcacls(private_, 'HOST\\ops')).toEqual({ verdict: 'private' })
  })

  it('says plainly it cannot tell when icacls is missing, never guessing from mode bits', async () => {
    const { run } = fakeRunner({})
    const access = await windowsSecretFileAccess('C:\\sms\\token', { run, env: WIN_ENV })
    expect(access.verdict).toBe('unknown')
    expect(access).toMatchObject({ why: expect.stringContaining('0666') })
  })
})

describe('ending a handler tree with taskkill', () => {
  it('refuses pids that are no process id', async () => {
    const { run, calls } = fakeRunner({})
    expect(await killWindowsTree(0, 'SIGKILL', { run })).toBe(false)
    expect(await killWindowsTree(-3, 'SIGKILL', { run })).toBe(false)
    expect(calls).toEqual([])
  })

  it.skipIf(!ON_WINDOWS)(
    `kills a real process tree with taskkill /T /F${WINDOWS_ONLY}`,
    async () => {
      const { spawn } = await import('node:child_process')
      // A node.exe that starts a child node.exe and both wait forever.
      const parent = spawn(
        process.execPath,
        [
          '-e',
          `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000)`,
        ],
        { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
      )
      const childPid = await new Promise<number>((resolve) =>
        parent.stdout?.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))),
      )
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0)
          return true
        } catch {
          return false
        }
      }
      expect(alive(childPid)).toBe(true)
      expect(await killWindowsTree(parent.pid as number, 'SIGKILL')).toBe(true)
      const deadline = Date.now() + 10_000
      while ((alive(childPid) || alive(parent.pid as number)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(alive(childPid)).toBe(false)
      expect(alive(parent.pid as number)).toBe(false)
      expect(await killWindowsTree(parent.pid as number, 0)).toBe(false)
    },
    30_000,
  )

  it.skipIf(!ON_WINDOWS)(
    `stops on Ctrl-Break (SIGBREAK) like on SIGTERM${WINDOWS_ONLY}`,
    async () => {
      const { currentPlatform } = await import('./platform.ts')
      const received: string[] = []
      const stop = currentPlatform().onSignal('SIGTERM', () => received.push('stop'))
      try {
        process.emit('SIGBREAK')
      } finally {
        stop()
      }
      process.emit('SIGBREAK') // no longer listened for: nothing more
      expect(received).toEqual(['stop'])
    },
  )

  it.skipIf(!ON_WINDOWS)(
    `reads this machine's GUID and hostname for real${WINDOWS_ONLY}`,
    async () => {
      const identity = windowsHostIdentity()
      expect(await identity.machineId()).toMatch(/^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/)
      expect(identity.hostname()).toBeTruthy()
    },
    30_000,
  )
})
