#!/usr/bin/env node
// The whole test run: build, typecheck and lint every package, then every package's vitest suite
// (which includes the Bun, Deno and workerd runs), then one closing line summing all runners:
// "N passed, N failed". Each package's vitest writes .test-results/vitest.json.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readTestReport } from './test-report.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  DENO_NO_UPDATE_CHECK: '1',
  FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
}
const bin = (name) => join(root, 'node_modules', '.bin', name)

function step(label, command, args) {
  console.log(`\n▶ ${label}`)
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env })
  return result.status === 0
}

const packages = ['packages', 'apps', 'tooling', 'examples'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')),
    )
    .map((entry) => join(root, group, entry.name)),
)
// What is published: the private workspace packages (tooling, examples) have no public API.
const publishedPackages = packages.filter(
  (dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private,
)
for (const dir of packages) rmSync(join(dir, '.test-results'), { recursive: true, force: true })

const checks = [
  [
    'build and typecheck',
    step('build and typecheck', bin('turbo'), [
      'run',
      'build',
      'typecheck',
      '--output-logs=errors-only',
    ]),
  ],
  [
    'lint and format (biome)',
    step('lint and format (biome)', bin('turbo'), ['run', '//#lint', '--output-logs=errors-only']),
  ],
  // The exports map is each package's public API: checked as it would be published.
  [
    'publint (every package)',
    publishedPackages.every((dir) =>
      step(
        `publint ${dir.slice(root.length + 1)}`,
        join(root, 'packages', 'core', 'node_modules', '.bin', 'publint'),
        ['--strict', dir],
      ),
    ),
  ],
  // One package at a time: the suites start Bun, Deno and workerd and the machine has 2 cores.
  ['tests', step('tests', bin('turbo'), ['run', 'test', '--concurrency=1', '--continue'])],
]

// The README's main job, headless, as a smoke test of the whole system (mock, agents, watch).
console.log('\n▶ demo smoke test: pnpm demo --duration 20s --json')
const demo = spawnSync(
  process.execPath,
  [join(root, 'scripts', 'demo.mjs'), '--duration', '20s', '--json'],
  {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  },
)
let demoOk = false
try {
  const summary = JSON.parse(demo.stdout.trim().split('\n').at(-1) ?? '')
  console.log(JSON.stringify(summary))
  demoOk =
    demo.status === 0 &&
    summary.ok === true &&
    summary.commands_handled > 0 &&
    summary.results_acknowledged > 0 &&
    summary.processes_left === 0 &&
    summary.port_released === true
} catch {
  console.log(demo.stdout, demo.stderr)
}
checks.push(['demo smoke test', demoOk])

let passed = 0
let failed = 0
let skipped = 0
console.log('\n▶ summary')
for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (!manifest.scripts?.test) continue
  const counts = readTestReport(join(dir, '.test-results', 'vitest.json'))
  if (!counts) {
    console.log(`${manifest.name}: no test report (the suite did not run to the end)`)
    failed++
    continue
  }
  passed += counts.passed
  failed += counts.failed
  skipped += counts.skipped
  console.log(
    `${manifest.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  )
  // A suite run again under Wine by the Windows node.exe (apps/agent/test/windows/wine-unit.test.ts)
  // writes its own report beside the package's; present only where Wine ran.
  const wine = readTestReport(join(dir, '.test-results', 'vitest-wine.json'))
  if (wine) {
    passed += wine.passed
    failed += wine.failed
    skipped += wine.skipped
    console.log(
      `${manifest.name} under Wine (node.exe): ${wine.passed} passed, ${wine.failed} failed, ${wine.skipped} skipped`,
    )
  }
}
// Each check beside the test runners counts as one test; the suites are counted above.
for (const [label, ok] of checks.filter(([label]) => label !== 'tests')) {
  console.log(`${label}: ${ok ? 'ok' : 'FAILED'}`)
  if (ok) passed++
  else failed++
}
const ok = checks.every(([, result]) => result) && failed === 0
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(ok ? 0 : 1)
