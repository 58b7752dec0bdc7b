/**
 * The agent's own process survives its surroundings (issue "field conditions"), on Node, Bun and
 * Deno, end to end against the mock: its stdout/stderr readers going away mid-handler
 * (`sms-agent … | head -1`), `kill -HUP`, and a taken `--status-port`. Each time the handler's
 * result is reported `success` exactly once and the agent keeps polling.
 */
import { createServer, type Server } from 'node:net'
import { describe, expect, it } from 'vitest'
import { FIELD_TOKEN, fieldRun, RUNTIMES, stopCleanly } from './field.ts'

/** The `/events` stream's text until it contains `needle` (or 5 s pass). */
async function eventsUntil(url: string, needle: string): Promise<string> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), 5_000)
  let text = ''
  try {
    const response = await fetch(`${url}/events`, { signal: controller.signal })
    const reader = response.body?.getReader()
    while (reader && !text.includes(needle)) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
  } catch {
    // timed out: return what came
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
  return text
}

describe.each(RUNTIMES)('on %s, the agent process', (runtime) => {
  it('keeps delivering when its stdout and stderr readers go away while a handler runs (| head -1)', async () => {
    const run = await fieldRun(runtime, `srv-epipe-${runtime}`)
    try {
      const handler = await run.handler('slow.sh', ['sleep 1.5', 'echo "slow done"'])
      const agent = run.start({ handler })
      const listening = await agent.waitForEvent((event) => event.event === 'status.listening')
      await run.enqueue('epipe-1')
      await agent.waitForEvent((event) => event.event === 'command.start')
      // What `| head -1` does once it has its line: the pipes' read ends close.
      agent.child.stdout?.destroy()
      agent.child.stderr?.destroy()
      const [result, ...more] = await run.results(1)
      expect(more).toEqual([])
      expect(result).toMatchObject({
        result: 'success',
        result_detail: { task_id: 'epipe-1', output: 'slow done\n' },
      })
      // Still polling: a second command goes through too, and /healthz knows what happened.
      await run.enqueue('epipe-2')
      expect((await run.results(2)).map((r) => r.result)).toEqual(['success', 'success'])
      const health = (await (await fetch(`${String(listening.url)}/healthz`)).json()) as {
        output_closed: string[]
      }
      expect(health.output_closed).toEqual(['stderr', 'stdout'])
      const metrics = await (await fetch(`${String(listening.url)}/metrics`)).text()
      expect(metrics).toContain('sms_agent_output_closed{stream="stdout"} 1')
      const closed = '"event":"log.stream-closed"'
      expect(await eventsUntil(String(listening.url), closed)).toContain(closed)
      await stopCleanly(agent)
    } finally {
      await run.close()
    }
  }, 60_000)

  it('logs and ignores SIGHUP mid-handler: the result is reported once, the agent runs on', async () => {
    const run = await fieldRun(runtime, `srv-hup-${runtime}`)
    try {
      const handler = await run.handler('slow.sh', ['sleep 1.5', 'echo "survived HUP"'])
      const agent = run.start({ handler })
      await run.enqueue('hup-1')
      await agent.waitForEvent((event) => event.event === 'command.start')
      agent.child.kill('SIGHUP')
      const hangup = await agent.waitForEvent(
        (event) => event.event === 'signal.received' && event.signal === 'SIGHUP',
      )
      expect(String(hangup.msg)).toContain('SIGHUP ignored')
      const results = await run.results(1)
      expect(results).toMatchObject([
        { result: 'success', result_detail: { task_id: 'hup-1', output: 'survived HUP\n' } },
      ])
      agent.child.kill('SIGHUP')
      await run.enqueue('hup-2')
      expect((await run.results(2)).map((r) => r.result_detail.task_id)).toEqual(['hup-1', 'hup-2'])
      expect(agent.events().some((event) => event.event === 'agent.stopping')).toBe(false)
      await stopCleanly(agent)
    } finally {
      await run.close()
    }
  }, 60_000)

  it('polls and reports with its --status-port taken, and serves status once the port is free', async () => {
    const run = await fieldRun(runtime, `srv-port-${runtime}`)
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const handler = await run.handler('quick.sh', ['echo "no status, still done"'])
      const agent = run.start({ handler, noStatus: true, args: ['--status-port', String(port)] })
      const unavailable = await agent.waitForEvent((event) => event.event === 'status.unavailable')
      expect(unavailable).toMatchObject({ level: 'warn', attempt: 1 })
      expect(String(unavailable.msg)).toContain(`127.0.0.1:${port}`)
      expect(String(unavailable.msg)).toContain('polling and reporting go on')
      await run.enqueue('port-1')
      expect(await run.results(1)).toMatchObject([
        { result: 'success', result_detail: { output: 'no status, still done\n' } },
      ])
      // The port is freed: a later try listens.
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
      const listening = await agent.waitForEvent(
        (event) => event.event === 'status.listening',
        15_000,
      )
      expect(String(listening.url)).toBe(`http://127.0.0.1:${port}`)
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      expect(metrics).toMatch(/sms_agent_status_unavailable_total [1-9]/)
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
        status_server_failures: { attempts: number } | null
      }
      expect(health.status_server_failures?.attempts).toBeGreaterThanOrEqual(1)
      await stopCleanly(agent)
      expect(agent.lines.join('\n')).not.toContain(FIELD_TOKEN)
    } finally {
      blocker.close()
      await run.close()
    }
  }, 60_000)
})
