/**
 * The product keeps its own docs (docs/): no tracked file may point at the developers' notes
 * outside the repository, which a user who clones or installs it doesn't have. Only .ci/ (the CI
 * harness) is exempt.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot, trackedFiles } from './repo.ts'

// Built from parts so that this file doesn't match itself.
const OUTSIDE = new RegExp(['\\.\\./', 'shared', '|', 'shared', '/spec'].join(''))
const BINARY = /\.(png|jpe?g|gif|ico|wasm|tgz|gz|zip|woff2?)$/

/** `path:line: text` of every line of a tracked file (except .ci/) that refers outside the repo. */
function outsideReferences(): string[] {
  const hits: string[] = []
  for (const path of trackedFiles()) {
    if (path.startsWith('.ci/') || BINARY.test(path)) continue
    let text: string
    try {
      text = readFileSync(join(repoRoot, path), 'utf8')
    } catch {
      continue // listed but deleted in the work tree
    }
    text.split('\n').forEach((line, index) => {
      if (OUTSIDE.test(line)) hits.push(`${path}:${index + 1}: ${line.trim()}`)
    })
  }
  return hits
}

describe('references outside the repository', () => {
  it('no tracked file but .ci/ refers to the developers-only notes beside the repo', () => {
    expect(outsideReferences()).toEqual([])
  })

  it('the docs they were replaced by are in the repo', () => {
    const api = readFileSync(join(repoRoot, 'docs', 'api.md'), 'utf8')
    for (const anchor of [
      '## 2. Report a result',
      '### Delivery model',
      '## 5. AK/SK signing',
      '## 7. Field conditions',
    ])
      expect(api).toContain(anchor)
  })

  it('the check would see one (a guard against a regex that matches nothing)', () => {
    expect(OUTSIDE.test(['see ', '../', 'shared', '/spec/x'].join(''))).toBe(true)
  })
})
