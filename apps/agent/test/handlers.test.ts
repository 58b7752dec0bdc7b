/**
 * Handlers as operators deploy them (issue "field conditions"), end to end on Node, Bun and Deno
 * against the mock: a handler that leaves a process running without redirecting its output, and
 * a handler that can't be started yet.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fieldRun, RUNTIMES, stopCleanly } from './field.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.each(RUNTIMES)('on %s, a handler', (runtime) => {
  it('that leaves `nohup svc &` running without a redirect: svc survives the agent closing up after the handler', async () => {
    const run = await fieldRun(runtime, `srv-nohup-${runtime}`)
    const ticks = join(run.dir, 'ticks.txt')
    const pidFile = join(run.dir, 'svc.pid')
    let pid: number | undefined
    try {
      const handler = await run.handler('start-svc.sh', [
        `nohup sh -c 'while :; do echo "svc tick"; echo tick >> "${ticks}"; sleep 0.05; done' &`,
        `echo $! > "${pidFile}"`,
        'echo "svc started"',
      ])
      const agent = run.start({ handler })
      await run.enqueue('nohup-1')
      const [result] = await run.results(1)
      expect(result).toMatchObject({ result: 'success', result_detail: { task_id: 'nohup-1' } })
      pid = Number(await readFile(pidFile, 'utf8'))
      const held = await agent.waitForEvent((event) => event.event === 'handler.output-held')
      expect(held).toMatchObject({ level: 'info', handler, task_id: 'nohup-1' })
      const before = (await readFile(ticks, 'utf8')).length
      await sleep(1_000)
      // Well past the old 200 ms drain: svc still runs and still writes to the agent's pipe.
      expect(alive(pid)).toBe(true)
      expect((await readFile(ticks, 'utf8')).length).toBeGreaterThan(before + 40)
      // The agent goes on with the next command while svc holds the first one's pipes.
      await run.enqueue('nohup-2')
      expect((await run.results(2)).map((r) => r.result)).toEqual(['success', 'success'])
      process.kill(pid, 'SIGKILL')
      pid = undefined
      await stopCleanly(agent)
    } finally {
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL')
      await run.close()
    }
  }, 60_000)
})
