import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { ADMIN_TOKEN, type ConformanceTarget } from './helpers.ts'
import { runtimeBinary, type SpawnedMock, scenarioFile, spawnMock } from './spawn.ts'
import { conformanceSuite } from './suite.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('conformance: Bun (Bun.serve over HTTP)', () => {
  let mock: SpawnedMock
  let target: ConformanceTarget
  beforeAll(async () => {
    mock = await spawnMock(
      runtimeBinary('bun'),
      [
        '--max-http-header-size=65536',
        'src/bun.ts',
        '--port',
        '0',
        '--scenario',
        scenarioFile(),
        '--admin-token',
        ADMIN_TOKEN,
      ],
      { cwd: root },
    )
    target = { name: 'bun', baseUrl: mock.url, adminToken: ADMIN_TOKEN, fetch: globalThis.fetch }
  })
  afterAll(async () => {
    expect(await mock.stop()).toBe(0)
  })
  conformanceSuite(() => target)
})
