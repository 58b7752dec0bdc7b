#!/usr/bin/env node
// Prints the minified + gzipped size of what a consumer ships when it imports only
// `createSmsClient` and `staticToken` (ky and valibot included), next to baselines measured in
// the same run: ky alone, and the whole of core. Goal: at most 8 KB.
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const packageDir = new URL('..', import.meta.url).pathname

async function measure(label, contents) {
  const result = await build({
    stdin: { contents, resolveDir: packageDir, sourcefile: `${label}.js`, loader: 'js' },
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

const rows = [
  await measure('ky alone (baseline)', "import ky from 'ky'; console.log(ky)"),
  await measure(
    'ky + valibot parts core uses',
    "import ky from 'ky'; import * as v from 'valibot'; console.log(ky, v.object, v.looseObject, v.string, v.pipe, v.maxLength, v.minLength, v.nullish, v.exactOptional, v.transform, v.picklist, v.record, v.unknown, v.union, v.number, v.safeParse, v.is, v.optional)",
  ),
  await measure(
    'createSmsClient + staticToken',
    "import { createSmsClient, staticToken } from './dist/index.js'; console.log(createSmsClient, staticToken)",
  ),
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
const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`
console.log('bundle'.padEnd(34), 'minified'.padStart(10), 'min+gzip'.padStart(10))
for (const row of rows)
  console.log(row.label.padEnd(34), kb(row.minified).padStart(10), kb(row.gzipped).padStart(10))
const target = rows[2]
const goal = 8 * 1024
console.log(
  `\ncreateSmsClient + staticToken: ${kb(target.gzipped)} min+gzip (goal ≤ ${kb(goal)}): ${target.gzipped <= goal ? 'met' : 'NOT met'}`,
)
