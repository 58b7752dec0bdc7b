/**
 * ARCHITECTURE.md says where each behaviour lives; that is only true while every source file is in
 * its tables, each in its own package's part of the page (a row of the mock's naming `index.ts`
 * says nothing of core's). A package's part runs from the first mention of its source root,
 * `(packages/core/src)`, to the next package's. A file is named when a backticked path in its
 * package's part ends with its path below the package's `src/` (or with its repository path),
 * after expanding `{a,b}` and reading `*` as any name within one folder.
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

/** Each package's part of the page, by source root; fenced blocks (the flow diagram) left out. */
function packageParts(page: string): Map<string, string> {
  const text = page.replace(/```[\s\S]*?```/g, '')
  const starts: { root: string; at: number }[] = []
  for (const match of text.matchAll(/\(((?:apps|packages)\/[a-z-]+\/src)\)/g)) {
    const root = match[1] as string
    if (!starts.some((start) => start.root === root)) starts.push({ root, at: match.index })
  }
  return new Map(starts.map(({ root, at }, index) => [root, text.slice(at, starts[index + 1]?.at)]))
}

/** The source files `page` does not name in their package's part. */
function unnamedFiles(files: readonly string[], page: string): string[] {
  const patterns = new Map(
    [...packageParts(page)].map(([root, part]) => [root, namedPatterns(part)]),
  )
  return files.filter((path) => {
    const root = /^((?:apps|packages)\/[^/]+\/src)\//.exec(path)?.[1] as string
    const inPackage = path.slice(root.length + 1)
    return !(patterns.get(root) ?? []).some(
      (pattern) => pattern.test(inPackage) || pattern.test(path),
    )
  })
}

const sourceFiles = trackedFiles().filter(
  (path) =>
    /^(apps|packages)\/[^/]+\/src\/.+\.tsx?$/.test(path) && !/\.test(-d)?\.tsx?$/.test(path),
)

describe('ARCHITECTURE.md', () => {
  const page = readFileSync(join(repoRoot, 'ARCHITECTURE.md'), 'utf8')

  it('has source files to name', () => {
    expect(sourceFiles.length).toBeGreaterThan(100)
  })

  it("names every source file of every package and app in its package's tables", () => {
    expect(unnamedFiles(sourceFiles, page)).toEqual([])
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

  it("counts a name only in its own package's part, and never inside a fenced block", () => {
    const sample = [
      '## Where (packages/core/src)',
      '| a | `time/*.ts`, `client/x.ts` |',
      '```',
      '`client/fenced.ts`',
      '```',
      'Where (apps/mock-server/src):',
      '| b | `routes/admin/{one,two}.ts`, `index.ts` |',
    ].join('\n')
    expect(
      unnamedFiles(
        [
          'packages/core/src/time/backoff.ts',
          'packages/core/src/client/x.ts',
          'packages/core/src/client/fenced.ts',
          'packages/core/src/index.ts',
          'apps/mock-server/src/routes/admin/two.ts',
          'apps/mock-server/src/index.ts',
          'apps/watch/src/a.ts',
        ],
        sample,
      ),
    ).toEqual([
      'packages/core/src/client/fenced.ts',
      'packages/core/src/index.ts',
      'apps/watch/src/a.ts',
    ])
  })
})
