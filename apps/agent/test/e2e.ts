/**
 * The end-to-end proof, run once per runtime: the real agent against the real mock over HTTP,
 * with faults on (500 bursts, 429 with Retry-After, latency beyond the deadline, malformed JSON,
 * dropped connections before and after the request took effect, IAM tokens expiring) and the
 * agent killed with SIGKILL mid-handler and restarted several times. Of N commands, every handler
 * must have run exactly once and every result been recorded exactly once.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAgentEvent } from '@sms-command/core/events'
import { expect } from 'vitest'
import { type AgentProcess, type Runtime, startAgentProcess } from './agent-process.ts'
import { type Mock, type MockResult, startMock } from './mock.ts'

const PASSWORD = 'pw-SECRET-e2e-5b7d31'
const NAMES = ['START', 'SYNC', 'STOP', 'DELETE'] as const
const COMMANDS = 60
const KILLS = 6
const SEEDS: Readonly<Record<Runtime, number>> = { node: 11, bun: 22, deno: 33 }

interface Planned {
  command_name: string
  command_param: { task_id: string; bucket?: string }
  /** The handler exits 3 for it. */
  failing: boolean
  /** Not a command this agent knows: reported fail, never run. */
  unknown: boolean
}

function plan(runtime: Runtime): Planned[] {
  return Array.from({ length: COMMANDS }, (_, index) => {
    const unknown = index === 30
    const hostile = index % 10 === 3
    return {
      command_name: unknown ? 'PREMIGRATE' : (NAMES[index % NAMES.length] as string),
      command_param: {
        task_id: hostile ? `${runtime}-${index}; rm -rf / #$(id)` : `${runtime}-${index}`,
        ...(index % 7 === 0 ? { bucket: `bucket-${index}` } : {}),
      },
      failing: index % 9 === 4,
      unknown,
    }
  })
}

