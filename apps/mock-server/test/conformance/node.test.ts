import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type ConformanceTarget } from './helpers.ts'
import { type SpawnedMock, scenarioFile, spawnMock } from './spawn.ts'
import { conformanceSuite } from './suite.ts'

const bin = fileURLToPath(new URL('../../dist/node.js', import.meta.url))

describe('conformance: Node (sms-mock bin over HTTP)', () => {
  let mock: SpawnedMock
  let target: ConformanceTarget
  beforeAll(async () => {
    mock = await spawnMock(process.execPath, [
      bin,
      '--port',
      '0',
      '--scenario',
      scenarioFile(),
      '--admin-token',
      ADMIN_TOKEN,
    ])
    target = { name: 'node', baseUrl: mock.url, adminToken: ADMIN_TOKEN, fetch: globalThis.fetch }
  })
  afterAll(async () => {
    expect(await mock.stop()).toBe(0)
  })
  it('prints exactly "sms-mock listening on http://127.0.0.1:PORT" first', () => {
    expect(mock.output().split('\n')[1]).toMatch(
      /^sms-mock listening on http:\/\/127\.0\.0\.1:\d+$/,
    )
  })
  conformanceSuite(() => target)
})
