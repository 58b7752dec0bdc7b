/**
 * Runs the portable smoke suite on every runtime core supports: Node (in this process), Bun and
 * Deno (child processes, Deno with no permissions at all), and workerd (through Miniflare, the
 * suite bundled as a Worker). One vitest case per runtime and smoke case.
 */
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { beforeAll, describe, expect, it } from 'vitest'
import { runSmokeSuite, smokeCases } from './smoke-suite.ts'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const bin = (name: string) => join(here, '..', 'node_modules', '.bin', name)
type Results = Awaited<ReturnType<typeof runSmokeSuite>>

function parseCliOutput(stdout: string): Results {
  const line = stdout.split('\n').find((text) => text.startsWith('SMOKE_RESULTS '))
  if (!line) throw new Error(`no results in output:\n${stdout}`)
  return JSON.parse(line.slice('SMOKE_RESULTS '.length)) as Results
}

const runtimes: Record<string, () => Promise<Results>> = {
  node: () => runSmokeSuite(),
  bun: async () =>
    parseCliOutput(
      (await run(bin('bun'), [join(here, 'cli-entry.ts')], { timeout: 60_000 })).stdout,
    ),
  deno: async () =>
    parseCliOutput(
      (
        await run(bin('deno'), ['run', '--no-prompt', '--quiet', join(here, 'cli-entry.ts')], {
          timeout: 60_000,
          env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' },
        })
      ).stdout,
    ),
  workerd: async () => {
    const bundle = await build({
      entryPoints: [join(here, 'worker-entry.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['worker', 'browser', 'import'],
      write: false,
    })
    const script = bundle.outputFiles[0]?.text ?? ''
    const miniflare = new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01' })
    try {
      const response = await miniflare.dispatchFetch('http://smoke.local/')
      return (await response.json()) as Results
    } finally {
      await miniflare.dispose()
    }
  },
}

for (const [runtime, runSuite] of Object.entries(runtimes)) {
  describe(`core on ${runtime}`, () => {
    let results: Results = []
    beforeAll(async () => {
      results = await runSuite()
    }, 120_000)

    it.each(smokeCases.map((smoke) => smoke.name))('%s', (name) => {
      const result = results.find((entry) => entry.name === name)
      expect(result, `no result for "${name}" on ${runtime}`).toBeDefined()
      expect(result?.error).toBeUndefined()
      expect(result?.ok).toBe(true)
    })
  })
}
