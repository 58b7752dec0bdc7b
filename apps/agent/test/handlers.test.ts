/**
 * Handlers as operators deploy them (issue "field conditions"), end to end on Node, Bun and Deno
 * against the mock: a handler that leaves a process running without redirecting its output, and
 * a handler that can't be started yet.
 */
import { chmod, open, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type FieldRun, fieldRun, RUNTIMES, stopCleanly } from './field.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Process groups a test's handlers left running, and field runs: always ended after the test. */
const groups: number[] = []
const runs: FieldRun[] = []
afterEach(async () => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  for (const run of runs.splice(0)) await run.close()
})

describe.each(RUNTIMES)('on %s, a handler', (runtime) => {
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'that leaves a background process writing to its inherited stdout: it outlives the agent stopped by %s and its restart',
    async (stop) => {
      const run = await fieldRun(runtime, `srv-bg-${stop}-${runtime}`)
      runs.push(run)
      const pgidFile = join(run.dir, 'svc.pgid')
      const pidFile = join(run.dir, 'svc.pid')
      // The example: started without a redirect, so it keeps the handler's stdout.
      const handler = await run.handler('start-svc.sh', [
        `echo $$ > "${pgidFile}"`,
        `sh -c 'while :; do echo tick; sleep 0.05; done' &`,
        `echo $! > "${pidFile}"`,
        'echo "svc started"',
      ])
      const agent = run.start({ handler })
      await run.enqueue('bg-1')
      const [result] = await run.results(1)
      // The handler's process group (it is the group's leader): killed by afterEach whatever happens.
      groups.push(Number(await readFile(pgidFile, 'utf8')))
      const pid = Number(await readFile(pidFile, 'utf8'))
      expect(result).toMatchObject({
        result: 'success',
        result_detail: { task_id: 'bg-1', output: expect.stringContaining('svc started\n') },
      })
      const held = await agent.waitForEvent((event) => event.event === 'handler.output-held')
      expect(held).toMatchObject({ level: 'info', handler, task_id: 'bg-1' })
      const file = String(held.path)
      expect(file.startsWith(join(run.stateDir, 'output'))).toBe(true)
      expect((await stat(file)).mode & 0o777).toBe(0o600)

      if (stop === 'SIGTERM') await stopCleanly(agent)
      else {
        agent.child.kill('SIGKILL')
        await agent.exited
      }
      // The agent is gone; svc writes on (to the file: no pipe whose reader died, no SIGPIPE).
      expect(await readFile(file, 'utf8')).toContain('svc started\n')
      const sizeAfterStop = (await stat(file)).size
      await sleep(500)
      expect(alive(pid)).toBe(true)
      expect((await stat(file)).size).toBeGreaterThan(sizeAfterStop)

      // A restart adopts the file (truncates it, watches it) and leaves svc alone.
      const again = run.start({ handler })
      await again.waitForEvent((event) => event.event === 'status.listening')
      await sleep(500)
      expect(alive(pid)).toBe(true)
      // Truncated at the start (the handler's own line is gone), written on since.
      expect(await readFile(file, 'utf8')).toMatch(/^(tick\n)+$/)
      // START was reported once, and the restart did not report it again.
      expect((await run.mock.results(run.serverId)).map((r) => r.result)).toEqual(['success'])
      await stopCleanly(again)
      expect(alive(pid)).toBe(true)
    },
    60_000,
  )

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
