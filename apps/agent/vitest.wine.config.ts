/**
 * The agent's Windows-concerning unit tests, run by the Windows node.exe under Wine
 * (test/windows/wine-unit.test.ts starts it). Its own report, .test-results/vitest-wine.json, is
 * added to the closing count by scripts/test-all.mjs. No global setup: these tests import the
 * sources, and node.exe building dist/ under Wine would only be slower.
 */
import { baseTestConfig } from '@sms-command/vitest-config'
import { defineConfig } from 'vitest/config'

/** The files that concern Windows. */
export const WINE_UNIT_TESTS = [
  'src/platform/windows.test.ts',
  'src/handler/run-handler.windows.test.ts',
  'src/durable/atomic-file.test.ts',
  'src/durable/state-lock.windows.test.ts',
  'src/config/load-config.windows.test.ts',
  'test/windows/service.test.ts',
]

export default defineConfig({
  test: {
    ...baseTestConfig,
    include: WINE_UNIT_TESTS,
    reporters: ['default', ['json', { outputFile: '.test-results/vitest-wine.json' }]],
    testTimeout: 60_000,
    maxWorkers: 1,
  },
})
