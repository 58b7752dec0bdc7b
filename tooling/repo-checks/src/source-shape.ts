// The shape of the source tree: how long a source file may get, that no module imports itself
// back through others, and which folders may import which. Read from the files git tracks, so
// the check sees what a clone sees.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { repoRoot } from './repo.ts'

/** The most lines a source file may have (CONTRIBUTING.md: split by concern past it). */
export const MAX_SOURCE_LINES = 500

/**
 * The source files of the apps and packages, tests left out (a test file follows the file it
 * tests). The `:(glob)` pathspec is needed: a plain `apps/*\/src/**\/*.ts` misses the files
 * directly under `src/`.
 *
 * @example
 * sourceFiles() // ['apps/agent/src/agent.ts', …]
 */
export function sourceFiles(): string[] {
  return execFileSync(
    'git',
    [
      'ls-files',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      ':(glob)apps/*/src/**/*.ts',
      ':(glob)apps/*/src/**/*.tsx',
      ':(glob)packages/*/src/**/*.ts',
      ':(glob)packages/*/src/**/*.tsx',
    ],
    { cwd: repoRoot, encoding: 'utf8' },
  )
    .split('\n')
    .filter((path) => path !== '' && !/\.test\.tsx?$/.test(path))
    .filter((path) => {
      try {
        readFileSync(join(repoRoot, path))
        return true
      } catch {
        return false // listed but deleted in the work tree
      }
    })
}

/** A file's text, by repository path. */
export type ReadSource = (path: string) => string

const readFromRepo: ReadSource = (path) => readFileSync(join(repoRoot, path), 'utf8')

/**
 * The files longer than {@link MAX_SOURCE_LINES}, with their line counts, longest first.
 *
 * @example
 * longFiles(['a.ts'], () => 'x\n'.repeat(600)) // [{ path: 'a.ts', lines: 600 }]
 */
export function longFiles(
  files: readonly string[],
  read: ReadSource = readFromRepo,
): { path: string; lines: number }[] {
  const out: { path: string; lines: number }[] = []
  for (const path of files) {
    const text = read(path)
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length
    if (lines > MAX_SOURCE_LINES) out.push({ path, lines })
  }
  return out.sort((a, b) => b.lines - a.lines)
}

// `import … from './x.ts'`, `export … from './x.ts'`, `import './x.ts'` and `import('./x.ts')`:
// type-only imports count too (a type circle is a concept with two homes all the same).
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/**
 * The repository paths a source file imports by relative specifier (package imports are other
 * packages' business), resolved against `known` files: `./x.ts`, `./x.js` (built name) and
 * `./x` (a folder's `index.ts`) all find `x.ts`.
 *
 * @example
 * relativeImports('a/b.ts', "import { c } from './c.ts'", new Set(['a/c.ts'])) // ['a/c.ts']
 */
export function relativeImports(path: string, text: string, known: ReadonlySet<string>): string[] {
  const out = new Set<string>()
  // Comments could hold example imports (doc comments do); strip them first.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3]
    if (!specifier?.startsWith('.')) continue
    const base = normalize(join(dirname(path), specifier))
    const stem = base.replace(/\.(js|ts|tsx|mjs)$/, '')
    const found = [base, `${stem}.ts`, `${stem}.tsx`, join(base, 'index.ts')].find((candidate) =>
      known.has(candidate),
    )
    if (found !== undefined) out.add(found)
  }
  return [...out]
}

/**
 * The import graph of a set of files: each file's relative imports among them.
 *
 * @example
 * importGraph(sourceFiles()).get('apps/mock-server/src/app.ts') // ['apps/mock-server/src/http.ts', …]
 */
export function importGraph(
  files: readonly string[],
  read: ReadSource = readFromRepo,
): Map<string, string[]> {
  const known = new Set(files)
  const graph = new Map<string, string[]>()
  for (const path of files) graph.set(path, relativeImports(path, read(path), known))
  return graph
}

/**
 * The import circles of a graph: each strongly connected group of two or more files (or a file
 * importing itself), as its sorted paths, the groups sorted too (Tarjan's algorithm).
 *
 * @example
 * importCircles(new Map([['a', ['b']], ['b', ['a']]])) // [['a', 'b']]
 */
export function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const circles: string[][] = []
  const visit = (node: string) => {
    index.set(node, next)
    low.set(node, next)
    next++
    stack.push(node)
    onStack.add(node)
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to)
        low.set(node, Math.min(low.get(node) ?? 0, low.get(to) ?? 0))
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(to) ?? 0))
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = []
      let member: string | undefined
      do {
        member = stack.pop()
        if (member === undefined) break
        onStack.delete(member)
        group.push(member)
      } while (member !== node)
      if (group.length > 1 || (graph.get(node) ?? []).includes(node)) circles.push(group.sort())
    }
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node)
  return circles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''))
}

/** A folder that may not import from some others (a layer boundary). */
export interface ImportBoundary {
  /** Files under this folder (repository path, ending in `/`)… */
  from: string
  /** …import nothing whose path starts with one of these. */
  forbidden: readonly string[]
  why: string
}

/** The layer boundaries of the repository. */
export const IMPORT_BOUNDARIES: readonly ImportBoundary[] = [
  {
    from: 'apps/mock-server/src/rules/',
    forbidden: [
      'apps/mock-server/src/store/',
      'apps/mock-server/src/routes/',
      'apps/mock-server/src/scenario.ts',
    ],
    why: "the mock's rules are pure functions of state that both stores (memory, Durable Objects) and the routes call; they can't depend on either",
  },
]

/**
 * The imports that cross a boundary, as `from → to (why)`.
 *
 * @example
 * boundaryViolations(importGraph(sourceFiles())) // []
 */
export function boundaryViolations(
  graph: ReadonlyMap<string, readonly string[]>,
  boundaries: readonly ImportBoundary[] = IMPORT_BOUNDARIES,
): string[] {
  const out: string[] = []
  for (const [from, imports] of graph) {
    for (const boundary of boundaries) {
      if (!from.startsWith(boundary.from)) continue
      for (const to of imports) {
        if (boundary.forbidden.some((prefix) => to.startsWith(prefix))) {
          out.push(`${from} → ${to} (${boundary.why})`)
        }
      }
    }
  }
  return out.sort()
}
