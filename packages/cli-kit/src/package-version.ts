import { readFileSync } from 'node:fs'

/**
 * The `version` of the package.json at `packageJsonUrl`, read at run time so `--version` can't
 * drift from the published manifest; `'unknown'` when the file is missing or has no version (a
 * bundled or compiled CLI), since `--version` must answer rather than crash.
 *
 * @example
 * // in src/cli.ts or dist/cli.js, both one level below package.json:
 * packageVersion(new URL('../package.json', import.meta.url)) // '0.1.0'
 */
export function packageVersion(packageJsonUrl: URL): string {
  try {
    const manifest = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version?: unknown }
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
