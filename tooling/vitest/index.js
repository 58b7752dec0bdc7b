// Shared vitest settings. Every package writes a JSON report to .test-results/vitest.json so
// scripts/test-all.mjs can sum passes and failures over the whole repo (and turbo can replay it
// from cache).
/** @type {import('vitest/config').UserConfig['test']} */
export const baseTestConfig = {
  include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}', 'runtime-tests/**/*.test.ts'],
  reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  testTimeout: 20_000,
  hookTimeout: 60_000,
  // Tests run on 2 cores in CI; keep runtimes' child processes from starving each other.
  maxWorkers: 2,
}
