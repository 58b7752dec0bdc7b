/**
 * @sms-command/core on JSR (`deno add jsr:@sms-command/core`): `deno publish --dry-run` passes,
 * which includes JSR's "no slow types" rule (every exported symbol has an explicit type), with
 * the pinned Deno from node_modules. jsr.json agrees with package.json: version, the exports it
 * publishes, and the dependency ranges (the catalog's versions, as carets).
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { manifestOf, repoRoot } from './repo.ts'

const run = promisify(execFile)
const coreDir = join(repoRoot, 'packages', 'core')
const deno = join(coreDir, 'node_modules', '.bin', 'deno')
const jsr = JSON.parse(readFileSync(join(coreDir, 'jsr.json'), 'utf8')) as {
  name: string
  version: string
  exports: Record<string, string>
  imports: Record<string, string>
}

/** The pnpm catalog: dependency name → the exact version the workspace pins. */
function catalog(): Map<string, string> {
  const yaml = readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')
  const block = yaml.slice(yaml.indexOf('\ncatalog:\n') + 10).split(/\n\S/)[0] ?? ''
  return new Map(
    [...block.matchAll(/^\s+"?([^":\s]+)"?:\s*(\S+)\s*$/gm)].map((match) => [
      match[1] as string,
      match[2] as string,
    ]),
  )
}

describe('jsr.json of @sms-command/core', () => {
  const manifest = manifestOf('packages/core') as {
    name: string
    version: string
    exports: Record<string, unknown>
    dependencies: Record<string, string>
  }

  it('has the npm package name and version', () => {
    expect(jsr.name).toBe(manifest.name)
    expect(jsr.version).toBe(manifest.version)
  })

  it('publishes the source of every npm export', () => {
    const npmExports = Object.keys(manifest.exports).filter((path) => path !== './package.json')
    expect(Object.keys(jsr.exports).sort()).toEqual(npmExports.sort())
    for (const [path, source] of Object.entries(jsr.exports)) {
      expect(Object.keys(manifest.exports)).toContain(path)
      expect(existsSync(join(coreDir, source)), source).toBe(true)
    }
  })

  it("maps each runtime dependency to npm: at a caret of the catalog's version", () => {
    const versions = catalog()
    expect(Object.keys(jsr.imports).sort()).toEqual(Object.keys(manifest.dependencies).sort())
    for (const [name, specifier] of Object.entries(jsr.imports))
      expect(specifier, name).toBe(`npm:${name}@^${versions.get(name)}`)
  })
})

describe.skipIf(!existsSync(deno))(
  'deno publish --dry-run (skipped: no Deno in packages/core/node_modules)',
  () => {
    it('passes, slow-type check included, and lists no test files', async () => {
      const { stdout, stderr } = await run(deno, ['publish', '--dry-run', '--allow-dirty'], {
        cwd: coreDir,
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
        timeout: 240_000,
      })
      // Deno colours its output under some CI settings even with NO_COLOR: compare plain text.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
      const output = `${stdout}${stderr}`.replace(/\u001b\[[0-9;]*m/g, '').trim()
      expect(output).toContain('Checking for slow types in the public API...')
      expect(output).not.toMatch(/\.test(-d)?\.ts/)
      expect(output.split('\n').at(-1)).toBe('Success Dry run complete')
    }, 300_000)
  },
)
