/**
 * Clock skew under AK/SK, end to end: a source server whose clock is 20 minutes behind SMS's
 * gateway is told so by the gateway's refusals; the agent re-signs with the gateway's time, keeps
 * polling, says once, with the amount, that the clock is off, and exports the offset in /healthz
 * and /metrics. A proxy that stamps its own Date 20 minutes off in front of a gateway whose clock
 * agrees with ours teaches nothing: no warning, no failed signature.
 */
import { mkdtemp } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startAgentProcess } from './agent-process.ts'

const SK = 'sk-SECRET-skew-0c3b5e'
const MINUTE = 60_000

/** `20261129T182216Z` → ms. */
function sdkTime(value: string | undefined): number {
  const iso = value?.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, '$1-$2-$3T$4:$5:$6Z')
  return Date.parse(iso ?? '')
}
const sdkFormat = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}|[-:]/g, '')

/**
 * A gateway `clockMs` ahead of this machine that judges each signature time like the real one
 * (15 minutes), refusing with APIGW.0301's text; `dateMs` is what its Date header says (a proxy's).
 */
async function gateway(clockMs: number, dateMs: number) {
  const counts = { polls: 0, refused: 0 }
  const server = createServer((request: IncomingMessage, response) => {
    counts.polls++
    const gatewayNow = Date.now() + clockMs
    const signed = sdkTime(request.headers['x-sdk-date'] as string | undefined)
    const date = new Date(Date.now() + dateMs).toUTCString()
    if (Math.abs(gatewayNow - signed) > 15 * MINUTE) {
      counts.refused++
      response.writeHead(401, { 'Content-Type': 'application/json', Date: date })
      response.end(
        JSON.stringify({
          error_code: 'APIGW.0301',
          error_msg: `Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:${request.headers['x-sdk-date']},server time:${sdkFormat(gatewayNow)}`,
        }),
      )
      return
    }
    response.writeHead(200, { 'Content-Type': 'application/json', Date: date })
    response.end('{"command_name":""}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, server }
}

async function startAkSkAgent(url: string, serverId: string) {
  const dir = await mkdtemp(join(tmpdir(), 'agent-skew-'))
  return startAgentProcess(
    'node',
    [
      ...['--endpoint', url, '--server-id', serverId, '--state-dir', join(dir, 'state')],
      ...['--ak', 'AK-SKEW', '--dry-run'],
      ...['--interval', '30ms', '--first-poll-jitter', '0ms', '--status-port', '0'],
    ],
    { SMS_SK: SK },
  )
}

const waitFor = async (check: () => boolean) => {
  for (let tries = 0; tries < 250 && !check(); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('clock skew under AK/SK', () => {
  it('learns the offset from the gateway, logs it once, exports it, and polls on', async () => {
    const sms = await gateway(20 * MINUTE, 20 * MINUTE)
    const agent = await startAkSkAgent(sms.url, 'srv-skew')
    try {
      const listening = await agent.waitForEvent((event) => event.event === 'status.listening')
      const skew = await agent.waitForEvent((event) => event.event === 'clock.skew')
      expect(skew.level).toBe('warn')
      expect(Math.abs(Number(skew.offset_ms) - 20 * MINUTE)).toBeLessThan(5_000)
      expect(String(skew.msg)).toMatch(/clock is (19 min 5\d|20 min \d) s behind SMS's/)
      const before = sms.counts.polls
      await waitFor(() => sms.counts.polls >= before + 5)
      expect(sms.counts.polls).toBeGreaterThanOrEqual(before + 5)
      // One refusal taught the offset; every later request is signed with the gateway's time.
      expect(sms.counts.refused).toBe(1)
      expect(agent.events().filter((event) => event.event === 'clock.skew')).toHaveLength(1)
      const health = await (await fetch(`${String(listening.url)}/healthz`)).json()
      expect(Math.abs(health.clock_offset_ms - 20 * MINUTE)).toBeLessThan(5_000)
      const metrics = await (await fetch(`${String(listening.url)}/metrics`)).text()
      const gauge = Number(/^sms_agent_clock_offset_seconds (\S+)$/m.exec(metrics)?.[1])
      expect(Math.abs(gauge - (20 * MINUTE) / 1000)).toBeLessThan(5)
      expect(agent.lines.join('\n')).not.toContain(SK)
    } finally {
      agent.child.kill('SIGTERM')
      await agent.exited
      sms.server.close()
    }
  }, 30_000)

  it('is not fooled by a proxy stamping its own Date 20 minutes off: no warning, no refusal', async () => {
    const sms = await gateway(0, 20 * MINUTE)
    const agent = await startAkSkAgent(sms.url, 'srv-proxy-date')
    try {
      await agent.waitForEvent((event) => event.event === 'status.listening')
      await waitFor(() => sms.counts.polls >= 10)
      expect(sms.counts.polls).toBeGreaterThanOrEqual(10)
      expect(sms.counts.refused).toBe(0)
      expect(agent.events().filter((event) => event.event === 'clock.skew')).toEqual([])
      expect(agent.events().filter((event) => event.event === 'poll.error')).toEqual([])
    } finally {
      agent.child.kill('SIGTERM')
      await agent.exited
      sms.server.close()
    }
  }, 30_000)
})
