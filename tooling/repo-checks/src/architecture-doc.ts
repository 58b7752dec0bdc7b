// ARCHITECTURE.md says where each behaviour lives, one table per package. This check keeps it
// true in one direction a reader depends on: every source file is named in its package's part
// of the page (by path, a `*` glob or a `{a,b}` set), so a new file can't be added without
// saying what it is for.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './repo.ts'

/** Where each package's part of ARCHITECTURE.md starts: the first mention of `(<root>)`. */
const SECTION = /\(((?:apps|packages)\/[a-z-]+\/src)\)/g

/**
 * The names in backticks of each package's part of `doc`, by source root (`packages/core/src`):
 * from the first mention of `(<root>)` up to the next package's, fenced blocks left out.
 *
 * @example
 * namedPaths('## (packages/core/src)\n| x | `time/*.ts` |').get('packages/core/src') // ['time/*.ts']
 */
export function namedPaths(doc: string): Map<string, string[]> {
  const text = doc.replace(/```[\s\S]*?```/g, '')
  const starts: { root: string; at: number }[] = []
  for (const match of text.matchAll(SECTION)) {
    const root = match[1] as string
    if (!starts.some((start) => start.root === root)) starts.push({ root, at: match.index })
  }
  const named = new Map<string, string[]>()
  starts.forEach(({ root, at }, index) => {
    const part = text.slice(at, starts[index + 1]?.at ?? text.length)
    const names = [...part.matchAll(/`([^`\n]+)`/g)].flatMap((match) => expand(match[1] as string))
    named.set(
      root,
      names.map((name) => name.replace(/^src\//, '')),
    )
  })
  return named
}

/** `routes/admin/{a,b}.ts` → both paths; anything else as it is. */
function expand(name: string): string[] {
  const set = /^(.*)\{([^}]+)\}(.*)$/.exec(name)
  if (!set) return [name]
  return (set[2] as string).split(',').map((alt) => `${set[1]}${alt.trim()}${set[3]}`)
}

function matches(pattern: string, path: string): boolean {
  if (!pattern.includes('*')) return pattern === path
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*')
  return new RegExp(`^${source}$`).test(path)
}

/**
 * The source files `doc` does not name in their package's part (a package it has no part for
 * leaves all its files unnamed).
 *
 * @example
 * unnamedFiles(['packages/core/src/a.ts'], '(packages/core/src) `b.ts`') // ['packages/core/src/a.ts']
 */
export function unnamedFiles(files: readonly string[], doc: string = readDoc()): string[] {
  const named = namedPaths(doc)
  return files.filter((file) => {
    // Type tests (`*.test-d.ts`) follow the file they test, as tests do.
    if (file.endsWith('.test-d.ts')) return false
    const root = /^((?:apps|packages)\/[^/]+\/src)\//.exec(file)?.[1]
    if (root === undefined) return false
    const relative = file.slice(root.length + 1)
    return !(named.get(root) ?? []).some((pattern) => matches(pattern, relative))
  })
}

function readDoc(): string {
  return readFileSync(join(repoRoot, 'ARCHITECTURE.md'), 'utf8')
}
