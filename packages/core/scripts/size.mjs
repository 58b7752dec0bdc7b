#!/usr/bin/env node
// Prints the minified + gzipped size of what a consumer ships when it imports only
// `createSmsClient` and `staticToken` (ky and valibot included), next to baselines measured in
// the same run: ky alone, ky with the valibot parts that bundle holds (the floor no change to
// core's own code can go below), earlier versions of core rebuilt from git, and the whole of
// core. Goal: at most 8 KB.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const packageDir = new URL('..', import.meta.url).pathname
const clientEntry =
  "import { createSmsClient, staticToken } from '$'; console.log(createSmsClient, staticToken)"

// Earlier figures of the `createSmsClient + staticToken` bundle. Each is rebuilt from its
// commit's source when git history is at hand (a published tarball has none); the figure
// recorded when it was measured stands in otherwise.
const EARLIER = [
  {
    label: 'before issue 9 (0f5a6c6)',
    commit: '0f5a6c64d94b25cb5451d1de25ead7595c253aa7',
    recordedGzipped: 9.95 * 1024,
  },
  {
    label: 'after field conditions (a6a07ff)',
    commit: 'a6a07ff6959b5856b3a6f1766cd2261e2db4650b',
    recordedGzipped: 12.74 * 1024,
  },
]

async function measure(label, contents, { resolveDir = packageDir, nodePaths = [] } = {}) {
  const result = await build({
    stdin: { contents, resolveDir, sourcefile: `${label}.js`, loader: 'js' },
    nodePaths,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0].contents
  return { label, minified: code.length, gzipped: gzipSync(code, { level: 9 }).length }
}

/** Bundles the client of an earlier commit from its source, or returns its recorded figure. */
async function measureEarlier({ label, commit, recordedGzipped }) {
  const dir = mkdtempSync(join(tmpdir(), 'core-size-'))
  try {
    const git = (...args) =>
      execFileSync('git', args, { cwd: packageDir, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim()
    const prefix = git('rev-parse', '--show-prefix')
    const tarball = execFileSync('git', ['archive', commit, `${prefix}src`], {
      cwd: git('rev-parse', '--show-toplevel'),
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    execFileSync('tar', ['-x', '-C', dir], { input: tarball })
    // The package's `sideEffects: false` is what lets a bundler drop the modules not imported.
    writeFileSync(join(dir, prefix, 'package.json'), '{"type":"module","sideEffects":false}')
    const row = await measure(label, clientEntry.replace('$', './index.ts'), {
      resolveDir: join(dir, prefix, 'src'),
      nodePaths: [join(packageDir, 'node_modules')],
    })
    return { ...row, label: `${label}, rebuilt` }
  } catch {
    return { label: `${label}, recorded`, minified: undefined, gzipped: recordedGzipped }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const rows = [
  await measure('ky alone (baseline)', "import ky from 'ky'; console.log(ky)"),
  await measure(
    'ky + valibot parts core uses',
    "import ky from 'ky'; import * as v from 'valibot'; console.log(ky, v.object, v.looseObject, v.string, v.pipe, v.maxLength, v.minLength, v.nullish, v.exactOptional, v.transform, v.picklist, v.record, v.unknown, v.union, v.number, v.safeParse, v.is, v.optional)",
  ),
  await measure(
    'ky + valibot parts of the client',
    "import ky from 'ky'; import * as v from 'valibot'; console.log(ky, v.object, v.looseObject, v.string, v.pipe, v.maxLength, v.minLength, v.nullish, v.picklist, v.record, v.unknown, v.custom, v.number, v.integer, v.minValue, v.boolean, v.array, v.safeParse)",
  ),
  ...(await Promise.all(EARLIER.map(measureEarlier))),
  await measure('createSmsClient + staticToken', clientEntry.replace('$', './dist/index.js')),
  await measure(
    '+ pollCommands',
    "import { createSmsClient, staticToken, pollCommands } from './dist/index.js'; console.log(createSmsClient, staticToken, pollCommands)",
  ),
  await measure(
    '+ akSk',
    "import { createSmsClient, akSk } from './dist/index.js'; console.log(createSmsClient, akSk)",
  ),
  await measure(
    'everything (import *)',
    "import * as core from './dist/index.js'; console.log(core)",
  ),
]
const kb = (bytes) => (bytes === undefined ? '' : `${(bytes / 1024).toFixed(2)} KB`)
console.log('bundle'.padEnd(44), 'minified'.padStart(10), 'min+gzip'.padStart(10))
for (const row of rows)
  console.log(row.label.padEnd(44), kb(row.minified).padStart(10), kb(row.gzipped).padStart(10))
const target = rows.find((row) => row.label === 'createSmsClient + staticToken')
const floor = rows.find((row) => row.label === 'ky + valibot parts of the client')
const goal = 8 * 1024
console.log(
  `\ncreateSmsClient + staticToken: ${kb(target.gzipped)} min+gzip (goal ≤ ${kb(goal)}): ${target.gzipped <= goal ? 'met' : 'NOT met'}`,
)
console.log(
  `ky and the valibot parts it holds take ${kb(floor.gzipped)} of it; core's own code adds ${kb(target.gzipped - floor.gzipped)} (the goal leaves ${kb(goal - floor.gzipped)}).`,
)
