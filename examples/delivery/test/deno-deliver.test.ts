/**
 * The Deno example (deno/deliver.ts) as a team would run it: the real script under Deno with the
 * narrow permissions its header states, against the real mock SMS on 127.0.0.1, with a handler
 * that records every run. Exactly once across passes, a SIGKILL mid-handler, and SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Mock, startMock, until } from './mock.ts'

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..')
const SCRIPT = join(EXAMPLE, 'deno', 'deliver.ts')
const TOKEN = 'deno-example-token-7f3a'

/** Deno's own executable from the pinned devDependency (not the shell shim in .bin, which a SIGKILL would miss). */
function denoBinary(): string | undefined {
  try {
    const path = join(dirname(createRequire(import.meta.url).resolve('deno/package.json')), 'deno')
    return existsSync(path) ? path : undefined
  } catch {
    return undefined
  }
}
const DENO = denoBinary()

interface Run {
  child: ChildProcess
  stdout: string[]
  stderr: string[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const suite = DENO === undefined ? describe.skip : describe

suite(`deno/deliver.ts against the mock${DENO === undefined ? ' (skipped: the deno devDependency installed no binary for this platform)' : ''}`, () => {
  let mock: Mock
  let dir: string
  let handler: string
  let runsFile: string
  let journalFile: string
  const running: Run[] = []

  beforeAll(async () => {
    mock = await startMock(TOKEN)
  })
  afterAll(async () => {
    await mock.close()
  })
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sms-deno-example-'))
    runsFile = join(dir, 'runs.log')
    journalFile = join(dir, 'journal.json')
    handler = join(dir, 'handler.sh')
    // Records each run (task id and pid) and whether it can see the token; a task id starting
    // with "block" never ends by itself, so the test can kill the script mid-handler.
    await writeFile(
      handler,
      [
        '#!/bin/sh',
        `echo "$SMS_TASK_ID $$" >> '${runsFile}'`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not JavaScript
        'echo "ran $1 $SMS_TASK_ID on $SMS_SERVER_ID token=${SMS_TOKEN:-none}"',
        'case "$SMS_TASK_ID" in block*) exec sleep 600;; esac',
        '',
      ].join('\n'),
    )
    await chmod(handler, 0o755)
  })
  afterEach(async () => {
    for (const run of running.splice(0)) run.child.kill('SIGKILL')
    // A handler orphaned by the SIGKILL case: stop it by the pid it recorded.
    for (const [, pid] of await runs()) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {}
    }
    await rm(dir, { recursive: true, force: true })
  })

  async function runs(): Promise<string[][]> {
    const text = await readFile(runsFile, 'utf8').catch(() => '')
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '))
  }

  function start(serverId: string, args: string[], env: Record<string, string> = {}): Run {
    const child = spawn(
      DENO as string,
      [
        'run',
        '--quiet',
        '--no-prompt',
        `--allow-net=${new URL(mock.url).host}`,
        '--allow-env=SMS_*',
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        `--allow-run=${handler}`,
        SCRIPT,
        ...args,
      ],
      {
        cwd: EXAMPLE,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          DENO_NO_UPDATE_CHECK: '1',
          NO_COLOR: '1',
          SMS_ENDPOINT: mock.url,
          SMS_TOKEN: TOKEN,
          SMS_SERVER_ID: serverId,
          SMS_JOURNAL: journalFile,
          SMS_HANDLER: handler,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const stdout: string[] = []
    const stderr: string[] = []
    const lines = (sink: string[]) => {
      let rest = ''
      return (chunk: Buffer) => {
        const parts = (rest + chunk.toString('utf8')).split('\n')
        rest = parts.pop() ?? ''
        sink.push(...parts.filter(Boolean))
      }
    }
    child.stdout?.on('data', lines(stdout))
    child.stderr?.on('data', lines(stderr))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    )
    const run = { child, stdout, stderr, exited }
    running.push(run)
    return run
  }

  async function once(serverId: string, env?: Record<string, string>) {
    const run = start(serverId, ['--once'], env)
    const { code } = await run.exited
    running.splice(running.indexOf(run), 1)
    const events = run.stdout.map((line) => JSON.parse(line) as Record<string, unknown>)
    return { code, events, stderr: run.stderr }
  }

  async function journal() {
    return JSON.parse(await readFile(journalFile, 'utf8')) as {
      entries: {
        state: string
        outcome?: string
        handlerPid?: number
        command: { command_param: { task_id: string } }
      }[]
    }
  }

  it('with --once twice runs each command once, records each result once, and keeps a valid journal', async () => {
    const serverId = 'srv-deno-once'
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'START', command_param: { task_id: 't1' } },
      { command_name: 'SYNC', command_param: { task_id: 't2' } },
    ])

    const first = await once(serverId)
    expect(first.code, first.stderr.join('\n')).toBe(0)
    expect((await runs()).map(([task]) => task)).toEqual(['t1'])
    const second = await once(serverId)
    expect(second.code, second.stderr.join('\n')).toBe(0)
    expect(second.events.at(-1)).toMatchObject({
      event: 'pass.done',
      polled: 'command',
      ran: 1,
      outbox: 0,
    })
    // A third pass finds nothing new: nothing runs, nothing is reported again.
    const third = await once(serverId)
    expect(third.events.at(-1)).toMatchObject({
      event: 'pass.done',
      polled: 'idle',
      ran: 0,
      outbox: 0,
    })

