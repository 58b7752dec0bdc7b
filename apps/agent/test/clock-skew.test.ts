/**
 * A source server whose clock is 20 minutes behind SMS: the agent keeps polling, says once, with
 * the amount, that the clock is off, and exports the offset in /healthz and /metrics.
 */
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startAgentProcess } from './agent-process.ts'

const TOKEN = 'tok-SECRET-skew-0c3b'
const AHEAD_MS = 20 * 60_000

describe('clock skew', () => {
  it('logs the offset once, clearly, and exports it while polling goes on', async () => {
    let polls = 0
    // SMS, 20 minutes ahead of this machine (its Date header says so).
    const sms = createServer((_, response) => {
      polls++
      response.writeHead(200, {
        'Content-Type': 'application/json',
        Date: new Date(Date.now() + AHEAD_MS).toUTCString(),
      })
      response.end('{"command_name":""}')
    })
    await new Promise<void>((resolve) => sms.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(sms.address() as AddressInfo).port}`
    const dir = await mkdtemp(join(tmpdir(), 'agent-skew-'))
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', url, '--server-id', 'srv-skew', '--state-dir', join(dir, 'state')],
        ...['--interval', '30ms', '--first-poll-jitter', '0ms', '--status-port', '0'],
      ],
      { SMS_TOKEN: TOKEN },
    )
    try {
      const listening = await agent.waitForEvent((event) => event.event === 'status.listening')
      const skew = await agent.waitForEvent((event) => event.event === 'clock.skew')
      expect(skew.level).toBe('warn')
      expect(Math.abs(Number(skew.offset_ms) - AHEAD_MS)).toBeLessThan(5_000)
      expect(String(skew.msg)).toMatch(/clock is (19 min 5\d|20 min \d) s behind SMS's/)
      const before = polls
      for (let tries = 0; tries < 200 && polls < before + 5; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(polls).toBeGreaterThanOrEqual(before + 5)
      expect(agent.events().filter((event) => event.event === 'clock.skew')).toHaveLength(1)
      const health = await (await fetch(`${String(listening.url)}/healthz`)).json()
      expect(Math.abs(health.clock_offset_ms - AHEAD_MS)).toBeLessThan(5_000)
      const metrics = await (await fetch(`${String(listening.url)}/metrics`)).text()
      const gauge = Number(/^sms_agent_clock_offset_seconds (\S+)$/m.exec(metrics)?.[1])
      expect(Math.abs(gauge - AHEAD_MS / 1000)).toBeLessThan(5)
    } finally {
      agent.child.kill('SIGTERM')
      await agent.exited
      sms.close()
    }
  }, 30_000)
})
