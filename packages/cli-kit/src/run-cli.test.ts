import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import type { OptionTable } from './command-line.ts'
import { ConfigError } from './config-error.ts'
import {
  CLI_EXIT,
  type CliDefinition,
  type CliIo,
  type CliSignal,
  exitCodesHelp,
  runCli,
  signalExitCode,
} from './run-cli.ts'
import { boolean, duration, secretText, text } from './schemas.ts'

const OPTIONS = {
  name: { flag: '--name', env: 'T_NAME', schema: text(), default: 'world', help: 'who to greet' },
  pause: { flag: '--pause', schema: duration(), default: '0ms', as: 'pauseMs', help: 'wait' },
  loud: { flag: '--loud', schema: boolean(), default: false, help: 'shout' },
  password: { env: 'T_PASSWORD', schema: v.optional(secretText()), secret: true, help: 'secret' },
} as const satisfies OptionTable

function fakeIo(args: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const exits: number[] = []
  const handlers = new Map<CliSignal, () => void>()
  const io: CliIo = {
    args,
    env: (name) => env[name],
    cwd: '/',
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    onSignal(signal, handler) {
      handlers.set(signal, handler)
      return () => void handlers.delete(signal)
    },
    exit: (code) => void exits.push(code),
  }
  return {
    io,
    exits,
    handlers,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    send: (signal: CliSignal) => handlers.get(signal)?.(),
  }
}

const greet = (
  overrides: Partial<CliDefinition<typeof OPTIONS>> = {},
): CliDefinition<typeof OPTIONS> => ({
  command: { program: 'greet', options: OPTIONS, version: true },
  version: '1.2.3',
  help: { intro: ['Usage: greet [options]'], outro: ['Greets.'] },
  run: (values, { io }) => {
    io.stdout(`hello ${values.name}${values.loud ? '!' : ''}\n`)
    return 0
  },
  ...overrides,
})

describe('runCli', () => {
  it('runs the function with the parsed values and exits with its code', async () => {
    const run = fakeIo(['--name', 'ann', '--loud'])
    expect(await runCli(greet(), run.io)).toBe(0)
    expect(run.stdout()).toBe('hello ann!\n')
    expect(run.exits).toEqual([0])
    const failing = fakeIo([])
    expect(await runCli(greet({ run: () => 5 }), failing.io)).toBe(5)
    expect(failing.exits).toEqual([5])
  })

  it.each([['--version'], ['-V']])('answers %s with PROGRAM VERSION and exit 0', async (flag) => {
    const run = fakeIo([flag, '--bogus'])
    expect(await runCli(greet(), run.io)).toBe(CLI_EXIT.ok)
    expect(run.stdout()).toBe('greet 1.2.3\n')
    expect(run.stderr()).toBe('')
  })

  it('answers --help with the generated options and every exit code, wrapped to the width', async () => {
    const run = fakeIo(['--help'])
    run.io.columns = 60
    expect(await runCli(greet({ exitCodes: { 3: 'the greeting was refused' } }), run.io)).toBe(0)
    const help = run.stdout()
    expect(help).toContain('Usage: greet [options]')
    expect(help).toContain('--name TEXT')
    expect(help).toContain('Greets.')
    expect(help.replaceAll(/\s+/g, ' ')).toContain(
      'Exit codes: 0 done, or stopped cleanly by a signal; 1 unexpected failure; 2 bad configuration (nothing was done); 3 the greeting was refused; 130 a second SIGINT; 143 a second SIGTERM.',
    )
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(60)
  })

  it('prints --print-config with secrets redacted, or what the CLI prints', async () => {
    const run = fakeIo(['--print-config'], { T_PASSWORD: 'hunter2' })
    expect(await runCli(greet(), run.io)).toBe(0)
    expect(JSON.parse(run.stdout())).toMatchObject({
      name: 'world',
      password: '[redacted]',
      sources: { password: 'env T_PASSWORD', name: 'default' },
    })
    const custom = fakeIo(['--print-config'])
    const cli = greet({ printConfig: (values) => ({ greeting: `hi ${values.name}` }) })
    expect(await runCli(cli, custom.io)).toBe(0)
    expect(JSON.parse(custom.stdout())).toEqual({ greeting: 'hi world' })
  })

  it.each([
    [['--bogus'], 'greet: Unknown flag --bogus: see --help\n'],
    [
      ['--loud', '--loud'],
      'greet: Repeated flag --loud: expected it once (it is an on/off switch)\n',
    ],
    [['stray'], 'greet: Unexpected argument "stray": every option is a --flag (see --help)\n'],
  ])('answers %j with the one error line and exit 2, running nothing', async (args, line) => {
    const run = fakeIo(args)
    const ran: string[] = []
    expect(await runCli(greet({ run: () => void ran.push('ran') }), run.io)).toBe(CLI_EXIT.config)
    expect(run.stderr()).toBe(line)
    expect(run.stdout()).toBe('')
    expect(ran).toEqual([])
  })

  it('prints a ConfigError from the settings step or from the work the same way', async () => {
    const fromSettings = fakeIo(['--name', 'x'])
    const cli = greet({
      settings: (parsed) => {
        throw parsed.fail('name', `Invalid ${parsed.label('name')}: too short`)
      },
    })
    expect(await runCli(cli, fromSettings.io)).toBe(2)
    expect(fromSettings.stderr()).toBe('greet: Invalid --name: too short\n')
    const fromRun = fakeIo([], { T_NAME: 'x' })
    const late = greet({
      run: () => {
        throw new ConfigError('HTTPS_PROXY', 'Invalid HTTPS_PROXY: expected\na URL')
      },
    })
    expect(await runCli(late, fromRun.io)).toBe(2)
    expect(fromRun.stderr()).toBe('greet: Invalid HTTPS_PROXY: expected a URL\n')
  })

  it("describes the CLI's own errors with its code, anything else as an internal error (1)", async () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' })
    const known = fakeIo([])
    const cli = greet({
      run: () => {
        throw inUse
      },
      describeError: (error) =>
        error === inUse ? { message: 'the port is in use', exitCode: 2 } : undefined,
    })
    expect(await runCli(cli, known.io)).toBe(2)
    expect(known.stderr()).toBe('greet: the port is in use\n')
    const unknown = fakeIo([])
    const crash = greet({
      run: () => {
        throw new TypeError('x is not a function')
      },
    })
    expect(await runCli(crash, unknown.io)).toBe(CLI_EXIT.failure)
    expect(unknown.stderr()).toBe('greet: internal error: TypeError: x is not a function\n')
  })

  it('aborts the signal on the first SIGINT/SIGTERM and forces the exit on the second', async () => {
    const run = fakeIo([])
    const seen: string[] = []
    let release: () => void = () => {}
    const done = runCli(
      greet({
        run: async (_values, { signal, onForcedExit }) => {
          onForcedExit((name) => void seen.push(`forced ${name}`))
          await new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => seen.push(`abort ${signal.reason}`))
            release = resolve
          })
          return 0
        },
      }),
      run.io,
    )
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect([...run.handlers.keys()].sort()).toEqual(['SIGINT', 'SIGTERM'])
    run.send('SIGTERM')
    expect(seen).toEqual(['abort SIGTERM'])
    expect(run.exits).toEqual([])
    run.send('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(seen).toEqual(['abort SIGTERM', 'forced SIGINT'])
    expect(run.exits).toEqual([130])
    release()
    await done
    // The handlers are removed once the work is done.
    expect(run.handlers.size).toBe(0)
  })

  it('documents the shared exit codes, a CLI rewording or adding its own', () => {
    expect(signalExitCode('SIGINT')).toBe(130)
    expect(signalExitCode('SIGTERM')).toBe(143)
    expect(signalExitCode('SIGHUP')).toBe(129)
    expect(exitCodesHelp({ 0: 'done (q)' }, ['SIGINT'])).toEqual([
      'Exit codes: 0 done (q); 1 unexpected failure; 2 bad configuration (nothing was done); 130 a second SIGINT.',
    ])
  })
})

