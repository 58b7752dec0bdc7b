import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { ADMIN_TOKEN, type ConformanceTarget } from './helpers.ts'
import { runtimeBinary, type SpawnedMock, scenarioFile, spawnMock } from './spawn.ts'
import { conformanceSuite } from './suite.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('conformance: Deno (Deno.serve over HTTP)', () => {
  let mock: SpawnedMock
  let target: ConformanceTarget
  beforeAll(async () => {
    mock = await spawnMock(
      runtimeBinary('deno'),
      [
        'run',
        '--allow-net',
        '--allow-read',
        '--allow-env',
        'src/deno.ts',
        '--port',
        '0',
        '--scenario',
        scenarioFile(),
        '--admin-token',
        ADMIN_TOKEN,
      ],
      { cwd: root, env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } },
    )
    target = { name: 'deno', baseUrl: mock.url, adminToken: ADMIN_TOKEN, fetch: globalThis.fetch }
  })
  afterAll(async () => {
    expect(await mock.stop()).toBe(0)
  })
  conformanceSuite(() => target)
})
