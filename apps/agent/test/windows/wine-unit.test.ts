/**
 * The agent's Windows-concerning unit tests (vitest.wine.config.ts lists them), run by the Windows
 * node.exe under Wine: vitest itself runs there, from this Linux install, through
 * scripts/ci/wine-realpath.mjs. Their own report, .test-results/vitest-wine.json, is added to the
 * closing "N passed, N failed" by scripts/test-all.mjs, so each of them counts; this test fails
 * when that run fails or does not run to its end.
 */
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AGENT_DIR } from '../agent-process.ts'
import {
  REPO_ROOT,
  runUnderWine,
  WINE_MISSING,
  WINE_MODULES,
  WINE_NODE,
  WINE_NOTE,
  winPath,
} from './wine.ts'

const REPORT = join(AGENT_DIR, '.test-results', 'vitest-wine.json')

describe('under Wine with the Windows node.exe', () => {
  it.skipIf(WINE_MISSING !== undefined)(
    `the Windows unit tests pass (their counts join the closing line)${WINE_NOTE}`,
    async () => {
      rmSync(REPORT, { force: true })
      const logFile = join(await mkdtemp(join('/tmp', 'agent-wine-unit-')), 'vitest.log')
      const env: Record<string, string> = {
        SMS_WINE_MODULES: winPath(WINE_MODULES),
        NODE_OPTIONS: `--import=file:///${winPath(join(REPO_ROOT, 'scripts', 'ci', 'wine-realpath.mjs')).replaceAll('\\', '/')}`,
        FORCE_COLOR: '0',
      }
      const { code, output } = await runUnderWine(
        WINE_NODE,
        [join('node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.wine.config.ts'],
        { env, logFile, timeoutMs: 600_000 },
      )
      expect(existsSync(REPORT), `no report; vitest under Wine said:\n${output.slice(-3000)}`).toBe(
        true,
      )
      const { readTestReport } = (await import(
        join(REPO_ROOT, 'scripts', 'test-report.mjs') as string
      )) as {
        readTestReport: (path: string) => { passed: number; failed: number; skipped: number }
      }
      const counts = readTestReport(REPORT)
      console.log(
        `[wine] node.exe unit tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
      )
      expect(counts.failed, output.slice(-6000)).toBe(0)
      expect(counts.passed).toBeGreaterThanOrEqual(30)
      expect(code).toBe(0)
    },
    620_000,
  )
})
