/**
 * The quick start's machine-readable path: `npm run -s demo -- --json` is what a user pipes into
 * jq, so npm's and pnpm's banners and pnpm's install progress must stay off stdout. `--help` takes
 * the same route through npm, scripts/pnpm.mjs and pnpm as `--json` without running the demo.
 */

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './repo.ts'

const run = promisify(execFile)

describe('the quick start', () => {
  it('keeps stdout to the demo itself under npm run -s', { timeout: 180_000 }, async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const { stdout } = await run(npm, ['run', '-s', 'demo', '--', '--help'], {
      cwd: repoRoot,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      maxBuffer: 1 << 24,
    })
    expect(stdout.startsWith('Usage: ')).toBe(true)
    expect(stdout.split('\n').filter((line) => line.startsWith('> '))).toEqual([])
  })
})
