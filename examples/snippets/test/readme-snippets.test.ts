/**
 * Every TypeScript snippet of the READMEs is a file in src/ (type-checked by `typecheck` with a
 * consumer's `tsc --strict`), the README shows exactly that file, and the snippets that can run
 * here run against the mock: in process, or on 127.0.0.1 with port 0.
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createSmsClient, staticToken } from '@sms-command/core'
import { createMockAdminClient } from '@sms-command/mock-server/client'
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetch as bigTokenFetch } from '../src/big-token-fetch.ts'

const run = promisify(execFile)
const packageDir = join(import.meta.dirname, '..')
const repoRoot = join(packageDir, '..', '..')
const MARKER = /^(\s*)<!-- snippet: (examples\/snippets\/src\/[\w.-]+\.ts) /

/** Every ```ts/```tsx block of the tracked READMEs, with the snippet file its marker names. */
function readmeBlocks(): {
  readme: string
  line: number
  file: string | undefined
  code: string
}[] {
  const readmes = execFileSync('git', ['ls-files', '*.md'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter((path) => path.endsWith('README.md') || path === 'ARCHITECTURE.md')
  const blocks = []
  for (const readme of readmes) {
    const lines = readFileSync(join(repoRoot, readme), 'utf8').split('\n')
    for (let index = 0; index < lines.length; index++) {
      const fence = /^(\s*)```(ts|tsx|typescript)\s*$/.exec(lines[index] ?? '')
      if (!fence) continue
      const indent = fence[1] ?? ''
      const marker = MARKER.exec(lines[index - 1] ?? '')
      const end = lines.findIndex((text, at) => at > index && text.trim() === '```')
      const code = lines
        .slice(index + 1, end)
        .map((text) => (text.startsWith(indent) ? text.slice(indent.length) : text))
        .join('\n')
      blocks.push({ readme, line: index + 1, file: marker?.[2], code })
      index = end
    }
  }
  return blocks
}

describe('README snippets', () => {
  const blocks = readmeBlocks()

  it('finds the snippets (root, core, cli-kit and mock-server READMEs)', () => {
    expect(new Set(blocks.map((block) => block.readme))).toEqual(
      new Set([
        'README.md',
        'packages/core/README.md',
        'packages/cli-kit/README.md',
        'apps/mock-server/README.md',
      ]),
    )
  })

  it.each(blocks.map((block) => [`${block.readme}:${block.line}`, block] as const))(
    '%s is a file of examples/snippets, shown as it is',
    (_, block) => {
      expect(
        block.file,
        'a TypeScript block needs a <!-- snippet: examples/snippets/src/… --> marker',
      ).toBeDefined()
      const path = join(repoRoot, block.file ?? '')
      expect(existsSync(path), `${block.file} exists`).toBe(true)
      expect(block.code.trimEnd()).toBe(readFileSync(path, 'utf8').trimEnd())
    },
  )
})

describe('the snippets run', () => {
  let mock: RunningNodeServer | undefined
  const node = (file: string, args: string[] = [], env: Record<string, string> = {}) =>
    run(process.execPath, [join(packageDir, 'dist', file), ...args], {
      cwd: packageDir,
      env: { ...process.env, NO_COLOR: '1', HTTPS_PROXY: '', https_proxy: '', ...env },
      timeout: 30_000,
    })

  beforeAll(async () => {
    if (!existsSync(join(packageDir, 'dist', 'using-core.js')))
      execFileSync('pnpm', ['run', 'build'], { cwd: packageDir, stdio: 'pipe' })
    // The demo credentials: token demo-token, IAM user demo/demo-password, AK/SK, demo-server.
    mock = await startNodeServer({ port: 0, host: '127.0.0.1' })
  })
  afterAll(async () => {
    await mock?.close()
  })

  async function enqueue(serverId: string, name: string, taskId: string) {
    // The client throws unless the mock answers 2xx.
    const enqueued = await createMockAdminClient(mock?.url ?? '').enqueue(serverId, {
      command_name: name,
      command_param: { task_id: taskId },
    })
    expect(enqueued.map((command) => command.command_name)).toEqual([name])
  }

  it('mock-programmatic.ts: in process, the client, then over HTTP on port 0', async () => {
    const { stdout } = await node('mock-programmatic.js')
    expect(stdout).toContain("200 { command_name: 'START', command_param: { task_id: 't-1' } }")
    expect(stdout).toContain('START null')
    expect(stdout).toMatch(/^1 1$/m)
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/m)
  })

  it('using-core.ts: IAM login, then exactly-once delivery of each command until SIGTERM', async () => {
    await enqueue('demo-server', 'START', 'readme-1')
    await enqueue('demo-server', 'STOP', 'readme-1')
    const child = execFile(process.execPath, [join(packageDir, 'dist', 'using-core.js')], {
      env: {
        ...process.env,
        SMS_ENDPOINT: mock?.url ?? '',
        SMS_IAM_ENDPOINT: mock?.url ?? '',
        SMS_USER: 'demo',
        SMS_PASSWORD: 'demo-password',
        SMS_DOMAIN: 'demo',
        SMS_SERVER_ID: 'demo-server',
      },
      timeout: 30_000,
    })
    let stdout = ''
    child.stdout?.on('data', (chunk) => {
      stdout += chunk
      if (stdout.includes('reported STOP')) child.kill('SIGTERM')
    })
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(stdout).toContain('reported START')
    expect(stdout).toContain('reported STOP')
    // SIGTERM aborts the delivery, which flushes and ends: the process exits on its own, cleanly.
    expect(code).toBe(0)
  })

  it('core-deliver-once.ts: one pass with a file journal, then an idle pass', async () => {
    await enqueue('demo-server', 'SYNC', 'readme-4')
    const dir = mkdtempSync(join(tmpdir(), 'snippet-journal-'))
    const env = {
      SMS_ENDPOINT: mock?.url ?? '',
      SMS_TOKEN: 'demo-token',
      SMS_SERVER_ID: 'demo-server',
      SMS_JOURNAL: join(dir, 'journal.json'),
    }
    // Earlier tests may have left commands: pass until SMS is idle, each result reported once.
    let last = ''
    for (let pass = 0; pass < 10 && !last.startsWith('idle'); pass++) {
      last = (await node('core-deliver-once.js', [], env)).stdout.trim()
      expect(last).toMatch(/^(command|idle) outbox 0$/)
    }
    expect(last).toBe('idle outbox 0')
    const journal = JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8'))
    expect(
      journal.entries.some(
        (entry: { command: { command_param: { task_id?: string } } }) =>
          entry.command.command_param.task_id === 'readme-4',
      ),
    ).toBe(true)
  })

  it('core-client.ts: AK/SK-signed GET against the mock', async () => {
    await enqueue('demo-server', 'SYNC', 'readme-2')
    const { stdout } = await node('core-client.js', [], {
      SMS_ENDPOINT: mock?.url ?? '',
      SMS_AK: 'DEMOACCESSKEY0000000',
      SMS_SK: 'demo-secret-key',
      SMS_SERVER_ID: 'demo-server',
    })
    expect(stdout.trim()).toMatch(/^(STOP|SYNC)$/)
  })

  it('cli-option-table.ts: a duration flag parsed and typed', async () => {
    expect((await node('cli-option-table.js', ['--interval', '5s'])).stdout.trim()).toBe('5000')
    // The snippet leaves the ConfigError uncaught: it names the flag and what was expected.
    await expect(node('cli-option-table.js', ['--interval', '10ms'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--interval'),
    })
  })

  it('cli-proxy-fetch.ts: says which proxy the requests take, without credentials', async () => {
    const { stdout } = await node('cli-proxy-fetch.js', [], {
      HTTPS_PROXY: 'http://user:secret@proxy.corp:3128',
    })
    expect(stdout).toContain('proxy.corp:3128')
    expect(stdout).not.toContain('secret')
  })

  it('big-token-fetch.ts: the fetch it exports works as core client fetch', async () => {
    await enqueue('demo-server', 'DELETE', 'readme-3')
    const client = createSmsClient({
      endpoint: mock?.url ?? '',
      auth: staticToken('demo-token'),
      fetch: bigTokenFetch,
    })
    expect((await client.getCommand('demo-server'))?.command_name).toMatch(/^[A-Z]+$/)
  })
})