    expect((await runs()).map(([task]) => task)).toEqual(['t1', 't2'])
    const results = await mock.results(serverId)
    expect(results.map((result) => [result.command.command_param.task_id, result.result])).toEqual([
      ['t1', 'success'],
      ['t2', 'success'],
    ])
    // The handler saw its command, not the script's token; the token is in no result.
    expect(results[0]?.result_detail.output).toContain(`ran START t1 on ${serverId} token=none`)
    expect(JSON.stringify(results)).not.toContain(TOKEN)

    const state = await journal()
    expect(
      state.entries.map((entry) => [
        entry.command.command_param.task_id,
        entry.state,
        entry.outcome,
      ]),
    ).toEqual([
      ['t1', 'reported', 'acknowledged'],
      ['t2', 'reported', 'acknowledged'],
    ])
    expect(existsSync(`${journalFile}.tmp`)).toBe(false)
  }, 60_000)

  it('after a SIGKILL mid-handler, the restarted script reports the command interrupted and never runs it again', async () => {
    const serverId = 'srv-deno-kill'
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'START', command_param: { task_id: 'block-1' } },
      { command_name: 'START', command_param: { task_id: 't-after' } },
    ])

    const victim = start(serverId, ['--once'])
    await until(
      'the handler of block-1 to start',
      async () => (await runs()).some(([task]) => task === 'block-1') || undefined,
    )
    // The journal says it is running, with the handler's pid, before the handler could finish.
    const during = await until('the handler pid in the journal', async () => {
      const state = await journal()
      return state.entries[0]?.handlerPid !== undefined ? state : undefined
    })
    expect(during.entries[0]).toMatchObject({ state: 'running' })
    victim.child.kill('SIGKILL')
    expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' })
    running.splice(running.indexOf(victim), 1)
    expect(await mock.results(serverId)).toEqual([])

    const restarted = await once(serverId)
    expect(restarted.code, restarted.stderr.join('\n')).toBe(0)
    expect(restarted.events.find((event) => event.event === 'command.interrupted')).toMatchObject({
      task_id: 'block-1',
    })
    expect(restarted.stderr.join('\n')).toContain(
      `handler pid ${during.entries[0]?.handlerPid} may still be running`,
    )
    // t-after may need one more pass (one new command per pass); bounded.
    for (let pass = 0; pass < 3 && (await mock.results(serverId)).length < 2; pass++) {
      expect((await once(serverId)).code).toBe(0)
    }

    const results = await mock.results(serverId)
    expect(results.map((result) => [result.command.command_param.task_id, result.result])).toEqual([
      ['block-1', 'fail'],
      ['t-after', 'success'],
    ])
    expect(results[0]?.result_detail).toMatchObject({ reason: 'interrupted' })
    expect((await runs()).map(([task]) => task)).toEqual(['block-1', 't-after'])
  }, 60_000)

  it('refuses a journal that is not JSON (exit 1, file left as it is) and a bad setting (exit 2), running nothing', async () => {
    const serverId = 'srv-deno-refuse'
    await mock.register(serverId)
    await mock.enqueue(serverId, [{ command_name: 'START', command_param: { task_id: 'r1' } }])
    await writeFile(journalFile, '{"nextId": 3, "entries": [')
    const corrupt = await once(serverId)
    expect(corrupt.code).toBe(1)
    expect(corrupt.stderr.join('\n')).toContain(`file ${journalFile}`)
    expect(await readFile(journalFile, 'utf8')).toBe('{"nextId": 3, "entries": [')

    await rm(journalFile)
    const bad = await once(serverId, { SMS_MAX_COMMANDS: '0' })
    expect(bad.code).toBe(2)
    expect(bad.stderr.join('\n')).toContain('options.maxCommands')
    expect(await runs()).toEqual([])
    expect(await mock.results(serverId)).toEqual([])
  }, 60_000)

  it('on SIGTERM past the shutdown grace stops the handler, reports its command interrupted and never runs it again', async () => {
    const serverId = 'srv-deno-term'
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'START', command_param: { task_id: 'block-term' } },
    ])
    const daemon = start(serverId, [], { SMS_INTERVAL_MS: '50', SMS_SHUTDOWN_GRACE_MS: '0' })
    await until(
      'the handler of block-term to start',
      async () => (await runs()).some(([task]) => task === 'block-term') || undefined,
    )
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toEqual({ code: 0, signal: null })
    running.splice(running.indexOf(daemon), 1)
    // Reported by the flush after the stop, or else by the next pass; bounded.
    for (let pass = 0; pass < 3 && (await mock.results(serverId)).length === 0; pass++) {
      await once(serverId)
    }
    const results = await mock.results(serverId)
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({ result: 'fail', result_detail: { reason: 'interrupted' } })
    expect((await runs()).map(([task]) => task)).toEqual(['block-term'])
  }, 60_000)

  it('without --once delivers until SIGTERM, then exits 0', async () => {
    const serverId = 'srv-deno-daemon'
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'START', command_param: { task_id: 'd1' } },
      { command_name: 'STOP', command_param: { task_id: 'd2' } },
    ])
    const daemon = start(serverId, [], { SMS_INTERVAL_MS: '50' })
    await until('both results', async () =>
      (await mock.results(serverId)).length === 2 ? true : undefined,
    )
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toEqual({ code: 0, signal: null })
    running.splice(running.indexOf(daemon), 1)
    expect((await runs()).map(([task]) => task)).toEqual(['d1', 'd2'])
    expect(
      (await mock.results(serverId)).map((result) => result.command.command_param.task_id),
    ).toEqual(['d1', 'd2'])
    const events = daemon.stdout.map((line) => JSON.parse(line) as { event: string })
    expect(events.filter((event) => event.event === 'command.finish')).toHaveLength(2)
  }, 60_000)
})
