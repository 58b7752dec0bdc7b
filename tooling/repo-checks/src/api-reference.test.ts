/**
 * The API reference (`pnpm docs:api`, TypeDoc): it documents each published package's `exports`
 * map, builds without a single warning (`treatWarningsAsErrors`: an export without a doc comment,
 * a type referenced but not exported, a broken `{@link}` each fail it), and the configuration
 * really does fail on an undocumented export.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { manifestOf, PUBLISHED_PACKAGES, repoRoot } from './repo.ts'

const run = promisify(execFile)
const typedoc = join(repoRoot, 'node_modules', '.bin', 'typedoc')
const rootConfig = JSON.parse(readFileSync(join(repoRoot, 'typedoc.json'), 'utf8')) as {
  entryPoints: string[]
  out: string
}
/**
 * Published packages the reference leaves out, and why. The mock's sources are being
 * restructured (its store and rules types are reached from `MemoryStore` but not exported yet);
 * it joins the reference once they are.
 */
const NOT_IN_REFERENCE = new Set(['apps/mock-server'])
const scratch = mkdtempSync(join(tmpdir(), 'sms-typedoc-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The source file each export of a manifest resolves to (`bun`/`deno` condition, else `types`). */
function exportedSources(dir: string): string[] {
  const { exports } = manifestOf(dir) as unknown as {
    exports: Record<string, string | Record<string, string>>
  }
  return Object.entries(exports)
    .filter(([path]) => path !== './package.json')
    .map(([, target]) => {
      if (typeof target === 'string') return target
      if (target.bun) return target.bun
      const types = target.types ?? ''
      const base = types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '')
      return (
        ['.ts', '.tsx']
          .map((ext) => `${base}${ext}`)
          .find((f) => existsSync(join(repoRoot, dir, f))) ?? types
      )
    })
    .map((path) => path.replace(/^\.\//, ''))
}

/** TypeDoc's output without colours, and whether it exited 0. */
async function runTypedoc(args: string[]): Promise<{ ok: boolean; output: string }> {
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }
  const result = await run(typedoc, args, { cwd: repoRoot, env, timeout: 240_000 }).then(
    ({ stdout, stderr }) => ({ ok: true, output: `${stdout}${stderr}` }),
    (error: { stdout?: string; stderr?: string }) => ({
      ok: false,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  )
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
  return { ...result, output: result.output.replace(/\u001b\[[0-9;]*m/g, '') }
}

describe('typedoc.json', () => {
  it('covers every published package but those listed with a reason', () => {
    expect([...rootConfig.entryPoints].sort()).toEqual(
      PUBLISHED_PACKAGES.filter((dir) => !NOT_IN_REFERENCE.has(dir)).sort(),
    )
  })

  it.each(rootConfig.entryPoints)("documents %s's exports map, entry for entry", (dir) => {
    const config = JSON.parse(readFileSync(join(repoRoot, dir, 'typedoc.json'), 'utf8')) as {
      entryPoints: string[]
    }
    expect([...config.entryPoints].sort()).toEqual(exportedSources(dir).sort())
  })

  it('writes into a directory git ignores', () => {
    const ignored = readFileSync(join(repoRoot, '.gitignore'), 'utf8').split('\n')
    expect(ignored).toContain(`${rootConfig.out.replace(/^\.\//, '')}/`)
  })
})

describe.skipIf(!existsSync(typedoc))('pnpm docs:api (skipped: no typedoc in node_modules)', () => {
  it('builds the reference with no warning at all', async () => {
    const out = join(scratch, 'reference')
    const { ok, output } = await runTypedoc(['--out', out])
    expect(output).not.toContain('[warning]')
    expect(output).not.toContain('[error]')
    expect(ok).toBe(true)
    for (const dir of rootConfig.entryPoints) {
      const name = manifestOf(dir).name
      // The packages strategy writes one page per package, named after it.
      const page = `_${name.slice(1).replace('/', '_')}.html`
      expect(existsSync(join(out, 'modules', page)), page).toBe(true)
    }
  }, 300_000)

  it('fails on an export without a doc comment, naming it', async () => {
    const fixture = join(scratch, 'undocumented')
    mkdirSync(join(fixture, 'src'), { recursive: true })
    writeFileSync(
      join(fixture, 'package.json'),
      JSON.stringify({ name: 'undocumented', version: '0.0.0', type: 'module' }),
    )
    writeFileSync(
      join(fixture, 'tsconfig.build.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', target: 'ES2022', noEmit: true },
        include: ['src'],
      }),
    )
    writeFileSync(join(fixture, 'typedoc.json'), JSON.stringify({ entryPoints: ['src/index.ts'] }))
    writeFileSync(
      join(fixture, 'src', 'index.ts'),
      '/** @module */\n/** Documented. */\nexport const documented = 1\nexport const forgotten = 2\n',
    )
    const { ok, output } = await runTypedoc([
      '--options',
      join(repoRoot, 'typedoc.json'),
      '--entryPoints',
      fixture,
      '--out',
      join(scratch, 'fixture-out'),
    ])
    expect(ok).toBe(false)
    expect(output).toMatch(/forgotten.*does not have any documentation/)
    expect(output).not.toMatch(/documented,? .*does not have any documentation/)
  }, 300_000)
})
