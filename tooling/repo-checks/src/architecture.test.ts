/**
 * ARCHITECTURE.md says where each behaviour lives; that is only true while every source file is in
 * its tables. A file is named when a backticked path in the page ends with its path below its
 * package's `src/` (or with its repository path), after expanding `{a,b}` and reading `*` as any
 * name within one folder.
 */

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot, trackedFiles } from './repo.ts'

function expandBraces(token: string): string[] {
  const match = /^(.*?)\{([^}]*)\}(.*)$/.exec(token)
  if (!match) return [token]
  const [, before, choices, after] = match as unknown as [string, string, string, string]
  return choices.split(',').flatMap((choice) => expandBraces(`${before}${choice}${after}`))
}

function namedPatterns(page: string): RegExp[] {
  return [...page.matchAll(/`([^`\s]+\.(?:tsx?|mjs))`/g)]
    .flatMap((match) => expandBraces(match[1] as string))
    .map((path) => {
      const source = path.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')
      return new RegExp(`(^|/)${source}$`)
    })
}

const sourceFiles = trackedFiles().filter(
  (path) =>
    /^(apps|packages)\/[^/]+\/src\/.+\.tsx?$/.test(path) && !/\.test(-d)?\.tsx?$/.test(path),
)

describe('ARCHITECTURE.md', () => {
  const patterns = namedPatterns(readFileSync(join(repoRoot, 'ARCHITECTURE.md'), 'utf8'))

  it('has source files to name', () => {
    expect(sourceFiles.length).toBeGreaterThan(100)
  })

  it('names every source file of every package and app in its tables', () => {
    const unnamed = sourceFiles.filter((path) => {
      const inPackage = path.replace(/^(apps|packages)\/[^/]+\/src\//, '')
      return !patterns.some((pattern) => pattern.test(inPackage) || pattern.test(path))
    })
    expect(unnamed).toEqual([])
  })

  it('reads braces and globs as the page uses them', () => {
    const [braces, glob] = [
      namedPatterns('`routes/admin/{settings,servers}.ts`'),
      namedPatterns('`schemas/*.ts`'),
    ]
    expect(braces.map(String)).toEqual([
      String(/(^|\/)routes\/admin\/settings\.ts$/),
      String(/(^|\/)routes\/admin\/servers\.ts$/),
    ])
    expect(glob[0]?.test('schemas/command.ts')).toBe(true)
    expect(glob[0]?.test('schemas/deep/command.ts')).toBe(false)
  })
})
