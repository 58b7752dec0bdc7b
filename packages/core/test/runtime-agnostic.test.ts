import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const srcDir = join(import.meta.dirname, '..', 'src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.includes('.test') ? [path] : []
  })
}

// Biome enforces the same rules in the editor (packages/core/biome.json); this test keeps them
// enforced even if the lint config is changed by mistake.
const forbidden: [RegExp, string][] = [
  [/from\s+['"]node:/, 'a node: import'],
  [/require\(/, 'require()'],
  [/\bprocess\s*\./, 'process'],
  [/\bBuffer\s*\./, 'Buffer'],
  [/\b__dirname\b/, '__dirname'],
]

describe('core source', () => {
  const files = sourceFiles(srcDir)

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(20)
  })

  it('uses Web APIs only: no node: imports, process, Buffer or require', () => {
    const offences: string[] = []
    for (const file of files) {
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '')
      for (const [pattern, what] of forbidden) {
        if (pattern.test(code)) offences.push(`${relative(srcDir, file)} uses ${what}`)
      }
    }
    expect(offences).toEqual([])
  })
})
