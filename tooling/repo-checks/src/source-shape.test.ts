import { describe, expect, it } from 'vitest'
import {
  boundaryViolations,
  importCircles,
  importGraph,
  longFiles,
  MAX_SOURCE_LINES,
  relativeImports,
  sourceFiles,
} from './source-shape.ts'

/**
 * Files still over the limit, being split elsewhere. This list may only shrink: an entry that is
 * no longer over the limit fails the check too, so it is taken out when its file is split.
 */
const KNOWN_LONG_FILES: readonly string[] = []

/** Import circles still to break (sorted paths joined by ` ↔ `); may only shrink, likewise. */
const KNOWN_CIRCLES: readonly string[] = []

describe('source shape', () => {
  const files = sourceFiles()
  const graph = importGraph(files)

  it('sees the files directly under src/ as well as those in folders', () => {
    expect(files).toContain('apps/mock-server/src/app.ts')
    expect(files).toContain('apps/mock-server/src/routes/sms.ts')
    expect(files).toContain('packages/core/src/index.ts')
    expect(files.some((path) => path.endsWith('.test.ts'))).toBe(false)
  })

  it(`no source file is over ${MAX_SOURCE_LINES} lines but the known ones`, () => {
    const long = longFiles(files).map((file) => file.path)
    expect(long.filter((path) => !KNOWN_LONG_FILES.includes(path))).toEqual([])
    // A known file that was split leaves the list.
    expect(KNOWN_LONG_FILES.filter((path) => !long.includes(path))).toEqual([])
  })

  it('no import circles but the known ones', () => {
    const circles = importCircles(graph).map((group) => group.join(' ↔ '))
    expect(circles.filter((circle) => !KNOWN_CIRCLES.includes(circle))).toEqual([])
    expect(KNOWN_CIRCLES.filter((circle) => !circles.includes(circle))).toEqual([])
  })

  it("the mock's rules/ import nothing from store/, routes/ or scenario.ts", () => {
    expect(boundaryViolations(graph)).toEqual([])
  })
})

describe('the checks themselves', () => {
  it('count lines as an editor does', () => {
    const text = `${'x\n'.repeat(MAX_SOURCE_LINES)}`
    expect(longFiles(['a.ts'], () => text)).toEqual([])
    expect(longFiles(['a.ts'], () => `${text}y`)).toEqual([
      { path: 'a.ts', lines: MAX_SOURCE_LINES + 1 },
    ])
  })

  it('resolve every import form, type-only ones included, and skip comments and packages', () => {
    const known = new Set(['a/b.ts', 'a/c.ts', 'a/d/index.ts', 'a/e.ts', 'f.ts', 'a/g.ts'])
    const text = [
      "import { x } from './b.ts'",
      "import type { Y } from './c.js'",
      "export * from './d'",
      "import './e.ts'",
      "const f = await import('../f.ts')",
      "// import { no } from './g.ts'",
      "/** @example import { no } from './g.ts' */",
      "import * as v from 'valibot'",
    ].join('\n')
    expect(relativeImports('a/a.ts', text, known).sort()).toEqual([
      'a/b.ts',
      'a/c.ts',
      'a/d/index.ts',
      'a/e.ts',
      'f.ts',
    ])
  })

  it('find circles of any length, and a file importing itself', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', ['a']],
    ])
    expect(importCircles(graph)).toEqual([['a', 'b', 'c'], ['d']])
  })

  it('name a boundary crossing', () => {
    const graph = new Map([
      ['apps/mock-server/src/rules/x.ts', ['apps/mock-server/src/store/store.ts']],
      ['apps/mock-server/src/store/store.ts', ['apps/mock-server/src/rules/x.ts']],
    ])
    expect(boundaryViolations(graph)).toEqual([
      expect.stringMatching(/^apps\/mock-server\/src\/rules\/x\.ts → .*store\.ts/),
    ])
  })
})
