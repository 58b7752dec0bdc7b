/**
 * A full or read-only state directory at start (issue "field conditions"), on Node, Bun and Deno:
 * exit 75, which the unit restarts, rather than 3, which it never does; once space is freed the
 * next start works. A real filesystem: a 64 KiB tmpfs in a private mount namespace (`unshare`),
 * so the host's mounts are never touched; skipped where unprivileged namespaces aren't allowed.
 */
import { execFile, execFileSync } from 'node:child_process'
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT_STORAGE_UNAVAILABLE } from '../src/durable/storage-failure.ts'
import { agentCommand, type Runtime, runtimeAvailable } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const TOKEN = 'tok-SECRET-storage-91be'

function privateMountsWork(): boolean {
  try {
    const probe = execFileSync(
      'unshare',
      [
        '--mount',
        '--map-root-user',
        'sh',
        '-c',
        'mount -t tmpfs -o size=64k tmpfs /mnt && echo ok',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
    return probe.trim() === 'ok'
  } catch {
    return false
  }
}

const RUNTIMES = (['node', 'bun', 'deno'] as const).filter(runtimeAvailable)
const CAN_MOUNT = privateMountsWork()

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

describe.skipIf(!CAN_MOUNT)(
  'a state directory on a full or read-only filesystem (unshare + tmpfs)',
  () => {
    let mock: Mock
    beforeAll(async () => {
      mock = await startMock({ tokens: [TOKEN] })
    })
    afterAll(async () => {
      await mock?.close()
    })

    it.each(RUNTIMES as Runtime[])(
      'on %s: full → exit 75 (restartable), freed → starts, read-only → exit 75',
      async (runtime) => {
        const serverId = `srv-storage-${runtime}`
        await mock.register(serverId)
        const dir = await mkdtemp(join(tmpdir(), `agent-storage-${runtime}-`))
        const mountPoint = join(dir, 'mnt')
        const stateDir = join(mountPoint, 'state')
        const handler = join(dir, 'h.sh')
        await writeFile(handler, '#!/bin/sh\nexit 0\n')
        await chmod(handler, 0o755)
        const agent = agentCommand(
          runtime,
          [
            ...['--endpoint', mock.url, '--server-id', serverId, '--state-dir', stateDir],
            ...['--handler', handler, '--once', '--request-timeout', '5s'],
          ],
          {
            net: ['127.0.0.1'],
            read: [stateDir, handler],
            write: [stateDir],
            run: [handler, 'kill'],
          },
        )
        const run = [agent.file, ...agent.args].map(quote).join(' ')
        const script = [
          `mkdir -p ${quote(mountPoint)}`,
          `mount -t tmpfs -o size=64k tmpfs ${quote(mountPoint)}`,
          `mkdir ${quote(stateDir)}`,
          // Fill it to the last block.
          `dd if=/dev/zero of=${quote(join(mountPoint, 'fill'))} bs=4k 2>/dev/null`,
          `${run}; echo "EXIT full=$?"`,
          `rm ${quote(join(mountPoint, 'fill'))}`,
          `${run}; echo "EXIT freed=$?"`,
          `mount -o remount,ro ${quote(mountPoint)}`,
          `${run}; echo "EXIT readonly=$?"`,
        ].join('\n')
        const { stdout, stderr } = await promisify(execFile)(
          'unshare',
          ['--mount', '--map-root-user', 'sh', '-c', script],
          {
            cwd: dir,
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, SMS_TOKEN: TOKEN },
          },
        )
        const exits = Object.fromEntries(
          [...stdout.matchAll(/^EXIT (\w+)=(\d+)$/gm)].map((m) => [m[1], Number(m[2])]),
        )
        expect(exits, `${stdout}\n${stderr}`).toEqual({
          full: EXIT_STORAGE_UNAVAILABLE,
          freed: 0,
          readonly: EXIT_STORAGE_UNAVAILABLE,
        })
        const errors = stdout
          .split('\n')
          .filter((line) => line.includes('"event":"state.error"'))
          .map((line) => JSON.parse(line) as { kind: string; msg: string })
        expect(errors.map((error) => error.kind)).toEqual(['ENOSPC', 'EROFS'])
        expect(errors[0]?.msg).toContain('the filesystem is full')
        expect(errors[0]?.msg).toContain('starts the agent again')
        expect(errors[1]?.msg).toContain('mounted read-only')
        expect(stdout).not.toContain(TOKEN)
      },
      60_000,
    )
  },
)
