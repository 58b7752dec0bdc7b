/**
 * What each published package's tarball holds, packed as a release packs it (pnpm pack: catalog:
 * and workspace: resolved, publishConfig applied, .pnpmfile.cjs's caret ranges), and what its
 * manifest promises a consumer. The expected lists are here: the files outside dist/ and src/
 * exactly, and for dist/ and src/ the rule that relates them to the sources git tracks (so a new
 * source file doesn't need this test edited, but a test, fixture or bench file can't slip in).
 */

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pinnedPnpmCommand } from '@sms-command/vitest-config/pack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manifestOf, PUBLISHED_PACKAGES, repoRoot, trackedFiles } from './repo.ts'

/** Files each tarball has besides dist/ and src/, exactly. */
const EXPECTED_OTHER_FILES: Record<string, readonly string[]> = {
  'packages/core': ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'],
  'packages/cli-kit': ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'],
  // The install sections' files: the systemd unit, the Windows service and the sample configs.
  'apps/agent': [
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'bin/sms-agent.js',
    'deploy/config.sample.json',
    'deploy/sms-agent.service',
    'deploy/windows/config.sample.json',
    'deploy/windows/sms-agent-service.xml',
    'package.json',
  ],
  'apps/mock-server': [
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'bin/sms-mock.js',
    'package.json',
    'wrangler.jsonc',
  ],
  'apps/watch': ['CHANGELOG.md', 'LICENSE', 'README.md', 'bin/sms-watch.js', 'package.json'],
}

/** The peers each package expects its consumer to provide. */
const EXPECTED_PEERS: Record<string, readonly string[]> = {
  'packages/core': [],
  'packages/cli-kit': [],
  'apps/agent': [],
  'apps/mock-server': ['hono'],
  'apps/watch': ['react'],
}

/** Only tests need these; none may be published. */
const TEST_ONLY =
  /(^|\/)(test|tests|bench|fixtures|runtime-tests|__snapshots__)\/|\.test(-d)?\.tsx?$|\.test\.js|tsbuildinfo|vitest\.config/

const isTestSource = (path: string) => /\.test(-d)?\.tsx?$/.test(path)

interface Packed {
  files: string[]
  manifest: Record<string, unknown>
}

const workDir = mkdtempSync(join(tmpdir(), 'sms-tarballs-'))
const packed = new Map<string, Packed>()

beforeAll(() => {
  for (const dir of PUBLISHED_PACKAGES) {
    const destination = join(workDir, dir.replace('/', '+'))
    const [command = 'npx', ...args] = pinnedPnpmCommand([
      'pack',
      '--pack-destination',
      destination,
    ])
    execFileSync(command, args, {
      cwd: join(repoRoot, dir),
      stdio: 'pipe',
      env: { ...process.env, npm_config_yes: 'true' },
    })
    const tarball = join(
      destination,
      readdirSync(destination).find((file) => file.endsWith('.tgz')) ?? '',
    )
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.startsWith('package/') && !line.endsWith('/'))
      .map((line) => line.slice('package/'.length))
      .sort()
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    )
    packed.set(dir, { files, manifest })
  }
}, 180_000)

afterAll(() => rmSync(workDir, { recursive: true, force: true }))

const root = readFileSync(join(repoRoot, 'LICENSE'), 'utf8')

describe.each(PUBLISHED_PACKAGES)('the tarball of %s', (dir) => {
  const get = () => packed.get(dir) as Packed

  it('has exactly the expected files outside dist/ and src/', () => {
    const others = get().files.filter((path) => !/^(dist|src)\//.test(path))
    expect(others).toEqual(EXPECTED_OTHER_FILES[dir])
  })

  it('ships every non-test source under src/, and nothing else there', () => {
    const sources = trackedFiles()
      .filter((path) => path.startsWith(`${dir}/src/`) && !isTestSource(path))
      .map((path) => path.slice(dir.length + 1))
      .sort()
    expect(get().files.filter((path) => path.startsWith('src/'))).toEqual(sources)
  })

  it('ships the build of each source (js, d.ts and their maps), and nothing else in dist/', () => {
    const shipped = get().files
    const dist = shipped.filter((path) => path.startsWith('dist/'))
    expect(dist.length).toBeGreaterThan(0)
    const built = new Set(
      shipped
        .filter((path) => path.startsWith('src/') && /\.tsx?$/.test(path))
        .flatMap((path) => {
          const stem = path.replace(/^src\//, 'dist/').replace(/\.tsx?$/, '')
          return [`${stem}.js`, `${stem}.js.map`, `${stem}.d.ts`, `${stem}.d.ts.map`]
        }),
    )
    expect(dist.filter((path) => !built.has(path))).toEqual([])
  })

  it('ships nothing only tests need', () => {
    expect(get().files.filter((path) => TEST_ONLY.test(path))).toEqual([])
  })

  it('carries the LICENSE (MIT, sms-command contributors), identical to the repository root', () => {
    expect(readFileSync(join(repoRoot, dir, 'LICENSE'), 'utf8')).toBe(root)
    expect(root).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} sms-command contributors\n/)
    expect(get().manifest.license).toBe('MIT')
  })

  it('names its repository, homepage and bug tracker, and publishes publicly', () => {
    const manifest = get().manifest as {
      repository: { url: string; directory: string }
      homepage: string
      bugs: { url: string }
      publishConfig: { access: string }
    }
    expect(manifest.repository.url).toBe('git+https://github.com/sms-command/sms-command.git')
    expect(manifest.repository.directory).toBe(dir)
    expect(manifest.homepage).toBe(
      `https://github.com/sms-command/sms-command/tree/main/${dir}#readme`,
    )
    expect(manifest.bugs.url).toBe('https://github.com/sms-command/sms-command/issues')
    expect(manifest.publishConfig.access).toBe('public')
  })

  it('gives consumers caret ranges: no exact pins, no catalog: or workspace:', () => {
    const manifest = get().manifest as Record<string, Record<string, string> | undefined>
    const ranges = { ...manifest.dependencies, ...manifest.peerDependencies }
    expect(Object.keys(ranges).length).toBeGreaterThan(0)
    for (const [name, range] of Object.entries(ranges))
      expect(range, name).toMatch(/^\^\d+\.\d+\.\d+$/)
    // The workspace itself keeps exact pins: the rewrite happens only when packing.
    const source = manifestOf(dir) as Record<string, Record<string, string> | undefined>
    expect(
      Object.values({ ...source.dependencies }).every((spec) => /^(catalog|workspace):/.test(spec)),
    ).toBe(true)
  })

  it('leaves what the consumer provides to the consumer: peers, not dependencies', () => {
    const manifest = get().manifest as Record<string, Record<string, string> | undefined>
    const peers = Object.keys(manifest.peerDependencies ?? {})
    expect(peers).toEqual(EXPECTED_PEERS[dir])
    for (const peer of peers) expect(manifest.dependencies?.[peer]).toBeUndefined()
  })

  it('refuses npm publish: its prepublishOnly runs the guard (scripts/publish-guard.test.ts)', () => {
    const scripts = manifestOf(dir).scripts as Record<string, string>
    expect(scripts.prepublishOnly).toBe('node ../../scripts/publish-guard.mjs')
  })
})
