#!/usr/bin/env node
// CI's second Node line: every package's vitest suite once more on the node found first on PATH
// (Node 22 in .ci/run; the main run is on Node 24), without the files that drive Bun, Deno,
// workerd or a browser, which the main run covers and which don't depend on Node's version.
// Each package rewrites its .test-results/vitest.json; the last line is
// "node <version>: N passed, N failed" for .ci/run to add to the closing line.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readTestReport } from '../test-report.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const major = process.versions.node.split('.')[0]
// The packages' own JSON reporter (tooling/vitest); runs after the main run has been summed.
const report = '.test-results/vitest.json'
// Other runtimes' suites: they spawn Bun, Deno, workerd or Chromium, whatever runs vitest.
const OTHER_RUNTIMES = [
  'runtime-tests/**',
  '**/conformance/bun.test.ts',
  '**/conformance/deno.test.ts',
  '**/conformance/workerd.test.ts',
  '**/workerd-eviction.test.ts',
  '**/e2e-bun.test.ts',
  '**/compiled.test.ts',
  // Windows programs under Wine: they don't depend on the Linux Node's version.
  '**/test/windows/**',
]
const packages = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, group, entry.name))
    .filter((dir) => existsSync(join(dir, 'package.json'))),
)
let passed = 0
let failed = 0
for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (!manifest.scripts?.test?.startsWith('vitest')) continue
  rmSync(join(dir, report), { force: true })
  console.log(`\n▶ ${manifest.name} on Node ${process.versions.node}`)
  spawnSync(
    process.execPath,
    [
      join(dir, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      ...OTHER_RUNTIMES.flatMap((glob) => ['--exclude', glob]),
    ],
    { cwd: dir, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } },
  )
  const counts = readTestReport(join(dir, report))
  if (!counts) {
    console.log(`${manifest.name}: no test report on Node ${major}`)
    failed++
    continue
  }
  passed += counts.passed
  failed += counts.failed
  console.log(`${manifest.name} on Node ${major}: ${counts.passed} passed, ${counts.failed} failed`)
}
console.log(`node ${process.versions.node}: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
