import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// `pnpm demo` end to end: the real mock, ten real agents and the watch, started by the root
// scripts/demo.mjs (built packages required, as turbo's test task guarantees).
const demo = fileURLToPath(new URL('../../../scripts/demo.mjs', import.meta.url))
const handler = fileURLToPath(new URL('../demo/handler.mjs', import.meta.url))
// This checkout's apps: a demo run from another checkout on the machine is not this test's.
const appsDir = fileURLToPath(new URL('../../', import.meta.url))

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Processes still running the demo handler or the demo's agents, mock or watch. */
function leftovers(): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return ps.stdout
    .split('\n')
    .filter(
      (line) =>
        line.includes(handler) ||
        (line.includes(appsDir) &&
          /apps\/(agent|mock-server|watch)\/dist\/(cli|node)\.js/.test(line)),
    )
    .filter(
      (line) =>
        line.includes('sms-demo-') || line.includes(handler) || line.includes('demo/scenario.json'),
    )
}

describe('pnpm demo --duration 8s --json', () => {
  it('runs the whole system headless, prints a summary, and leaves no process or port behind', async () => {
    const child = spawn(process.execPath, [demo, '--duration', '8s', '--json'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const summary = JSON.parse(stdout.trim()) as Record<string, unknown>
    expect(summary).toMatchObject({
      ok: true,
      servers: 12,
      agents: 10,
      processes_left: 0,
      port_released: true,
    })
    // Within 8 s the scenario releases well over a dozen commands; agents handle and report most.
    expect(summary.commands_enqueued).toBeGreaterThanOrEqual(12)
    expect(summary.commands_handled).toBeGreaterThan(0)
    expect(summary.results_reported).toBeGreaterThan(0)
    expect(summary.faults_injected).toBeGreaterThan(0)
    expect(summary.tokens_issued).toBeGreaterThan(0)
    expect(summary.watch_lines).toBeGreaterThan(12)
    const pids = summary.pids as number[]
    expect(pids).toHaveLength(12) // mock, ten agents, the watch
    expect(pids.filter(isAlive)).toEqual([])
    expect(leftovers()).toEqual([])
  }, 60_000)
})

const hasTmux = spawnSync('tmux', ['-V']).status === 0
if (!hasTmux) console.warn('demo.test.ts: interactive demo test skipped: tmux is not installed')

describe.skipIf(!hasTmux)('pnpm demo in a terminal', () => {
  it('opens the watch UI on the live system, and q ends everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-demo-tmux-'))
    writeFileSync(join(dir, 'tmux.conf'), 'set -g status off\n')
    const socket = `sms-demo-test-${process.pid}`
    const tmux = (...args: string[]) =>
      execFileSync('tmux', ['-L', socket, '-f', join(dir, 'tmux.conf'), ...args], {
        encoding: 'utf8',
      })
    const screen = () => tmux('capture-pane', '-p', '-t', 'demo')
    const until = async (check: (text: string) => boolean, what: string, timeoutMs = 40_000) => {
      const deadline = Date.now() + timeoutMs
      let text = ''
      while (Date.now() < deadline) {
        text = screen()
        if (check(text)) return text
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error(`timed out waiting for ${what}; the screen shows:\n${text}`)
    }
    try {
      tmux(
        'new-session',
        '-d',
        '-s',
        'demo',
        '-x',
        '140',
        '-y',
        '40',
        `env -u CI -u CONTINUOUS_INTEGRATION ${JSON.stringify(process.execPath)} ${JSON.stringify(demo)}; echo "demo exit $?"; exec sleep 60`,
      )
      // Ten agents start before the UI opens: on 2 loaded cores (the whole suite running beside
      // it) that alone took 30 s, so the first screen gets a minute; it is not a speed test.
      let text = await until(
        (t) => t.includes('12 servers') && /\d+ agents ● \d+ live/.test(t),
        'the demo UI',
        60_000,
      )
      // Agents at work: a command fetched or running, or a result in the event log.
      text = await until(
        (t) => /\b(delivered|running)\b|reported (success|fail)/.test(t),
        'an agent handling a command',
      )
      expect(text).toContain('mock http://127.0.0.1:')
      tmux('send-keys', '-t', 'demo', 'q')
      text = await until((t) => t.includes('demo exit'), 'the demo to end')
      expect(text).toMatch(/processes left 0, port released yes/)
      expect(text).toContain('demo exit 0')
      expect(leftovers()).toEqual([])
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server'])
      rmSync(dir, { recursive: true, force: true })
    }
  }, 200_000)
})

describe('pnpm demo options', () => {
  it('states the same --duration range in its help and in its error', async () => {
    const options = (await import(
      fileURLToPath(new URL('../../../scripts/demo-options.mjs', import.meta.url))
    )) as {
      demoHelp: () => string
      parseDemoOptions: (argv: string[]) => Promise<unknown>
    }
    const error = await options.parseDemoOptions(['--duration', '2h']).then(
      () => undefined,
      (caught: Error) => caught,
    )
    const range = /between (\S+) and (\S+),/.exec(error?.message ?? '')
    expect(range, `error: ${error?.message}`).not.toBeNull()
    const [, min, max] = range as RegExpExecArray
    expect(options.demoHelp()).toContain(`(${min}–${max})`)
  })
})
