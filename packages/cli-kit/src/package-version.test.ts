import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { packageVersion } from './package-version.ts'

let dir = ''
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = ''
})

function manifest(text: string): URL {
  dir = mkdtempSync(join(tmpdir(), 'cli-kit-version-'))
  writeFileSync(join(dir, 'package.json'), text)
  return pathToFileURL(join(dir, 'package.json'))
}

describe('packageVersion', () => {
  it("reads this package's own version", () => {
    expect(packageVersion(new URL('../package.json', import.meta.url))).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('returns the version field of the manifest it is given', () => {
    expect(packageVersion(manifest('{"name":"x","version":"3.2.1"}'))).toBe('3.2.1')
  })

  it("answers 'unknown' for a missing file, bad JSON, or a missing or non-string version", () => {
    expect(packageVersion(new URL('file:///nonexistent/package.json'))).toBe('unknown')
    expect(packageVersion(manifest('{not json'))).toBe('unknown')
    expect(packageVersion(manifest('{"name":"x"}'))).toBe('unknown')
    expect(packageVersion(manifest('{"version":7}'))).toBe('unknown')
  })
})
