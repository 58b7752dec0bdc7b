/**
 * The mock deploys to Cloudflare Workers as written: `wrangler deploy --dry-run --outdir` on
 * apps/mock-server/wrangler.jsonc builds the bundle offline (no account, no metrics), binds both
 * Durable Objects and exports their classes, and the README's Workers section names every
 * variable the Worker reads (apps/mock-server/src/adapters/workers/env.ts).
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from './repo.ts'

const run = promisify(execFile)
const mockDir = join(repoRoot, 'apps', 'mock-server')
const wrangler = join(mockDir, 'node_modules', '.bin', 'wrangler')
const outdir = mkdtempSync(join(tmpdir(), 'sms-wrangler-'))
afterAll(() => rmSync(outdir, { recursive: true, force: true }))

/** The `SMS_MOCK_*` variables of the Worker's env interface. */
function workerVariables(): string[] {
  // The Worker's variables are declared in one interface (its bindings extend it in env.ts).
  const source = readFileSync(join(mockDir, 'src', 'adapters', 'workers', 'variables.ts'), 'utf8')
  const body = source.slice(source.indexOf('interface WorkerVariables'))
  return [...new Set([...body.matchAll(/^\s+(SMS_MOCK_[A-Z_]+)\??:/gm)].map((m) => m[1] as string))]
}

/** The README's section on Workers deployment. */
function workersSection(): string {
  const readme = readFileSync(join(mockDir, 'README.md'), 'utf8')
  const start = readme.indexOf('### On Cloudflare Workers')
  expect(start, 'README section "### On Cloudflare Workers"').toBeGreaterThan(0)
  return readme.slice(start, readme.indexOf('\n## ', start))
}

describe('the README on deploying the mock to Workers', () => {
  it('names every variable the Worker reads, and the deploy and secret commands', () => {
    const section = workersSection()
    const variables = workerVariables()
    expect(variables).toContain('SMS_MOCK_ADMIN_TOKEN')
    for (const name of variables) expect(section, name).toContain(`\`${name}\``)
    expect(section).toContain('npx wrangler deploy')
    expect(section).toContain('npx wrangler secret put SMS_MOCK_ADMIN_TOKEN')
  })
})

describe.skipIf(!existsSync(wrangler))(
  'wrangler deploy --dry-run (skipped: no wrangler in apps/mock-server/node_modules)',
  () => {
    it('bundles the Worker with both Durable Objects bound and their classes exported', async () => {
      const { stdout, stderr } = await run(wrangler, ['deploy', '--dry-run', '--outdir', outdir], {
        cwd: mockDir,
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          NO_COLOR: '1',
          FORCE_COLOR: '0',
        },
        timeout: 180_000,
      })
      const output = `${stdout}${stderr}`
      expect(output).toContain('--dry-run: exiting now.')
      expect(output).toMatch(/env\.SMS_CONTROL \(SmsControlObject\)\s+Durable Object/)
      expect(output).toMatch(/env\.SMS_SERVER \(SmsServerObject\)\s+Durable Object/)
      const bundle = readFileSync(join(outdir, 'worker.js'), 'utf8')
      const exported = bundle.slice(bundle.lastIndexOf('export {'))
      for (const name of ['SmsControlObject', 'SmsServerObject', 'default'])
        expect(exported, name).toMatch(new RegExp(`\\b${name}\\b`))
      // What a test needs stays out of what is deployed.
      expect(bundle).not.toMatch(/from ["']vitest["']|fast-check/)
    }, 240_000)
  },
)
