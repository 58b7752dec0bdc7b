/**
 * The one-file install: `pnpm --filter @sms-command/agent compile` builds, offline, Bun's baseline
 * x86-64 executable and an arm64 one (dist/bin/sms-agent-linux-{x64,arm64}, dist/bin/sms-agent the
 * build host's), and that executable alone polls the real mock, runs a handler and reports its
 * result. Under Debian's qemu-user the x86-64 one is run on an old CPU model (Nehalem: no AVX,
 * no AVX2) and the arm64 one on an emulated ARM CPU; without qemu those tests are skipped.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from '../src/version.ts'
import { AGENT_DIR, runtimeAvailable } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const run = promisify(execFile)
const BINARY = join(AGENT_DIR, 'dist', 'bin', 'sms-agent')
const X64 = join(AGENT_DIR, 'dist', 'bin', 'sms-agent-linux-x64')
const ARM64 = join(AGENT_DIR, 'dist', 'bin', 'sms-agent-linux-arm64')

/** An executable from Debian's packages, when installed (`.ci/run` installs qemu-user). */
function debianTool(name: string): string | undefined {
  return [`/usr/bin/${name}`, `/usr/local/bin/${name}`].find(existsSync)
}
const QEMU_X64 = debianTool('qemu-x86_64')
const QEMU_ARM64 = debianTool('qemu-aarch64')
/** The arm64 C library the emulated executable loads (Debian's libc6-arm64-cross). */
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu'
const ARM64_LOADER = existsSync(join(ARM64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))
const TOKEN = 'tok-SECRET-compiled-3e9d'

describe.runIf(runtimeAvailable('bun'))('the single-file executable', () => {
  let mock: Mock
  let dir: string

  beforeAll(async () => {
    // The package's own compile script (it runs this package's Bun).
    const script: string = JSON.parse(await readFile(join(AGENT_DIR, 'package.json'), 'utf8'))
      .scripts.compile
    const [tool, ...args] = script.split(' ')
    expect(tool).toBe('node')
    await run(process.execPath, args, { cwd: AGENT_DIR, timeout: 240_000 })
    dir = await mkdtemp(join(tmpdir(), 'agent-compiled-'))
    mock = await startMock({ tokens: [TOKEN] })
  }, 270_000)

  afterAll(async () => {
    await mock?.close()
  })

  it('prints its version and runtime', async () => {
    const { stdout } = await run(BINARY, ['--version'], { env: {} })
    const [head, runtime] = stdout.split(' (')
    expect(head).toBe(`sms-agent ${VERSION}`)
    expect(runtime).toMatch(/^bun \d+\.\d+\.\d+, single-file executable\)\n$/)
  })

  /** Runs `argv` (the binary first) against the mock with --once and checks the one result. */
  async function handlesOneCommand(serverId: string, argv: readonly string[]) {
    const handler = join(dir, 'handler.sh')
    await writeFile(handler, '#!/bin/sh\necho "compiled ran $SMS_COMMAND $SMS_TASK_ID"\n')
    await chmod(handler, 0o755)
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'START', command_param: { task_id: 'one-file' } },
    ])
    const [file = '', ...prefix] = argv
    const { stdout } = await run(
      file,
      [
        ...prefix,
        ...['--endpoint', mock.url, '--server-id', serverId],
        ...['--state-dir', join(dir, `state-${serverId}`), '--handler', handler, '--once'],
      ],
      { env: { SMS_TOKEN: TOKEN, PATH: '/usr/bin:/bin' }, timeout: 120_000 },
    )
    expect(stdout).toContain('"event":"report.acknowledged"')
    expect(stdout).not.toContain(TOKEN)
    expect(await mock.results(serverId)).toMatchObject([
      {
        result: 'success',
        result_detail: { task_id: 'one-file', output: 'compiled ran START one-file\n' },
      },
    ])
  }

  it('polls the mock, runs the handler and reports the result, with nothing but itself', async () => {
    await handlesOneCommand('srv-compiled', [BINARY])
  }, 60_000)

  it('builds the x86-64 one on the baseline runtime and the arm64 one, from pinned packages', async () => {
    const agentPackage = JSON.parse(await readFile(join(AGENT_DIR, 'package.json'), 'utf8'))
    for (const runtime of [
      '@oven/bun-linux-x64-baseline',
      '@oven/bun-linux-aarch64',
      '@oven/bun-windows-x64-baseline',
    ]) {
      expect(agentPackage.devDependencies[runtime]).toBeDefined()
    }
    const { TARGETS } = (await import('../scripts/compile.mjs' as string)) as {
      TARGETS: { arch: string; target: string }[]
    }
    expect(TARGETS.map((target) => target.target)).toEqual([
      'bun-linux-x64-baseline',
      'bun-linux-arm64',
      'bun-windows-x64-baseline',
    ])
    expect(existsSync(X64) && existsSync(ARM64)).toBe(true)
    expect(existsSync(join(AGENT_DIR, 'dist', 'bin', 'sms-agent.exe'))).toBe(true)
  })

  it.skipIf(!QEMU_X64)(
    'the x86-64 one starts and works on a pre-AVX CPU (qemu-x86_64 -cpu Nehalem; skipped without qemu-user)',
    async () => {
      const { stdout } = await run(QEMU_X64 as string, ['-cpu', 'Nehalem', X64, '--version'], {
        env: {},
        timeout: 60_000,
      })
      expect(stdout).toMatch(new RegExp(`^sms-agent ${VERSION.replace(/\./g, '\\.')} \\(bun `))
      await handlesOneCommand('srv-nehalem', [QEMU_X64 as string, '-cpu', 'Nehalem', X64])
    },
    150_000,
  )

  it.skipIf(!QEMU_ARM64 || !ARM64_LOADER)(
    'the arm64 one starts on an emulated ARM CPU (qemu-aarch64; skipped without qemu-user and libc6-arm64-cross)',
    async () => {
      const { stdout } = await run(
        QEMU_ARM64 as string,
        ['-L', ARM64_SYSROOT, ARM64, '--version'],
        { env: {}, timeout: 90_000 },
      )
      expect(stdout).toMatch(/^sms-agent .* \(bun \d+\.\d+\.\d+, single-file executable\)\n$/)
    },
    120_000,
  )
})
