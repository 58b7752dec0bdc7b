import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe } from 'vitest'
import { ADMIN_TOKEN, type ConformanceTarget } from './helpers.ts'
import { type SpawnedMock, startWranglerMock } from './spawn.ts'
import { conformanceSuite } from './suite.ts'

describe('conformance: workerd (wrangler dev, Durable Objects, offline)', () => {
  let mock: SpawnedMock
  let target: ConformanceTarget
  beforeAll(async () => {
    mock = await startWranglerMock(mkdtempSync(join(tmpdir(), 'sms-mock-wrangler-')))
    target = {
      name: 'workerd',
      baseUrl: mock.url,
      adminToken: ADMIN_TOKEN,
      fetch: globalThis.fetch,
    }
  }, 90_000)
  afterAll(async () => {
    await mock?.stop()
  })
  conformanceSuite(() => target)
})
