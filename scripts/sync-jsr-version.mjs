#!/usr/bin/env node
// Part of `pnpm release:version`: Changesets bumps package.json versions; each package that also
// publishes to JSR gets the same version in its jsr.json (tooling/repo-checks checks they agree).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
for (const dir of ['packages/core', 'packages/cli-kit']) {
  const jsrPath = join(root, dir, 'jsr.json')
  if (!existsSync(jsrPath)) continue
  const { version } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
  const jsr = JSON.parse(readFileSync(jsrPath, 'utf8'))
  if (jsr.version === version) continue
  jsr.version = version
  writeFileSync(jsrPath, `${JSON.stringify(jsr, null, 2)}\n`)
  console.log(`${dir}/jsr.json: version ${version}`)
}
