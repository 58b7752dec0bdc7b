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
