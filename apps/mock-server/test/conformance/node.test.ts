import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { spawnMock } from './spawn.ts'
import { conformanceFlags, describeSpawnedConformance } from './spawned.ts'

const bin = fileURLToPath(new URL('../../dist/node.js', import.meta.url))

describeSpawnedConformance(
  'conformance: Node (sms-mock bin over HTTP)',
  'node',
  () => spawnMock(process.execPath, [bin, ...conformanceFlags()]),
  (mock) => {
    it('prints exactly "sms-mock listening on http://127.0.0.1:PORT" first', () => {
      expect(mock().output().split('\n')[1]).toMatch(
        /^sms-mock listening on http:\/\/127\.0\.0\.1:\d+$/,
      )
    })
  },
)
