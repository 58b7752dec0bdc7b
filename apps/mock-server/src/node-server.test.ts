import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningNodeServer, startNodeServer } from './node-server.ts'

/** Sends raw bytes and reads the whole answer (the server closes the connection). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => {
      answer += chunk
    })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
}

describe('startNodeServer: requests Node’s parser refuses', () => {
  let mock: RunningNodeServer

  beforeAll(async () => {
    mock = await startNodeServer({ port: 0, tokens: ['t'], demo: false })
  })

  afterAll(async () => {
    await mock.close()
  })

  it('answers headers over 64 KiB with 431 in the error shape, dated by the mock clock', async () => {
    await mock.app.request('/_mock/clock', {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 2 * 3_600_000 }),
    })
    const answer = await raw(
      mock.port,
      `GET /v3/sources/x/command HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(70_000)}\r\n\r\n`,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 431 /)
    expect(answer).toMatch(/\r\nx-request-id: [0-9a-f]{32}\r\n/)
    const date = Date.parse(/\r\ndate: ([^\r]+)\r\n/.exec(answer)?.[1] ?? '')
    expect(date - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000)
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error_code: 'SMS.0400',
      error_msg: expect.stringMatching(/^headers:/),
    })
  })
})

describe('startNodeServer: the Date header of a poll', () => {
  let mock: RunningNodeServer

  beforeAll(async () => {
    mock = await startNodeServer({
      port: 0,
      demo: false,
      scenario: {
        tokens: ['t'],
        servers: [{ id: 'srv-1', commands: [{ command_name: 'START', command_param: {} }] }],
      },
    })
  })

  afterAll(async () => {
    await mock.close()
  })

  const poll = () =>
    raw(
      mock.port,
      'GET /v3/sources/srv-1/command HTTP/1.1\r\nHost: a\r\nX-Auth-Token: t\r\nConnection: close\r\n\r\n',
    )
  const datesOf = (answer: string) =>
    [...answer.slice(0, answer.indexOf('\r\n\r\n')).matchAll(/\r\ndate: ([^\r]+)/gi)].map((m) =>
      Date.parse(m[1] ?? ''),
    )

  it('is written once, by Node, from the real clock while the mock clock is unmoved', async () => {
    const answer = await poll()
    expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    const dates = datesOf(answer)
    expect(dates).toHaveLength(1)
    expect(Math.abs((dates[0] ?? 0) - Date.now())).toBeLessThan(5_000)
  })

  it('is written once, from the mock clock, once the mock clock is moved', async () => {
    await mock.app.request('/_mock/clock', {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 2 * 3_600_000 }),
    })
    const dates = datesOf(await poll())
    expect(dates).toHaveLength(1)
    expect((dates[0] ?? 0) - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000)
  })
})
