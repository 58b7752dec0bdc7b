// What the repo checks share: where the repository is, what git tracks, and the packages that
// are published.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The monorepo root (this file lives in tooling/repo-checks/src). */
export const repoRoot: string = join(import.meta.dirname, '..', '..', '..')

/** The packages published to npm, by directory. */
export const PUBLISHED_PACKAGES: readonly string[] = [
  'packages/core',
  'packages/cli-kit',
  'apps/agent',
  'apps/mock-server',
  'apps/watch',
]

/** Every file git tracks (or would, once added: untracked files that aren't ignored count too). */
export function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => path !== '')
}

/** A package's package.json, parsed. */
export function manifestOf(
  dir: string,
): Record<string, unknown> & { name: string; version: string } {
  return JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8'))
}

/** The repository's pinned pnpm, as `pnpm@x.y.z` for npx. */
export function pinnedPnpm(): string {
  return (
    JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { packageManager: string }
  ).packageManager
}
