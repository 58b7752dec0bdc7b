/**
 * The one-file install: `pnpm --filter @sms-command/agent compile` builds
 * dist/bin/sms-agent with Bun (offline), and that executable alone polls the real mock, runs a
 * handler and reports its result.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from '../src/version.ts'
import { AGENT_DIR, runtimeAvailable, runtimeBinary } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const run = promisify(execFile)
const BINARY = join(AGENT_DIR, 'dist', 'bin', 'sms-agent')
const TOKEN = 'tok-SECRET-compiled-3e9d'

describe.runIf(runtimeAvailable('bun'))('the single-file executable', () => {
  let mock: Mock
  let dir: string

  beforeAll(async () => {
    // The package's own compile script, run with this package's Bun.
    const script: string = JSON.parse(await readFile(join(AGENT_DIR, 'package.json'), 'utf8'))
      .scripts.compile
    const [tool, ...args] = script.split(' ')
    expect(tool).toBe('bun')
    await run(runtimeBinary('bun'), args, { cwd: AGENT_DIR, timeout: 120_000 })
    dir = await mkdtemp(join(tmpdir(), 'agent-compiled-'))
    mock = await startMock({ tokens: [TOKEN] })
  }, 150_000)

  afterAll(async () => {
    await mock?.close()
  })

  it('prints its version and runtime', async () => {
    const { stdout } = await run(BINARY, ['--version'], { env: {} })
    const [head, runtime] = stdout.split(' (')
    expect(head).toBe(`sms-agent ${VERSION}`)
    expect(runtime).toMatch(/^bun \d+\.\d+\.\d+, single-file executable\)\n$/)
  })

  it('polls the mock, runs the handler and reports the result, with nothing but itself', async () => {
    const handler = join(dir, 'handler.sh')
    await writeFile(handler, '#!/bin/sh\necho "compiled ran $SMS_COMMAND $SMS_TASK_ID"\n')
    await chmod(handler, 0o755)
    await mock.register('srv-compiled')
    await mock.enqueue('srv-compiled', [
      { command_name: 'START', command_param: { task_id: 'one-file' } },
    ])
    const { stdout } = await run(
      BINARY,
      [
        ...['--endpoint', mock.url, '--server-id', 'srv-compiled'],
        ...['--state-dir', join(dir, 'state'), '--handler', handler, '--once'],
      ],
      { env: { SMS_TOKEN: TOKEN, PATH: '/usr/bin:/bin' }, timeout: 60_000 },
    )
    expect(stdout).toContain('"event":"report.acknowledged"')
    expect(stdout).not.toContain(TOKEN)
    expect(await mock.results('srv-compiled')).toMatchObject([
      {
        result: 'success',
        result_detail: { task_id: 'one-file', output: 'compiled ran START one-file\n' },
      },
    ])
  }, 60_000)
})
