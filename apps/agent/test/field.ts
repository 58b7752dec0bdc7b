/**
 * What the field-condition tests share: the real agent CLI (Node, Bun or Deno, Deno with narrow
 * grants) in daemon mode against the real mock, with a handler script of the test's choosing.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import {
  type AgentProcess,
  type Runtime,
  runtimeAvailable,
  startAgentProcess,
} from './agent-process.ts'
import { type Mock, type MockResult, startMock } from './mock.ts'

export const FIELD_TOKEN = 'tok-SECRET-field-4c1d'

/** The runtimes installed here. */
export const RUNTIMES: Runtime[] = (['node', 'bun', 'deno'] as const).filter(runtimeAvailable)

/** A field run: a temporary directory, the mock, one registered server. */
export interface FieldRun {
  runtime: Runtime
  dir: string
  stateDir: string
  serverId: string
  mock: Mock
  /** Writes an executable handler script at `name` in the run's directory; returns its path. */
  handler(name: string, lines: readonly string[]): Promise<string>
  /** Starts the agent (daemon, fast polls, status on port 0 unless `args` names one). */
  start(options: StartOptions): AgentProcess
  /** Enqueues one START with this task id. */
  enqueue(taskId: string): Promise<void>
  /** Waits until the mock holds `count` results, then returns them. */
  results(count: number, timeoutMs?: number): Promise<MockResult[]>
  /** Kills every agent still running and closes the mock. */
  close(): Promise<void>
}

/** How {@link FieldRun.start} starts the agent. */
export interface StartOptions {
  handler: string
  args?: readonly string[]
  env?: Record<string, string>
  /** Deno grants beyond the run's (e.g. another read path). */
  read?: readonly string[]
  write?: readonly string[]
  run?: readonly string[]
  /** Leave out `--status-port 0`. */
  noStatus?: boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Sets up a field run on `runtime`.
 *
 * @example
 * const run = await fieldRun('node', 'srv-hup')
 * const agent = run.start({ handler: await run.handler('h.sh', ['sleep 1']) })
 */
export async function fieldRun(runtime: Runtime, serverId: string): Promise<FieldRun> {
  const dir = await mkdtemp(join(tmpdir(), `agent-field-${runtime}-`))
  const stateDir = join(dir, 'state')
  const mock = await startMock({ tokens: [FIELD_TOKEN] })
  await mock.register(serverId)
  const agents: AgentProcess[] = []
  return {
    runtime,
    dir,
    stateDir,
    serverId,
    mock,
    async handler(name, lines) {
      const path = join(dir, name)
      await writeFile(path, ['#!/bin/sh', ...lines, ''].join('\n'))
      await chmod(path, 0o755)
      return path
    },
    start(options) {
      const args = [
        ...['--endpoint', mock.url, '--server-id', serverId, '--state-dir', stateDir],
        ...['--handler', options.handler, '--interval', '50ms', '--first-poll-jitter', '0ms'],
        ...['--backoff-base', '50ms', '--backoff-max', '500ms', '--request-timeout', '5s'],
        ...(options.noStatus ? [] : ['--status-port', '0']),
        ...(options.args ?? []),
      ]
      const agent = startAgentProcess(
        runtime,
        args,
        { SMS_TOKEN: FIELD_TOKEN, ...options.env },
        {
          net: ['127.0.0.1'],
          read: [stateDir, options.handler, ...(options.read ?? [])],
          write: [stateDir, ...(options.write ?? [])],
          run: [options.handler, 'kill', ...(options.run ?? [])],
        },
      )
      agents.push(agent)
      return agent
    },
    enqueue: (taskId) =>
      mock.enqueue(serverId, [{ command_name: 'START', command_param: { task_id: taskId } }]),
    async results(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const results = await mock.results(serverId)
        if (results.length >= count) return results
        if (Date.now() > deadline) {
          const last = agents.at(-1)
          throw new Error(
            `${runtime}: ${results.length} of ${count} results; agent output:\n${last?.lines.slice(-30).join('\n')}`,
          )
        }
        await sleep(50)
      }
    },
    async close() {
      for (const agent of agents) agent.child.kill('SIGKILL')
      await mock.close()
    },
  }
}

/** Stops the agent with SIGTERM and expects a clean exit (0). */
export async function stopCleanly(agent: AgentProcess): Promise<void> {
  agent.child.kill('SIGTERM')
  expect(await agent.exited).toBe(0)
}