/** True while `pid` runs (a zombie counts as gone). */
async function running(pid: number): Promise<boolean> {
  try {
    return !/^\d+ \(.*\) Z/.test(await readFile(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs the scenario on `runtime` and checks the exactly-once claims. */
export async function runEndToEnd(runtime: Runtime): Promise<void> {
  const started = Date.now()
  const dir = await mkdtemp(join(tmpdir(), `agent-e2e-${runtime}-`))
  const stateDir = join(dir, 'state')
  const runsFile = join(dir, 'runs.tsv')
  const handler = join(dir, 'handler.sh')
  const commands = plan(runtime)
  const failing = new Set(commands.filter((c) => c.failing).map((c) => c.command_param.task_id))
  await writeFile(runsFile, '')
  // Appends first (so a kill at any later point still counts the run), then works 80–200 ms.
  await writeFile(
    handler,
    [
      '#!/bin/sh',
      `printf '%s\\t%s\\t%s\\n' "$SMS_COMMAND" "$SMS_TASK_ID" "$$" >> '${runsFile}'`,
      `sleep "$(printf '0.%03d' $(( 80 + $$ % 13 * 10 )))"`,
      `case "$SMS_TASK_ID" in`,
      ...[...failing].map((task) => `  '${task}') echo "failing on purpose" >&2; exit 3 ;;`),
      'esac',
      'echo "done $SMS_COMMAND"',
    ].join('\n'),
  )
  await chmod(handler, 0o755)

  const serverId = `srv-e2e-${runtime}`
  const mock: Mock = await startMock({ users: [`ops:${PASSWORD}`], seed: SEEDS[runtime] })
  const processes: AgentProcess[] = []
  try {
    await mock.register(serverId)
    const scoped = { server: serverId }
    await mock.client.addFaults([
      { ...scoped, kind: 'status', status: 500, probability: 0.05 },
      { ...scoped, kind: 'status', status: 429, retryAfterSeconds: 1, probability: 0.02 },
      { ...scoped, kind: 'latency', ms: 700, probability: 0.03 },
      { ...scoped, kind: 'malformed-json', probability: 0.03 },
      { ...scoped, kind: 'drop-connection', when: 'before', probability: 0.03 },
      { ...scoped, kind: 'drop-connection', when: 'after', probability: 0.03 },
    ])
    await mock.enqueue(
      serverId,
      commands.map(({ command_name, command_param }) => ({ command_name, command_param })),
    )

    const args = [
      '--endpoint',
      mock.url,
      '--server-id',
      serverId,
      '--iam-user',
      'ops',
      '--iam-domain',
      'demo',
      '--iam-endpoint',
      mock.url,
      '--state-dir',
      stateDir,
      '--handler',
      handler,
      '--interval',
      '20ms',
      '--first-poll-jitter',
      '0ms',
      '--request-timeout',
      '500ms',
      '--backoff-base',
      '20ms',
      '--backoff-max',
      '300ms',
      '--slow-retry',
      '300ms',
      '--handler-timeout',
      '10s',
      '--kill-grace',
      '1s',
      '--status-port',
      '0',
    ]
    const grants = {
      net: ['127.0.0.1'],
      read: [stateDir, handler],
      write: [stateDir],
      run: [handler, 'kill'],
    }
    const start = () => {
      const agent = startAgentProcess(runtime, args, { SMS_IAM_PASSWORD: PASSWORD }, grants)
      processes.push(agent)
      return agent
    }
    const runLines = async () =>
      (await readFile(runsFile, 'utf8')).split('\n').filter((line) => line !== '')
    const resultCount = async () => (await mock.results(serverId)).length
    const deadline = started + 110_000
    const waitFor = async (what: string, predicate: () => Promise<boolean>, pollMs = 5) => {
      while (!(await predicate())) {
        if (Date.now() > deadline) {
          const last = processes.at(-1)
          throw new Error(
            `${runtime}: timed out waiting for ${what}; last agent output:\n${last?.lines.slice(-30).join('\n')}`,
          )
        }
        await sleep(pollMs)
      }
    }

    let agent = start()
    let restarts = 0
    let tokenExpiries = 0
    const expireTokens = setInterval(() => {
      tokenExpiries++
      void mock.client.expireTokens({ kind: 'issued' }).catch(() => {})
    }, 1_500)
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        // Let some results through, then kill right after a handler has started.
        const before = await resultCount()
        const target = Math.min(before + 4, COMMANDS)
        await waitFor(
          `progress before kill ${kill + 1}`,
          async () => (await resultCount()) >= target,
          20,
        )
        await mock.client.addFaults({
          ...{ server: serverId },
          kind: 'status',
          status: 500,
          count: 4,
        })
        // Kill while a handler is verifiably running (its pid is on its line in the runs file),
        // so the kill lands mid-handler and never between two handlers.
        for (;;) {
          const runsBefore = (await runLines()).length
          await waitFor(
            `a handler to start before kill ${kill + 1}`,
            async () => (await runLines()).length > runsBefore,
          )
          await sleep(kill * 3)
          const pid = Number((await runLines()).at(-1)?.split('\t')[2])
          if (await running(pid)) break
        }
        agent.child.kill('SIGKILL')
        expect(await agent.exited).toBe(128 + 9)
        restarts++
        agent = start()
      }
      await waitFor('every result', async () => (await resultCount()) >= COMMANDS, 50)
    } finally {
      clearInterval(expireTokens)
    }

    // The last agent is healthy and counts what it did.
    const listening = await agent.waitForEvent((event) => event.event === 'status.listening')
    const health = await fetch(`${String(listening.url)}/healthz`)
    expect([200, 503]).toContain(health.status)
    const metrics = await (await fetch(`${String(listening.url)}/metrics`)).text()
    expect(metrics).toContain('sms_agent_polls_total{outcome="command"}')
    await sleep(200)
    agent.child.kill('SIGTERM')
    expect(await agent.exited).toBe(0)

    // ---- The claims -------------------------------------------------------------------------
    const results: MockResult[] = await mock.results(serverId)
    const runs = (await runLines()).map((line) => {
      const [command, task] = line.split('\t')
      return { command, task }
    })
    // Every result recorded exactly once, in queue order.
    expect(results.map((result) => result.command.command_param.task_id)).toEqual(
      commands.map((command) => command.command_param.task_id),
    )
    // Each result is its own command's (a re-sent report never answered another command).
    for (const result of results) {
      expect(result.result_detail.task_id).toBe(result.command.command_param.task_id)
    }
    // Every handler ran exactly once; the unknown command never ran.
    const expectedRuns = commands
      .filter((command) => !command.unknown)
      .map((command) => `${command.command_name}\t${command.command_param.task_id}`)
    expect(runs.map((run) => `${run.command}\t${run.task}`).sort()).toEqual(expectedRuns.sort())
    // Results say what happened.
    let interrupted = 0
    for (const [index, result] of results.entries()) {
      const planned = commands[index] as Planned
      const reason = result.result_detail.reason
      if (reason === 'interrupted') {
        interrupted++
        expect(result.result).toBe('fail')
      } else if (planned.unknown) {
        expect(result).toMatchObject({
          result: 'fail',
          result_detail: { reason: 'unknown-command' },
        })
      } else if (planned.failing) {
        expect(result).toMatchObject({
          result: 'fail',
          result_detail: { reason: 'exit-code', exit_code: 3 },
        })
      } else {
        expect(result).toMatchObject({ result: 'success', result_detail: { exit_code: 0 } })
        expect(result.result_detail.output).toBe(`done ${planned.command_name}\n`)
      }
    }
    expect(interrupted).toBeGreaterThanOrEqual(1)
    expect(interrupted).toBeLessThanOrEqual(KILLS)
    // No secret in any line any agent wrote.
    for (const process of processes) {
      for (const line of process.lines) expect(line).not.toContain(PASSWORD)
    }
    // Every event any agent logged, through faults and kills, is one the core schema declares.
    const malformed = processes
      .flatMap((process) => process.events())
      .map((event) => parseAgentEvent(event))
      .flatMap((parsed) => (parsed.success ? [] : [parsed.error.message]))
    expect(malformed).toEqual([])

    const journal = await mock.journal(serverId)
    const faults = new Map<string, number>()
    for (const entry of journal) {
      for (const fault of entry.faults ?? []) {
        const kind = fault.kind === 'status' ? `status ${entry.status}` : `${fault.kind}`
        faults.set(kind, (faults.get(kind) ?? 0) + 1)
      }
    }
    const unauthorized = journal.filter((entry) => entry.status === 401).length
    const refused = journal.filter(
      (entry) => entry.route === 'command_result' && entry.status === 400,
    )
    const rejected = refused.length
    const summary = [...faults.entries()].map(([kind, count]) => `${kind}: ${count}`).join(', ')
    console.log(
      `[e2e ${runtime}] N=${COMMANDS} commands, ${runs.length} handler runs, ${results.length} results ` +
        `(${interrupted} interrupted by SIGKILL), restarts=${restarts}, requests=${journal.length}, ` +
        `faults seen: ${summary}; 401 (token expiry, ${tokenExpiries} expiries)=${unauthorized}, ` +
        `reports refused as not current=${rejected}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    )
    expect(restarts).toBe(KILLS)
    // No report was ever sent for a command that was no longer current (a duplicate POST, such as
    // Deno's fetch makes on a dropped keep-alive connection, would show up here as SMS.2009).
    expect(refused.map((entry) => entry.errorCode)).toEqual([])
    expect(faults.size).toBeGreaterThanOrEqual(5)
  } finally {
    for (const process of processes) process.child.kill('SIGKILL')
    await mock.close()
  }
}