const FIXTURE = fileURLToPath(new URL('../test/fixtures/stubborn-cli.mjs', import.meta.url))
const BUILT = existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))

function startFixture(args: string[]) {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const waitFor = async (text: string) => {
    for (let i = 0; i < 400 && !stdout.includes(text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(stdout).toContain(text)
  }
  return { child, exited, waitFor, output: () => ({ stdout, stderr }) }
}

function kill(child: ChildProcess, signal: NodeJS.Signals) {
  expect(child.kill(signal)).toBe(true)
}

// The runner's signals in a real process (the test needs cli-kit's dist: `pnpm build` runs first).
describe.skipIf(!BUILT)('runCli in a child process', () => {
  it('stops cleanly on the first signal, with the code the work returns', async () => {
    const cli = startFixture(['--linger', '10ms'])
    await cli.waitFor('ready')
    kill(cli.child, 'SIGINT')
    expect(await cli.exited).toBe(7)
    expect(cli.output().stdout).toContain('stopping on SIGINT')
  })

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('exits %s at once on a second signal (exit %i)', async (signal, code) => {
    const cli = startFixture([])
    await cli.waitFor('ready')
    kill(cli.child, signal)
    await cli.waitFor('stopping on')
    const started = Date.now()
    kill(cli.child, signal)
    expect(await cli.exited).toBe(code)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(cli.output().stdout).toContain(`forced by ${signal}`)
  })

  it('exits 0 on --version and 2 on a bad flag, with a complete output on a pipe', async () => {
    const version = startFixture(['--version'])
    expect(await version.exited).toBe(0)
    expect(version.output().stdout).toBe('stubborn 9.8.7\n')
    const bad = startFixture(['--linger', 'soon'])
    expect(await bad.exited).toBe(2)
    expect(bad.output().stderr).toMatch(/^stubborn: Invalid --linger: .*received "soon"\n$/)
  })
})
