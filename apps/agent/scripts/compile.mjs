#!/usr/bin/env node
/**
 * `pnpm --filter @sms-command/agent compile`: the one-file executables, offline. Bun's
 * `--compile --target` would download the target's runtime; the runtimes come instead from this
 * package's pinned devDependencies (`@oven/bun-linux-x64-baseline`, `@oven/bun-linux-aarch64`,
 * `@oven/bun-windows-x64-baseline`, the same version as `bun`) and are handed to Bun with
 * `--compile-executable-path`.
 *
 * - dist/bin/sms-agent-linux-x64: Bun's *baseline* x86-64 runtime (no AVX2 needed: it starts on
 *   pre-Haswell CPUs and on VMs with conservative CPU models);
 * - dist/bin/sms-agent-linux-arm64: 64-bit ARM;
 * - dist/bin/sms-agent.exe: Windows x64, baseline runtime (Windows Server 2016 and later);
 * - dist/bin/sms-agent: a copy of the build host's one, for running it here.
 *
 * `--only x64|arm64|windows-x64` builds one.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { arch } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** The targets: the name of the output, Bun's target, the npm package holding that runtime. */
export const TARGETS = [
  { arch: 'x64', target: 'bun-linux-x64-baseline', runtime: '@oven/bun-linux-x64-baseline' },
  { arch: 'arm64', target: 'bun-linux-arm64', runtime: '@oven/bun-linux-aarch64' },
  {
    arch: 'windows-x64',
    target: 'bun-windows-x64-baseline',
    runtime: '@oven/bun-windows-x64-baseline',
    base: 'bun.exe',
    outfile: 'sms-agent.exe',
  },
]

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`))
}

function main() {
  const onlyIndex = process.argv.indexOf('--only')
  const only = onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1]
  const bunDir = packageDir('bun')
  const bun = join(bunDir, 'bin', 'bun.exe')
  const bunVersion = JSON.parse(readFileSync(join(bunDir, 'package.json'), 'utf8')).version
  mkdirSync(join(root, 'dist', 'bin'), { recursive: true })
  for (const target of TARGETS) {
    if (only !== undefined && target.arch !== only) continue
    const runtimeDir = packageDir(target.runtime)
    const version = JSON.parse(readFileSync(join(runtimeDir, 'package.json'), 'utf8')).version
    if (version !== bunVersion) {
      throw new Error(
        `${target.runtime} is ${version} but bun is ${bunVersion}: pin both to one version (pnpm-workspace.yaml catalog)`,
      )
    }
    const base = join(runtimeDir, 'bin', target.base ?? 'bun')
    if (!existsSync(base)) {
      throw new Error(`${target.runtime} has no bin/${target.base ?? 'bun'}: reinstall it`)
    }
    const outfile = join(root, 'dist', 'bin', target.outfile ?? `sms-agent-linux-${target.arch}`)
    execFileSync(
      bun,
      [
        'build',
        '--compile',
        '--minify',
        `--target=${target.target}`,
        `--compile-executable-path=${base}`,
        'src/cli.ts',
        '--outfile',
        outfile,
      ],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    if (target.arch === arch()) copyFileSync(outfile, join(root, 'dist', 'bin', 'sms-agent'))
  }
}

// Imported by the tests for TARGETS; run as a script, it builds.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main()
