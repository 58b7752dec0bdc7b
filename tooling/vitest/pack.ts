// The steps every pack test shares: pack workspace packages as they would be published (pnpm pack
// rewrites catalog:/workspace: ranges and applies publishConfig), unpack the tarballs into a fresh
// consumer project, link their published dependencies from the workspace (no network), and run
// something from that project on Node, Bun and Deno. Each pack test keeps its own assertions.
import { execFile, execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The monorepo root (this file lives in tooling/vitest). */
export const repoRoot: string = join(import.meta.dirname, '..', '..')

/** @sms-command/core's directory: its node_modules hold the dependencies core publishes. */
export const coreDir: string = join(repoRoot, 'packages', 'core')

/** The dependencies @sms-command/core publishes, linked from {@link coreDir}. */
export const CORE_DEPENDENCIES: readonly string[] = [
  'ky',
  'valibot',
  '@valibot/to-json-schema',
  'eventsource-parser',
]

/** A workspace package to pack and install: its directory and published name. */
export interface PackedPackage {
  dir: string
  name: string
}

/** Dependencies to symlink from `fromDir`'s node_modules into the consumer's. */
export interface LinkedDependencies {
  fromDir: string
  dependencies: readonly string[]
}

/** A fresh project with the packed tarballs unpacked into its node_modules. */
export interface PackedConsumer {
  /** Temporary directory holding the tarballs and the consumer project. */
  workDir: string
  /** The consumer project (has a `package.json` with `type: module`). */
  consumer: string
  /** Path of the tarball pnpm pack produced, by package name. */
  tarballs: Record<string, string>
  /** Where a package was unpacked: `consumer/node_modules/<name>`. */
  installedDir(name: string): string
  /** Removes everything under {@link PackedConsumer.workDir}. */
  remove(): void
}

function packageManager(): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    packageManager: string
  }
  return manifest.packageManager
}

/**
 * The command line that runs the repo's pinned pnpm with `args`: `node …/pnpm.cjs` from npm's npx
 * cache when that version is there (the quick start's `npx -y pnpm@x.y.z` put it there), else
 * `npx -y pnpm@x.y.z`. Why not always npx: suites running in parallel, each starting
 * `npx -y pnpm`, wait on one another inside the full run (over a minute a pack, against about
 * 2 s alone).
 *
 * @example
 * const [command = 'npx', ...rest] = pinnedPnpmCommand(['pack', '--pack-destination', dir])
 * execFileSync(command, rest, { cwd })
 */
export function pinnedPnpmCommand(args: readonly string[]): string[] {
  const pinned = packageManager()
  const version = pinned.replace(/^pnpm@/, '')
  const npxCache = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_npx')
  for (const entry of existsSync(npxCache) ? readdirSync(npxCache) : []) {
    const pnpmDir = join(npxCache, entry, 'node_modules', 'pnpm')
    const bin = join(pnpmDir, 'bin', 'pnpm.cjs')
    try {
      const manifest = JSON.parse(readFileSync(join(pnpmDir, 'package.json'), 'utf8')) as {
        version?: string
      }
      if (manifest.version === version && existsSync(bin)) return [process.execPath, bin, ...args]
    } catch {
      // Not a pnpm install (or a half-written one): try the next entry, then npx.
    }
  }
  return ['npx', '-y', pinned, ...args]
}

/**
 * Packs each package with the repo's pinned pnpm, unpacks it into a fresh consumer project and
 * links the given dependencies, in the order given.
 *
 * @example
 * const packed = packIntoConsumer({
 *   prefix: 'sms-core-pack-',
 *   packages: [{ dir: coreDir, name: '@sms-command/core' }],
 *   links: [{ fromDir: coreDir, dependencies: CORE_DEPENDENCIES }],
 * })
 */
