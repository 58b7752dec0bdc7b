import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe } from 'vitest'
import { ADMIN_TOKEN, CONFORMANCE_SCENARIO, type ConformanceTarget } from './helpers.ts'
import { freePort, type SpawnedMock, spawnMock } from './spawn.ts'
import { conformanceSuite } from './suite.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const wrangler = fileURLToPath(
  new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url),
)

describe('conformance: workerd (wrangler dev, Durable Objects, offline)', () => {
  let mock: SpawnedMock
  let target: ConformanceTarget
  beforeAll(async () => {
    const port = await freePort()
    mock = await spawnMock(
      process.execPath,
      [
        wrangler,
        'dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--persist-to',
        mkdtempSync(join(tmpdir(), 'sms-mock-wrangler-')),
        '--var',
        `SMS_MOCK_SCENARIO:${JSON.stringify(CONFORMANCE_SCENARIO)}`,
        '--var',
        `SMS_MOCK_ADMIN_TOKEN:${ADMIN_TOKEN}`,
        '--show-interactive-dev-session=false',
      ],
      {
        cwd: root,
        env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
        listening: new RegExp(`(http://127\\.0\\.0\\.1:${port})`),
        timeoutMs: 60_000,
        stopGroup: true,
      },
    )
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
