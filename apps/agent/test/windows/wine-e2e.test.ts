/**
 * The agent as a Windows program, end to end: the Windows node.exe runs dist/cli.js under Wine
 * against the real mock (Linux Node, 127.0.0.1, port 0), with a `.cmd` handler. Mid-handler the
 * agent's whole tree is killed with `taskkill /T /F` and the agent restarted, twice; every command
 * must have run once and every result been recorded once. One task id is full of cmd.exe
 * metacharacters: it reaches the handler's environment unchanged and runs nothing else. Then
 * Ctrl-C's signal from outside (SIGINT) stops the agent cleanly. The one-file sms-agent.exe
 * (Bun's Windows runtime) and bun.exe running the source each handle a command with --once. Skipped with a reason where Wine 10 or node.exe is missing.
 */
import { type ChildProcess, execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from '../../src/version.ts'
import { AGENT_DIR } from '../agent-process.ts'
import { type Mock, startMock } from '../mock.ts'
import {
  REPO_ROOT,
  runUnderWine,
  startUnderWine,
  WINE_BUN,
  WINE_DENO,
  WINE_DENO_LEFTOVERS,
  WINE_MISSING,
  WINE_NODE,
  WINE_NOTE,
  winPath,
} from './wine.ts'

const TOKEN = 'tok-SECRET-wine-e2e-41c9'
const SERVER = 'srv-wine-e2e'
const COMMANDS = 8
const KILLS = 2
const HOOK = `file:///${winPath(join(REPO_ROOT, 'scripts', 'ci', 'wine-realpath.mjs')).replaceAll('\\', '/')}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** An agent under Wine: its child (wine-run, exec'd into node.exe) and its log file. */
interface WineAgent {
  child: ChildProcess
  logFile: string
  exited: Promise<number | null>
  events(): Record<string, unknown>[]
}

function startAgent(dir: string, index: number, args: string[]): WineAgent {
  const logFile = join(dir, `agent-${index}.log`)
  const child = startUnderWine(
    WINE_NODE,
    [`--import=${HOOK}`, winPath(join(AGENT_DIR, 'dist', 'cli.js')), ...args],
    { env: { SMS_TOKEN: TOKEN }, logFile },
  )
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return {
    child,
    logFile,
    exited,
    events() {
      const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''
      return text.split(/\r?\n/).flatMap((line) => {
        try {
          const event = JSON.parse(line)
          return typeof event === 'object' && event ? [event as Record<string, unknown>] : []
        } catch {
          return []
        }
      })
    },
  }
}

describe.skipIf(WINE_MISSING !== undefined)(
  `the agent under Wine (node.exe, a .cmd handler)${WINE_NOTE}`,
  () => {
    let mock: Mock
    let dir: string
    const agents: WineAgent[] = []

    beforeAll(async () => {
      dir = await mkdtemp(join('/tmp', 'agent-wine-e2e-'))
      mock = await startMock({ tokens: [TOKEN] })
    })

    afterAll(async () => {
      for (const agent of agents) agent.child.kill('SIGKILL')
      await mock?.close()
    })

    it('runs every command once and records every result once through taskkill /T /F restarts', async () => {
      const runsFile = join(dir, 'runs.txt')
      const pwned = join(dir, 'pwned.txt')
      await writeFile(runsFile, '')
      const hostile = `w-3" & echo pwned>"${winPath(pwned)}" & "x | calc ^ <nul %PATH% !PATH! (y)`
      const tasks = Array.from({ length: COMMANDS }, (_, index) =>
        index === 3 ? hostile : `w-${index}`,
      )
      const handler = join(dir, 'on command.cmd')
      // Records the task id as stored (`set NAME` neither expands nor parses the value), works
      // about a second (a node.exe), then answers.
      await writeFile(
        handler,
        [
          '@echo off',
          `set SMS_TASK_ID>>"${winPath(runsFile)}"`,
          `"${winPath(WINE_NODE)}" -e "setTimeout(() => {}, 900)"`,
          'echo done %SMS_COMMAND%',
          '',
        ].join('\r\n'),
      )
      await mock.register(SERVER)
      await mock.enqueue(
        SERVER,
        tasks.map((task, index) => ({
          command_name: ['START', 'SYNC', 'STOP', 'DELETE'][index % 4] as string,
          command_param: { task_id: task, bucket: index === 3 ? 'b & del *' : 'b-1' },
        })),
      )
      const args = [
        '--endpoint',
        mock.url,
        '--server-id',
        SERVER,
        '--state-dir',
        winPath(join(dir, 'state')),
        '--handler',
        winPath(handler),
        '--interval',
        '100ms',
        '--first-poll-jitter',
        '0ms',
        '--backoff-base',
        '50ms',
        '--backoff-max',
        '500ms',
        '--handler-timeout',
        '60s',
        '--log-format',
        'json',
      ]
      const runs = () =>
        readFileSync(runsFile, 'utf8')
          .split(/\r?\n/)
          .filter((line) => line !== '')
          .map((line) => line.replace(/^SMS_TASK_ID=/, ''))
      const deadline = Date.now() + 300_000
      const waitFor = async (what: string, predicate: () => boolean | Promise<boolean>) => {
        while (!(await predicate())) {
          if (Date.now() > deadline) {
            const log = agents.at(-1)?.logFile
            throw new Error(
              `timed out waiting for ${what}; last agent log:\n${log && existsSync(log) ? readFileSync(log, 'utf8').slice(-3000) : '(none)'}`,
            )
          }
          await sleep(50)
        }
      }

      let agent = startAgent(dir, 0, args)
      agents.push(agent)
      for (let kill = 0; kill < KILLS; kill++) {
        // A handler verifiably running (its line is in the runs file, its node.exe sleeping).
        const before = runs().length
        await waitFor(`a handler to start before kill ${kill + 1}`, () => runs().length > before)
        await sleep(200)
        const start = agent.events().find((event) => event.event === 'agent.start')
        const pid = Number(start?.pid)
        expect(pid).toBeGreaterThan(0)
        const killed = await runUnderWine('taskkill', ['/T', '/F', '/PID', String(pid)], {
          logFile: join(dir, `taskkill-${kill}.log`),
          timeoutMs: 60_000,
        })
        expect(killed.code, killed.output).toBe(0)
        await agent.exited
        agent = startAgent(dir, kill + 1, args)
        agents.push(agent)
      }
      await waitFor('every result', async () => (await mock.results(SERVER)).length >= COMMANDS)

      // Ctrl-C's signal from outside the console: a clean stop, exit 0.
      await waitFor('the last agent to be polling', () =>
        agent.events().some((event) => event.event === 'agent.start'),
      )
      agent.child.kill('SIGINT')
      expect(await agent.exited).toBe(0)

      const results = await mock.results(SERVER)
      // Every result recorded once, in queue order, each its own command's.
      expect(results.map((result) => result.command.command_param.task_id)).toEqual(tasks)
      // Every handler ran once: the killed ones too (they are reported interrupted, never rerun).
      expect([...runs()].sort()).toEqual([...tasks].sort())
      const interrupted = results.filter((result) => result.result_detail.reason === 'interrupted')
      expect(interrupted.length).toBeGreaterThanOrEqual(1)
      expect(interrupted.length).toBeLessThanOrEqual(KILLS)
      for (const result of results) {
        if (result.result_detail.reason === 'interrupted') continue
        expect(result).toMatchObject({ result: 'success', result_detail: { exit_code: 0 } })
        expect(result.result_detail.output).toBe(`done ${result.command.command_name}\r\n`)
      }
      // The metacharacters ran nothing.
      expect(existsSync(pwned)).toBe(false)
      // No log line carries the token.
      for (const each of agents) expect(readFileSync(each.logFile, 'utf8')).not.toContain(TOKEN)
      console.log(
        `[wine e2e] ${COMMANDS} commands, ${runs().length} handler runs, ${results.length} results (${interrupted.length} interrupted by taskkill /T /F), ${KILLS} restarts`,
      )
    }, 360_000)
  },
)

describe.skipIf(WINE_MISSING !== undefined)(
  `the one-file sms-agent.exe (Bun's Windows runtime)${WINE_NOTE}`,
  () => {
    const exe = join(AGENT_DIR, 'dist', 'bin', 'sms-agent.exe')
    let mock: Mock
    let dir: string

    beforeAll(async () => {
      // Built by the package's compile script (compiled.test.ts builds every target too).
      if (!existsSync(exe)) {
        await promisify(execFile)(
          process.execPath,
          ['scripts/compile.mjs', '--only', 'windows-x64'],
          {
            cwd: AGENT_DIR,
            timeout: 120_000,
          },
        )
      }
      dir = await mkdtemp(join('/tmp', 'agent-wine-exe-'))
      mock = await startMock({ tokens: [TOKEN] })
    }, 150_000)

    afterAll(async () => {
      await mock?.close()
    })

    it('prints its version under Wine', async () => {
      const { code, output } = await runUnderWine(exe, ['--version'], {
        logFile: join(dir, 'version.log'),
        timeoutMs: 60_000,
      })
      expect(code).toBe(0)
      expect(output).toMatch(
        new RegExp(
          `^sms-agent ${VERSION.replace(/\./g, '\\.')} \\(bun \\d+\\.\\d+\\.\\d+, single-file executable\\)\\r?$`,
          'm',
        ),
      )
    }, 90_000)

    /** The agent's flags for one `--once` run against the mock with a .cmd handler. */
    const onceFlags = (serverId: string) => [
      ...['--endpoint', mock.url, '--server-id', serverId, '--once'],
      ...['--state-dir', winPath(join(dir, `state-${serverId}`))],
      ...['--handler', winPath(join(dir, `${serverId}.cmd`))],
    ]

    /** One command handled by `program args…` with `--once`, its .cmd handler's output reported. */
    async function handlesOnce(serverId: string, program: string, prefix: string[]) {
      await writeFile(join(dir, `${serverId}.cmd`), '@echo off\r\necho ran %SMS_COMMAND%\r\n')
      await mock.register(serverId)
      await mock.enqueue(serverId, [
        { command_name: 'START', command_param: { task_id: 'once-1' } },
      ])
      const { code, output } = await runUnderWine(program, [...prefix, ...onceFlags(serverId)], {
        env: { SMS_TOKEN: TOKEN },
        logFile: join(dir, `${serverId}.log`),
        timeoutMs: 120_000,
      })
      expect(output).toContain('"event":"report.acknowledged"')
      expect(output).not.toContain(TOKEN)
      expect(code).toBe(0)
      expect(await mock.results(serverId)).toMatchObject([
        { result: 'success', result_detail: { task_id: 'once-1', output: 'ran START\r\n' } },
      ])
    }

    it('polls the mock, runs a .cmd handler and reports its result (--once)', async () => {
      await handlesOnce('srv-wine-exe', exe, [])
    }, 120_000)

    it.skipIf(!existsSync(WINE_DENO))(
      `deno.exe runs the source with the narrow permissions the agent itself advises${existsSync(WINE_DENO) ? '' : ` (skipped: no ${WINE_DENO})`}`,
      async () => {
        const cli = winPath(join(AGENT_DIR, 'src', 'cli.ts'))
        const serverId = 'srv-wine-deno'
        await writeFile(join(dir, `${serverId}.cmd`), '@echo off\r\n')
        // Without grants the agent names the whole command line it needs (cmd.exe and taskkill
        // on Windows), and exits 2.
        const adviseWith = (allowEnv: string) =>
          runUnderWine(WINE_DENO, ['run', '--quiet', allowEnv, cli, ...onceFlags(serverId)], {
            env: { SMS_TOKEN: TOKEN },
            logFile: join(dir, 'deno-advice.log'),
            timeoutMs: 120_000,
          })
        let advice = await adviseWith('--allow-env=SMS_*')
        // The variables come first (checked before any is read): take the --allow-env it names.
        const allowEnv = /Add (--allow-env=\S+)/.exec(advice.output)?.[1]
        if (allowEnv) advice = await adviseWith(allowEnv)
        expect(advice.code, advice.output).toBe(2)
        const line = /Run it as: deno run (.*?) \S+cli\.ts/.exec(advice.output)?.[1]
        expect(line, advice.output).toMatch(/--allow-run=\S*cmd\.exe\S*taskkill\.exe/i)
        try {
          await handlesOnce(serverId, WINE_DENO, [
            'run',
            '--quiet',
            ...(line ?? '').split(' '),
            cli,
          ])
        } finally {
          const leftovers = existsSync(WINE_DENO_LEFTOVERS) ? readdirSync(WINE_DENO_LEFTOVERS) : []
          for (const leftover of leftovers) {
            if (leftover.includes('.tmp-'))
              rmSync(join(WINE_DENO_LEFTOVERS, leftover), { force: true })
          }
        }
      },
      300_000,
    )

    it.skipIf(!existsSync(WINE_BUN))(
      `bun.exe runs the agent's source the same way${existsSync(WINE_BUN) ? '' : ` (skipped: no ${WINE_BUN})`}`,
      async () => {
        await handlesOnce('srv-wine-bun', WINE_BUN, [winPath(join(AGENT_DIR, 'src', 'cli.ts'))])
      },
      120_000,
    )
  },
)
