/**
 * Handlers as operators deploy them (issue "field conditions"), end to end on Node, Bun and Deno
 * against the mock: a handler that leaves a process running without redirecting its output, and
 * a handler that can't be started yet.
 */
import { chmod, open, readFile, writeFile } from 'node:fs/promises'
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

  it("that can't be started yet (CRLF line endings, then still being written) runs once it can: never a fail", async () => {
    const run = await fieldRun(runtime, `srv-unstartable-${runtime}`)
    try {
      const handler = join(run.dir, 'crlf.sh')
      // Saved on Windows: the kernel looks for the interpreter "/bin/sh\r" (ENOENT).
      await writeFile(handler, '#!/bin/sh\r\necho "fixed and ran"\r\n')
      await chmod(handler, 0o755)
      const agent = run.start({ handler, args: ['--handler-start-timeout', '1m'] })
      const listening = await agent.waitForEvent((event) => event.event === 'status.listening')
      await run.enqueue('crlf-1')
      const crlf = await agent.waitForEvent((event) => event.event === 'handler.start-deferred')
      expect(crlf).toMatchObject({ level: 'warn', problem: 'crlf-shebang', attempt: 1, handler })
      expect(String(crlf.msg)).toContain('Windows (CRLF) line endings')
      expect(String(crlf.msg)).toContain(`dos2unix ${handler}`)
      const health = (await (await fetch(`${String(listening.url)}/healthz`)).json()) as {
        status: string
        handler_start: { problem: string; msg: string } | null
      }
      expect(health.status).toBe('degraded')
      expect(health.handler_start?.problem).toBe('crlf-shebang')
      // The operator fixes the file, and the next start finds it still open for writing.
      const writing = await open(handler, 'w')
      await writing.write('#!/bin/sh\necho "fixed and ran"\n')
      const busy = await agent.waitForEvent(
        (event) => event.event === 'handler.start-deferred' && event.attempt === 2,
      )
      expect(busy).toMatchObject({ problem: 'busy' })
      await writing.close()
      const [result, ...more] = await run.results(1)
      expect(more).toEqual([])
      expect(result).toMatchObject({
        result: 'success',
        result_detail: { task_id: 'crlf-1', output: 'fixed and ran\n' },
      })
      await stopCleanly(agent)
    } finally {
      await run.close()
    }
  }, 60_000)

  it('that never becomes startable is reported fail only after --handler-start-timeout, saying why', async () => {
    const run = await fieldRun(runtime, `srv-nostart-${runtime}`)
    try {
      const handler = await run.handler('plain.sh', ['echo never'])
      const agent = run.start({ handler, args: ['--handler-start-timeout', '2s'] })
      await agent.waitForEvent((event) => event.event === 'status.listening')
      // A deploy replaced the file and hasn't set its execute bit (the start check passed).
      await chmod(handler, 0o644)
      const started = Date.now()
      await run.enqueue('noexec-1')
      const [result] = await run.results(1)
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000)
      expect(result).toMatchObject({
        result: 'fail',
        result_detail: {
          task_id: 'noexec-1',
          reason: 'spawn-failed',
          start_problem: 'not-executable',
        },
      })
      expect(String(result?.result_detail.message)).toContain(`chmod +x ${handler}`)
      expect(String(result?.result_detail.message)).toContain('--handler-start-timeout')
      await stopCleanly(agent)
    } finally {
      await run.close()
    }
  }, 60_000)
})
