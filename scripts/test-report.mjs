// One reading of a package's vitest JSON report, shared by the README's test command
// (scripts/test-all.mjs) and CI's second Node run (scripts/ci/node-suites.mjs), so that both count
// the same way.
import { existsSync, readFileSync } from 'node:fs'

/**
 * The counts of one vitest JSON report, or `undefined` when the report is missing (the suite did
 * not run to the end). A file that fails to load, or whose `beforeAll` fails (its tests then count
 * as skipped), has no failed test of its own: it counts as one failure, so it can't pass silently.
 *
 * @example
 * const counts = readTestReport('packages/core/.test-results/vitest.json')
 * if (counts) console.log(`${counts.passed} passed, ${counts.failed} failed`)
 */
export function readTestReport(path) {
  if (!existsSync(path)) return undefined
  const result = JSON.parse(readFileSync(path, 'utf8'))
  const brokenFiles = result.testResults.filter(
    (file) =>
      file.status === 'failed' &&
      !file.assertionResults.some((assertion) => assertion.status === 'failed'),
  ).length
  return {
    passed: result.numPassedTests,
    failed: result.numFailedTests + brokenFiles,
    skipped: result.numPendingTests + result.numTodoTests,
  }
}
