import { describe } from 'vitest'
import { createMockApp } from '../../src/index.ts'
import { ADMIN_TOKEN, CONFORMANCE_SCENARIO, type ConformanceTarget } from './helpers.ts'
import { conformanceSuite } from './suite.ts'

describe('conformance: in-memory app (app.fetch)', () => {
  const app = createMockApp({ scenario: CONFORMANCE_SCENARIO, adminToken: ADMIN_TOKEN })
  const target: ConformanceTarget = {
    name: 'in-memory',
    baseUrl: 'http://mock.test',
    adminToken: ADMIN_TOKEN,
    fetch: (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
  }
  conformanceSuite(() => target)
})
