import { afterAll, beforeAll, describe, expect } from 'vitest'
import { ADMIN_TOKEN, type ConformanceTarget } from './helpers.ts'
import { type SpawnedMock, scenarioFile } from './spawn.ts'
import { conformanceSuite } from './suite.ts'

/**
 * The `sms-mock` flags a spawned conformance target starts with: a free port, the conformance
 * scenario (written to a fresh temporary file) and the admin token.
 *
 * @example
 * spawnMock(process.execPath, ['dist/node.js', ...conformanceFlags()])
 */
export function conformanceFlags(): string[] {
  return ['--port', '0', '--scenario', scenarioFile(), '--admin-token', ADMIN_TOKEN]
}

/**
 * Describes the conformance suite against a mock in a child process: `start` spawns it before
 * the tests, and after them it must exit 0 on SIGTERM. `more` adds tests of the process itself
 * (they run before the suite).
 *
 * @example
 * describeSpawnedConformance('conformance: Node', 'node', () =>
 *   spawnMock(process.execPath, [bin, ...conformanceFlags()]),
 * )
 */
export function describeSpawnedConformance(
  title: string,
  name: string,
  start: () => Promise<SpawnedMock>,
  more?: (mock: () => SpawnedMock) => void,
): void {
  describe(title, () => {
    let mock: SpawnedMock
    let target: ConformanceTarget
    beforeAll(async () => {
      mock = await start()
      target = { name, baseUrl: mock.url, adminToken: ADMIN_TOKEN, fetch: globalThis.fetch }
    })
    afterAll(async () => {
      expect(await mock.stop()).toBe(0)
    })
    more?.(() => mock)
    conformanceSuite(() => target)
  })
}
