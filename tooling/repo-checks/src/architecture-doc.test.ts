import { describe, expect, it } from 'vitest'
import { namedPaths, unnamedFiles } from './architecture-doc.ts'
import { sourceFiles } from './source-shape.ts'

describe('ARCHITECTURE.md', () => {
  it("names every source file in its package's table", () => {
    expect(unnamedFiles(sourceFiles())).toEqual([])
  })
})

describe('the check itself', () => {
  const doc = [
    '## Where (packages/core/src)',
    '| a | `time/*.ts`, `client/x.ts` |',
    '```',
    '`client/fenced.ts`',
    '```',
    'Where (apps/mock-server/src):',
    '| b | `routes/admin/{one,two}.ts`, `src/app.ts` |',
  ].join('\n')

  it("reads each package's part, fenced blocks left out, sets expanded", () => {
    expect(namedPaths(doc)).toEqual(
      new Map([
        ['packages/core/src', ['time/*.ts', 'client/x.ts']],
        ['apps/mock-server/src', ['routes/admin/one.ts', 'routes/admin/two.ts', 'app.ts']],
      ]),
    )
  })

  it("finds a file named nowhere, or only in another package's part, and lets a glob stay in its folder", () => {
    expect(
      unnamedFiles(
        [
          'packages/core/src/time/backoff.ts',
          'packages/core/src/time/deep/x.ts',
          'packages/core/src/client/fenced.ts',
          'packages/core/src/app.ts',
          'apps/mock-server/src/routes/admin/two.ts',
          'apps/watch/src/a.ts',
        ],
        doc,
      ),
    ).toEqual([
      'packages/core/src/time/deep/x.ts',
      'packages/core/src/client/fenced.ts',
      'packages/core/src/app.ts',
      'apps/watch/src/a.ts',
    ])
  })
})
