import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { ServerUpdate, SourceStatus } from '../model.ts'
import { type AgentEvent, agentEventUpdates, startAgentSource } from './agent-source.ts'

const time = '2026-01-01T00:00:00.000Z'
const at = Date.parse(time)
const ev = (fields: Record<string, unknown> & { event: string }): AgentEvent =>
  ({
    time,
    level: 'info',
    server_id: 'srv-1',
    ...fields,
  }) as AgentEvent

describe('agentEventUpdates', () => {
  it('maps polls, handler runs and reports to server updates', () => {
    expect(
      agentEventUpdates(ev({ event: 'poll.idle', level: 'debug', latency_ms: 12 })).updates,
    ).toEqual([{ serverId: 'srv-1', at, poll: { latencyMs: 12 }, command: null, error: null }])
    expect(
      agentEventUpdates(
        ev({ event: 'poll.command', command: 'START', task_id: 't1', latency_ms: 3 }),
      ).updates[0],
    ).toMatchObject({
      command: { name: 'START', taskId: 't1' },
      poll: { latencyMs: 3 },
    })
    expect(
      agentEventUpdates(ev({ event: 'command.start', command: 'START', task_id: 't1' })).updates[0],
    ).toMatchObject({
      phase: 'running',
    })
    expect(
      agentEventUpdates(
        ev({
          event: 'command.finish',
          level: 'warn',
          command: 'START',
          result: 'fail',
          exit_code: 3,
          duration_ms: 40,
        }),
      ).updates[0]?.note,
    ).toEqual({ level: 'warn', text: 'handler finished: fail (exit_code=3 duration_ms=40)' })
    expect(
      agentEventUpdates(
        ev({ event: 'report.acknowledged', command: 'START', task_id: 't1', result: 'success' }),
      ).updates[0],
    ).toMatchObject({
      command: null,
      result: { command: { name: 'START', taskId: 't1' }, result: 'success' },
    })
  })

  it('maps poll and report errors with status and code', () => {
    const error = agentEventUpdates(
      ev({
        event: 'poll.error',
        level: 'warn',
        status: '401',
        msg: 'SMS refused the credentials (401)',
        error: { status: 401, error_code: 'APIGW.0301', message: 'GET … failed with HTTP 401' },
      }),
    ).updates[0]?.error
    expect(error).toMatchObject({
      status: 401,
      code: 'APIGW.0301',
      message: 'GET … failed with HTTP 401',
    })
    const network = agentEventUpdates(
      ev({
        event: 'poll.error',
        level: 'warn',
        status: 'timeout',
        error: { reason: 'timeout', message: 'timed out' },
      }),
    ).updates[0]?.error
    expect(network).toMatchObject({ code: 'timeout' })
  })

  it('keeps unknown debug events out, warnings as notes, and fleet-wide warnings in the log', () => {
    expect(agentEventUpdates(ev({ event: 'report.send', level: 'debug' }))).toEqual({
      updates: [],
      log: [],
    })
    expect(
      agentEventUpdates(ev({ event: 'lock.stale', level: 'warn', msg: 'old lock' })).updates[0]
        ?.note,
    ).toEqual({
      level: 'warn',
      text: 'lock.stale: old lock',
    })
    const { server_id: _omitted, ...withoutServer } = ev({
      event: 'agent.crash',
      level: 'error',
      msg: 'boom',
    })
    expect(agentEventUpdates(withoutServer as AgentEvent).log[0]?.text).toBe(
      'agent agent.crash: boom',
    )
  })
})

describe('startAgentSource', () => {
  it('follows an agent /events stream over HTTP', async () => {
    let client: ServerResponse | undefined
    const server = createServer((request, response) => {
      if (request.url !== '/events') {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, { 'Content-Type': 'text/event-stream' })
      response.write('retry: 2000\n\n')
      response.write(
        `id: 1\ndata: ${JSON.stringify(ev({ event: 'poll.command', command: 'SYNC', latency_ms: 4 }))}\n\n`,
      )
      client = response
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const controller = new AbortController()
    const updates: ServerUpdate[] = []
    const statuses: SourceStatus[] = []
    const done = startAgentSource({
      url,
      emit: (u) => updates.push(u),
      status: (s) => statuses.push(s),
      signal: controller.signal,
    })
    for (let i = 0; i < 100 && updates.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10))
    client?.write(
      `id: 2\ndata: ${JSON.stringify(ev({ event: 'command.start', command: 'SYNC' }))}\n\n`,
    )
    for (let i = 0; i < 100 && updates.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    controller.abort()
    await done
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    expect(updates.map((update) => update.command?.name ?? update.phase)).toEqual(['SYNC', 'SYNC'])
    expect(updates[1]?.phase).toBe('running')
    expect(statuses.map((status) => status.status).slice(0, 2)).toEqual(['connecting', 'ok'])
    expect(statuses[0]).toMatchObject({ kind: 'agent', target: url.origin })
  })
})

describe('startAgentSource against a silent event server', () => {
  it('marks the source stale after 2.5 keep-alives without a byte, then reconnects with Last-Event-ID', async () => {
    const lastIds: (string | undefined)[] = []
    const server = createServer((request, response) => {
      lastIds.push(request.headers['last-event-id'] as string | undefined)
      response.writeHead(200, { 'Content-Type': 'text/event-stream' })
      // The first connection sends one event, then nothing: a route dropped by a NAT or VPN.
      if (lastIds.length === 1) {
        response.write(
          `id: 7\ndata: ${JSON.stringify(ev({ event: 'poll.idle', level: 'debug' }))}\n\n`,
        )
      } else {
        response.write(': keep-alive\n\n')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const controller = new AbortController()
    const statuses: SourceStatus[] = []
    const done = startAgentSource({
      url,
      emit: () => {},
      status: (s) => statuses.push(s),
      signal: controller.signal,
      keepAliveMs: 40,
    })
    for (let i = 0; i < 200 && lastIds.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    controller.abort()
    await done
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const stale = statuses.find((status) => status.status === 'stale')
    const opened = statuses.find((status) => status.status === 'ok')
    expect(stale).toMatchObject({ kind: 'agent', target: url.origin })
    expect(stale?.since).toBeGreaterThanOrEqual(opened?.at ?? Number.POSITIVE_INFINITY)
    expect((stale?.at ?? 0) - (stale?.since ?? 0)).toBeGreaterThanOrEqual(100)
    expect(lastIds.slice(0, 2)).toEqual([undefined, '7'])
  })
})