export function packIntoConsumer(options: {
  prefix: string
  packages: readonly PackedPackage[]
  links: readonly LinkedDependencies[]
}): PackedConsumer {
  const workDir = mkdtempSync(join(tmpdir(), options.prefix))
  const consumer = join(workDir, 'consumer')
  const installedDir = (name: string) => join(consumer, 'node_modules', name)
  mkdirSync(consumer)
  const tarballs: Record<string, string> = {}
  for (const { dir, name } of options.packages) {
    const packDir = join(workDir, name.replace('/', '+'))
    mkdirSync(packDir)
    const [command = 'npx', ...args] = pinnedPnpmCommand(['pack', '--pack-destination', packDir])
    execFileSync(command, args, {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, npm_config_yes: 'true' },
    })
    const tarball = readdirSync(packDir).find((file) => file.endsWith('.tgz'))
    if (!tarball) throw new Error(`pnpm pack produced no tarball for ${name}`)
    tarballs[name] = join(packDir, tarball)
    mkdirSync(installedDir(name), { recursive: true })
    execFileSync('tar', ['-xzf', tarballs[name], '-C', installedDir(name), '--strip-components=1'])
  }
  for (const { fromDir, dependencies } of options.links) {
    for (const dependency of dependencies) {
      const target = installedDir(dependency)
      mkdirSync(dirname(target), { recursive: true })
      symlinkSync(realpathSync(join(fromDir, 'node_modules', dependency)), target)
    }
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module', private: true }))
  return {
    workDir,
    consumer,
    tarballs,
    installedDir,
    remove: () => rmSync(workDir, { recursive: true, force: true }),
  }
}

/** A runtime's name, its binary, and how it is asked to run a module with arguments. */
export type Runtime = readonly [
  name: 'Node' | 'Bun' | 'Deno',
  command: string,
  argv: (args: readonly string[]) => string[],
]

/**
 * Node (this process's binary) and the pinned Bun and Deno from `binDir` (a node_modules/.bin
 * that has the `bun` and `deno` packages). `argv(args)` puts the module first: `module()` when
 * given (read at run time, e.g. a CLI inside the consumer), else the first of `args`.
 *
 * @example
 * it.each(runtimes(join(packageDir, 'node_modules', '.bin')))('runs on %s', async (_, command, argv) => {
 *   await runInConsumer(consumer, command, argv(['main.mjs']))
 * })
 */
export function runtimes(
  binDir: string,
  denoPermissions: readonly string[] = [],
  module?: () => string,
): Runtime[] {
  const withModule = (args: readonly string[]) => (module ? [module(), ...args] : [...args])
  return [
    ['Node', process.execPath, withModule],
    ['Bun', join(binDir, 'bun'), withModule],
    [
      'Deno',
      join(binDir, 'deno'),
      (args) => ['run', '--no-prompt', '--quiet', ...denoPermissions, ...withModule(args)],
    ],
  ]
}

/**
 * Runs a command in the consumer project (60 s limit, no colours, no Deno update check) and
 * resolves with its output; rejects when it exits non-zero.
 *
 * @example
 * const { stdout } = await runInConsumer(consumer, process.execPath, ['main.mjs'], { SMS_TOKEN: 't' })
 */
export function runInConsumer(
  consumer: string,
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return run(command, [...args], {
    cwd: consumer,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', ...env },
    timeout: 60_000,
  })
}

/**
 * Packs an app the way the apps ship: @sms-command/core and @sms-command/cli-kit, then the
 * workspace packages it depends on besides them (`packages`, e.g. the watch's mock client), then
 * the app, with core's published dependencies and the app's own `dependencies` linked from the
 * workspace. A package in `packages` gets none of its own dependencies linked: what the app
 * needs of it must run without them (the watch proves it loads the mock's client without Hono).
 *
 * @example
 * const packed = packAppIntoConsumer({
 *   prefix: 'sms-agent-pack-',
 *   dir: packageDir,
 *   name: '@sms-command/agent',
 *   dependencies: ['undici'],
 * })
 */
export function packAppIntoConsumer(app: {
  prefix: string
  dir: string
  name: string
  dependencies: readonly string[]
  packages?: readonly PackedPackage[]
}): PackedConsumer {
  return packIntoConsumer({
    prefix: app.prefix,
    packages: [
      { dir: coreDir, name: '@sms-command/core' },
      { dir: join(repoRoot, 'packages', 'cli-kit'), name: '@sms-command/cli-kit' },
      ...(app.packages ?? []),
      { dir: app.dir, name: app.name },
    ],
    links: [
      { fromDir: coreDir, dependencies: CORE_DEPENDENCIES },
      { fromDir: app.dir, dependencies: app.dependencies },
    ],
  })
}
