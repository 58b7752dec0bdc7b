/**
 * An absurd Retry-After (issue 9/10: 30 days) through the real mock: the agent waits its own
 * ceiling, and says in the log what the server asked for, for polls and for reports.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const TOKEN = 'tok-SECRET-retry-after-77'
const THIRTY_DAYS_S = 2_592_000

let dir: string
let handler: string
let mock: Mock

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-retry-after-'))
  handler = join(dir, 'handler.sh')
  await writeFile(handler, '#!/bin/sh\necho done\n')
  await chmod(handler, 0o755)
  mock = await startMock({ tokens: [TOKEN] })
})

afterAll(async () => {
  await mock?.close()
})

function startAgent(serverId: string) {
  return startAgentProcess(
    'node',
    [
      ...['--endpoint', mock.url, '--server-id', serverId, '--state-dir', join(dir, serverId)],
      ...['--handler', handler, '--interval', '50ms', '--first-poll-jitter', '0ms'],
      ...['--backoff-base', '50ms', '--backoff-max', '2s', '--slow-retry', '50ms'],
    ],
    { SMS_TOKEN: TOKEN },
  )
}

describe('a 30-day Retry-After', () => {
  it('on a poll: waits the ceiling and logs what the server asked for', async () => {
    await mock.register('srv-429-poll')
    await mock.client.addFaults({
      kind: 'status',
      status: 429,
      retryAfterSeconds: THIRTY_DAYS_S,
      server: 'srv-429-poll',
      route: 'command',
      count: 1,
    })
    const agent = startAgent('srv-429-poll')
    try {
      const error = await agent.waitForEvent((event) => event.event === 'poll.error')
      expect(error).toMatchObject({
        status: '429',
        delay: 2_000,
        retry_after_requested_ms: THIRTY_DAYS_S * 1_000,
      })
      expect(String(error.msg)).toContain('server asked for 30 d; waiting 2 s (capped)')
    } finally {
      agent.child.kill('SIGTERM')
      await agent.exited
    }
  }, 30_000)

  it('on a report: keeps it in the outbox and logs what the server asked for', async () => {
    await mock.register('srv-429-report')
    await mock.enqueue('srv-429-report', [
      { command_name: 'SYNC', command_param: { task_id: 'retry-after' } },
    ])
    await mock.client.addFaults({
      kind: 'status',
      status: 429,
      retryAfterSeconds: THIRTY_DAYS_S,
      server: 'srv-429-report',
      route: 'command_result',
      count: 1,
    })
    const agent = startAgent('srv-429-report')
    try {
      const error = await agent.waitForEvent((event) => event.event === 'report.error')
      expect(error).toMatchObject({
        status: '429',
        retry_after_requested_ms: THIRTY_DAYS_S * 1_000,
      })
      expect(Number(error.delay)).toBeLessThanOrEqual(5 * 60_000)
      expect(String(error.msg)).toContain('server asked for 30 d')
      expect(String(error.msg)).toContain('(capped)')
    } finally {
      agent.child.kill('SIGTERM')
      await agent.exited
    }
  }, 30_000)
})
