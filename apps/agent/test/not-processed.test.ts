/**
 * Statuses that say a request was not processed (issue 17): a gateway answering the result POST
 * `408 Request Timeout` over and over must not use the result up. Before, three 408s settled it
 * `rejected` and held the command, although SMS had recorded nothing and a later try went through.
 * Through the real mock and the agent process: every result still lands, exactly once.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const TOKEN = 'tok-SECRET-not-processed-408'

let dir: string
let handler: string
let mock: Mock

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-not-processed-'))
  handler = join(dir, 'handler.sh')
  await writeFile(handler, '#!/bin/sh\necho done\n')
  await chmod(handler, 0o755)
  mock = await startMock({ tokens: [TOKEN] })
})

afterAll(async () => {
  await mock?.close()
})

describe.each([408, 421, 425, 502, 504])('the result POST answered %i many times', (status) => {
  it('is retried until SMS records it, once, and never settled rejected', async () => {
    const serverId = `srv-not-processed-${status}`
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'SYNC', command_param: { task_id: `t-${status}` } },
    ])
    // More answers than the client's own attempts and the agent's refusal limit (3) together.
    await mock.client.addFaults({
      kind: 'status',
      status,
      server: serverId,
      route: 'command_result',
      count: 8,
    })
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', mock.url, '--server-id', serverId, '--state-dir', join(dir, serverId)],
        ...['--handler', handler, '--interval', '50ms', '--first-poll-jitter', '0ms'],
        ...['--backoff-base', '20ms', '--backoff-max', '100ms', '--slow-retry', '50ms'],
        ...['--request-timeout', '1s'],
      ],
      { SMS_TOKEN: TOKEN },
    )
    try {
      await agent.waitForEvent((event) => event.event === 'report.error')
      const settled = await agent.waitForEvent(
        (event) =>
          event.event === 'report.acknowledged' ||
          event.event === 'report.refused' ||
          event.event === 'report.rejected' ||
          event.event === 'report.held',
        60_000,
      )
      expect(settled.event).toBe('report.acknowledged')
      const results = await mock.results(serverId)
      expect(results.map((result) => result.command.command_param.task_id)).toEqual([`t-${status}`])
      const refusals = ['report.refused', 'report.rejected', 'report.held']
      expect(agent.events().filter((event) => refusals.includes(String(event.event)))).toEqual([])
    } finally {
      agent.child.kill('SIGTERM')
      await agent.exited
    }
  }, 90_000)
})
