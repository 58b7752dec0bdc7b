/**
 * Runs the portable smoke suite on every runtime core supports: Node (in this process), Bun and
 * Deno (child processes, Deno with no permissions at all), workerd (through Miniflare, the suite
 * bundled as a Worker) and a browser (headless Chromium from Debian, the suite bundled for the
 * browser). One vitest case per runtime and smoke case.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { chromium } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { runSmokeSuite, smokeCases } from './smoke-suite.ts'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const bin = (name: string) => join(here, '..', 'node_modules', '.bin', name)
type Results = Awaited<ReturnType<typeof runSmokeSuite>>
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

async function bundle(entry: string, platform: 'neutral' | 'browser', format: 'esm' | 'iife') {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    format,
    platform,
    mainFields: ['module', 'main'],
    conditions: platform === 'browser' ? ['browser', 'import'] : ['worker', 'browser', 'import'],
    write: false,
  })
  return result.outputFiles[0]?.text ?? ''
}

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
    const script = await bundle('worker-entry.ts', 'neutral', 'esm')
    const miniflare = new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01' })
    try {
      const response = await miniflare.dispatchFetch('http://smoke.local/')
      return (await response.json()) as Results
    } finally {
      await miniflare.dispose()
    }
  },
}

if (existsSync(CHROMIUM)) {
  runtimes.browser = async () => {
    const script = await bundle('browser-entry.ts', 'browser', 'iife')
    // The flags keep Chromium from reaching for the network at start (the machine has none).
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    try {
      const page = await browser.newPage()
      // WebCrypto needs a secure context, which about:blank is not; localhost is. The page is
      // answered by Playwright's router, so nothing listens on a port.
      await page.route('http://localhost/smoke', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>smoke</title>' }),
      )
      await page.goto('http://localhost/smoke')
      await page.addScriptTag({ content: script })
      return (await page.evaluate('window.smokeResults')) as Results
    } finally {
      await browser.close()
    }
  }
} else {
  describe.skip(`core in a browser: ${CHROMIUM} not found (apt-get install chromium)`, () => {
    it('runs the smoke suite', () => {})
  })
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
