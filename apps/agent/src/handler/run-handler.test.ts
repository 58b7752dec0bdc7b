import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SmsCommand } from '@sms-command/core'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { currentPlatform } from '../platform/platform.ts'
import { OutputTail } from './output-tail.ts'
import {
  handlerEnvironment,
  OUTPUT_FOLD_MS,
  type RunHandlerOptions,
  runHandler,
} from './run-handler.ts'

let dir: string
/** Where `options()` sends handler output; undefined: pipes. */
let outputDir: string | undefined
const platform = currentPlatform()
const START: SmsCommand = {
  command_name: 'START',
  command_param: { task_id: 't-1', bucket: 'b-1' },
}

async function script(name: string, body: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `#!/bin/sh\n${body}\n`)
  await chmod(path, 0o755)
  return path
}

function options(path: string, extra: Partial<RunHandlerOptions> = {}): RunHandlerOptions {
  return {
    path,
    command: START,
    serverId: 'srv-1',
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeoutMs: 10_000,
    killGraceMs: 2_000,
    outputTailBytes: 4096,
    platform,
    outputDir,
    ...extra,
  }
}

/** True while `pid` runs; a zombie (dead, not yet reaped by init) counts as gone. */
async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z/.test(stat)
  } catch {
    return false
  }
}

async function eventuallyGone(pid: number): Promise<boolean> {
  for (let turn = 0; turn < 40; turn++) {
    if (!(await processAlive(pid))) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-handler-'))
})

describe.each([
  ['an output file', true],
  ['pipes (no output directory, or it cannot be created)', false],
])('runHandler, output to %s', (_mode, toFile) => {
  beforeAll(() => {
    outputDir = toFile ? join(dir, 'output') : undefined
  })

  it('passes argv [path, command] and the command in SMS_* variables; exit 0 is success', async () => {
    const path = await script(
      'echo.sh',
      'echo "argv0=$0 argv1=$1 argc=$#"\necho "cmd=$SMS_COMMAND task=$SMS_TASK_ID bucket=$SMS_BUCKET server=$SMS_SERVER_ID"',
    )
    const outcome = await runHandler(options(path))
    expect(outcome.result).toBe('success')
    expect(outcome.detail).toMatchObject({
      exit_code: 0,
      signal: null,
      timed_out: false,
      handler: path,
      output: `argv0=${path} argv1=START argc=1\ncmd=START task=t-1 bucket=b-1 server=srv-1\n`,
      output_truncated: false,
    })
    expect(outcome.detail.reason).toBeUndefined()
    expect(outcome.detail.duration_ms).toBeGreaterThanOrEqual(0)
  })

  it('keeps hostile values inert: no shell ever sees the task id', async () => {
    const marker = join(dir, 'pwned')
    const hostile = [
      `x; touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `x && rm -rf / ; touch ${marker}`,
      `'"; touch ${marker}; echo "`,
    ]
    const out = join(dir, `task-ids-${toFile}`)
    const path = await script('record.sh', `printf '%s\\n' "$SMS_TASK_ID" >> '${out}'`)
    for (const taskId of hostile) {
      const command = { command_name: 'START', command_param: { task_id: taskId } }
      const outcome = await runHandler(options(path, { command }))
      expect(outcome.result).toBe('success')
    }
    expect(await readFile(out, 'utf8')).toBe(`${hostile.join('\n')}\n`)
    await expect(stat(marker)).rejects.toThrow('ENOENT')
  })

  it('passes a hostile command name as one argv entry', async () => {
    const path = await script('argv.sh', 'printf "%s|" "$#" "$1"')
    const command = { command_name: 'START; rm -rf / #', command_param: {} }
    const outcome = await runHandler(options(path, { command }))
    expect(outcome.detail.output).toBe('1|START; rm -rf / #|')
  })

  it('reports fail with the exit code', async () => {
    const path = await script('fail.sh', 'echo boom >&2\nexit 3')
    const outcome = await runHandler(options(path))
    expect(outcome).toMatchObject({
      result: 'fail',
      detail: { reason: 'exit-code', exit_code: 3, signal: null, output: 'boom\n' },
    })
  })

  it('reports fail with the signal that killed the handler', async () => {
    const path = await script('suicide.sh', 'kill -KILL $$')
    const outcome = await runHandler(options(path))
    expect(outcome.detail).toMatchObject({ reason: 'signal', signal: 'SIGKILL', exit_code: null })
  })

  it('keeps only the last bytes of output', async () => {
    const path = await script(
      'chatty.sh',
      'i=0\nwhile [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done',
    )
    const outcome = await runHandler(options(path, { outputTailBytes: 64 }))
    expect(outcome.detail.output_truncated).toBe(true)
    expect(Buffer.byteLength(outcome.detail.output)).toBeLessThanOrEqual(64)
    expect(outcome.detail.output.endsWith('line 299\n')).toBe(true)
    expect(outcome.detail.output_bytes).toBeGreaterThan(2000)
  })

  it('on timeout sends SIGTERM to the whole process group, then SIGKILL after the grace', async () => {
    const pids = join(dir, 'timeout-pids')
    const path = await script(
      'stubborn.sh',
      // The handler ignores SIGTERM; its child is in the same group.
      `trap '' TERM\nsleep 60 &\necho $! > '${pids}'\nwhile true; do sleep 0.05; done`,
    )
    const started = performance.now()
    const outcome = await runHandler(options(path, { timeoutMs: 300, killGraceMs: 300 }))
    const elapsed = performance.now() - started
    expect(outcome.result).toBe('fail')
    expect(outcome.detail).toMatchObject({ reason: 'timeout', timed_out: true, signal: 'SIGKILL' })
    expect(elapsed).toBeGreaterThanOrEqual(550)
    const grandchild = Number((await readFile(pids, 'utf8')).trim())
    expect(await eventuallyGone(grandchild)).toBe(true)
  })

  it('a handler that honours SIGTERM ends at once on timeout', async () => {
    const path = await script('polite.sh', 'sleep 30')
    const started = performance.now()
    const outcome = await runHandler(options(path, { timeoutMs: 200, killGraceMs: 5_000 }))
    expect(outcome.detail).toMatchObject({ reason: 'timeout', signal: 'SIGTERM' })
    expect(performance.now() - started).toBeLessThan(3_000)
  })

  it('terminates the handler when the signal aborts and reports it interrupted', async () => {
    const path = await script('long.sh', 'sleep 30')
    const controller = new AbortController()
    let spawnedPid = 0
    const running = runHandler(
      options(path, {
        signal: controller.signal,
        onSpawn: (pid) => {
          spawnedPid = pid
          setTimeout(() => controller.abort(), 100)
        },
      }),
    )
    const outcome = await running
    expect(spawnedPid).toBeGreaterThan(0)
    expect(outcome.detail).toMatchObject({ reason: 'interrupted', signal: 'SIGTERM' })
  })

  it('returns soon after exit even when a background child holds stdout open', async () => {
    const path = await script('daemonize.sh', 'sleep 5 &\necho started')
    const started = performance.now()
    const outcome = await runHandler(options(path))
    expect(outcome.result).toBe('success')
    expect(outcome.detail.output).toBe('started\n')
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('keeps what the handler left running alive: `nohup svc &` without a redirect writes on after exit', async () => {
    const ticks = join(dir, 'ticks.txt')
    const pidFile = join(dir, 'svc.pid')
    // The "service": writes to the inherited stdout (the agent's pipe) and to a file, every 50 ms.
    const path = await script(
      'nohup-svc.sh',
      `nohup sh -c 'while :; do echo tick; echo tick >> "${ticks}"; sleep 0.05; done' &\necho $! > "${pidFile}"\necho started`,
    )
    let held = 0
    let handed: { path: string; alive: boolean } | undefined
    const outcome = await runHandler(
      options(path, { onOutputHeld: () => held++, onOutputFile: (file) => (handed = file) }),
    )
    const pid = Number(await readFile(pidFile, 'utf8'))
    try {
      expect(outcome.result).toBe('success')
      expect(outcome.detail.output).toContain('started\n')
      if (toFile) {
        expect(handed?.alive).toBe(true)
        expect(held).toBe(0)
        // It goes on writing to the file, which outlives the agent.
        const size = (await stat(handed?.path as string)).size
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect((await stat(handed?.path as string)).size).toBeGreaterThan(size)
      } else {
        expect(held).toBe(1)
      }
      const before = (await readFile(ticks, 'utf8')).length
      await new Promise((resolve) => setTimeout(resolve, 600))
      // Alive and still writing well after the agent was done with the handler: no SIGPIPE.
      expect(await processAlive(pid)).toBe(true)
      expect((await readFile(ticks, 'utf8')).length).toBeGreaterThan(before + 20)
    } finally {
      process.kill(pid, 'SIGKILL')
    }
    expect(await eventuallyGone(pid)).toBe(true)
  })

  it('reports spawn-failed, never throws, for a missing or non-executable handler', async () => {
    const missing = await runHandler(options(join(dir, 'absent')))
    expect(missing.detail).toMatchObject({ reason: 'spawn-failed', exit_code: null })
    expect(missing.detail.message).toContain('ENOENT')
    const plain = join(dir, 'plain.txt')
    await writeFile(plain, 'not a program')
    const denied = await runHandler(options(plain))
    expect(denied.detail).toMatchObject({ reason: 'spawn-failed' })
  })

  it('reports spawn-failed for a task id no environment can hold (a NUL byte)', async () => {
    const path = await script('ok.sh', 'exit 0')
    const command = { command_name: 'START', command_param: { task_id: 'a\u0000b' } }
    const outcome = await runHandler(options(path, { command }))
    expect(outcome.detail.reason).toBe('spawn-failed')
  })

  it('does not start when the agent is already stopping', async () => {
    const controller = new AbortController()
    controller.abort()
    const outcome = await runHandler(options('/bin/true', { signal: controller.signal }))
    expect(outcome.detail.reason).toBe('interrupted')
    // What tells the agent the command never ran (pending, not a failed command).
    expect(outcome.detail.not_started).toBe(true)
  })
})

describe('runHandler, output file', () => {
  let out: string
  beforeEach(async () => {
    out = await mkdtemp(join(dir, 'out-'))
  })
  const only = async () => {
    const names = await readdir(out)
    expect(names).toHaveLength(1)
    return join(out, names[0] as string)
  }

  it('gets stdout and stderr interleaved as written, in a 0600 file named after the process group', async () => {
    const path = await script('mixed.sh', 'echo one\necho two >&2\necho three\necho four >&2')
    let handed: { path: string; pgid: number | undefined; size: number; alive: boolean } | undefined
    let spawned = 0
    const outcome = await runHandler(
      options(path, {
        outputDir: out,
        baseEnv: { PATH: '/usr/bin:/bin', SMS_TOKEN: 'tok-SECRET-never-in-files' },
        onSpawn: (pid) => (spawned = pid),
        onOutputFile: (file) => (handed = file),
      }),
    )
    expect(outcome.detail).toMatchObject({ output: 'one\ntwo\nthree\nfour\n', output_bytes: 19 })
    expect(handed).toMatchObject({ pgid: spawned, size: 19, alive: false })
    expect(handed?.path).toMatch(new RegExp(`/${spawned}-\\d+\\.log$`))
    expect(await only()).toBe(handed?.path)
    // The file holds what the handler wrote and nothing the agent added.
    expect(await readFile(handed?.path as string, 'utf8')).toBe('one\ntwo\nthree\nfour\n')
    expect((await stat(handed?.path as string)).mode & 0o777).toBe(0o600)
  })

  it('removes the file after the exit when nobody takes it over', async () => {
    const path = await script('quiet.sh', 'echo bye')
    const outcome = await runHandler(options(path, { outputDir: out }))
    expect(outcome.detail.output).toBe('bye\n')
    expect(await readdir(out)).toEqual([])
  })

  it('does not start the handler when the stop comes while its file is being made', async () => {
    const marker = join(out, 'ran')
    const path = await script('never.sh', `touch '${marker}'`)
    const stopping = new AbortController()
    const running = runHandler(options(path, { outputDir: out, signal: stopping.signal }))
    stopping.abort()
    const outcome = await running
    expect(outcome.detail).toMatchObject({
      reason: 'interrupted',
      exit_code: null,
      not_started: true,
    })
    expect(outcome.detail.message).toContain('the handler was not started')
    expect(await readdir(out)).toEqual([])
    expect(existsSync(marker)).toBe(false)
  })

  it('leaves no file behind when the handler cannot be started', async () => {
    const missing = await runHandler(options(join(dir, 'absent'), { outputDir: out }))
    expect(missing.detail.reason).toBe('spawn-failed')
    const command = { command_name: 'START', command_param: { task_id: 'a\u0000b' } }
    const nul = await runHandler(
      options(await script('ok2.sh', 'exit 0'), { outputDir: out, command }),
    )
    expect(nul.detail.reason).toBe('spawn-failed')
    expect(await readdir(out)).toEqual([])
  })

  it('falls back to pipes when the output directory cannot be created', async () => {
    const blocker = join(out, 'a-file')
    await writeFile(blocker, '')
    const path = await script('fallback.sh', 'echo still captured')
    const outcome = await runHandler(options(path, { outputDir: join(blocker, 'output') }))
    expect(outcome).toMatchObject({ result: 'success', detail: { output: 'still captured\n' } })
  })

  it('reads the file while the handler runs and truncates it past the cap, keeping the tail', async () => {
    const go = join(out, 'go')
    // 3,000 bytes, then it waits (bounded) for the test to let it finish.
    const path = await script(
      'big.sh',
      `i=0\nwhile [ $i -lt 300 ]; do echo "line $(printf %04d $i)"; i=$((i+1)); done\nn=0\nwhile [ ! -e '${go}' ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done\necho done`,
    )
    const scheduler = createVirtualScheduler()
    const outputs = join(out, 'files')
    const running = runHandler(
      options(path, { outputDir: outputs, outputCapBytes: 1_000, outputTailBytes: 25, scheduler }),
    )
    const file = async () => {
      const names = await readdir(outputs).catch(() => [])
      return names[0] === undefined ? undefined : join(outputs, names[0])
    }
    const sizeOf = async () => {
      const path = await file()
      return path === undefined ? -1 : (await stat(path)).size
    }
    const until = async (ok: (size: number) => boolean) => {
      for (let turn = 0; turn < 200 && !ok(await sizeOf()); turn++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      return sizeOf()
    }
    expect(await until((size) => size >= 3_000)).toBe(3_000)
    await scheduler.advance(OUTPUT_FOLD_MS)
    expect(await until((size) => size === 0)).toBe(0)
    await writeFile(go, '')
    const outcome = await running
    expect(outcome.detail).toMatchObject({
      output: 'line 0298\nline 0299\ndone\n'.slice(-25),
      output_bytes: 3_005,
      output_truncated: true,
    })
  })
})

describe('handlerEnvironment', () => {
  it('drops every SMS_* variable of the agent, credentials included', () => {
    const env = handlerEnvironment(
      { PATH: '/bin', SMS_TOKEN: 'secret', sms_sk: 'secret', SMS_TASK_ID: 'stale', HOME: '/h' },
      { command_name: 'SYNC', command_param: {} },
      'srv-9',
    )
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/h',
      SMS_COMMAND: 'SYNC',
      SMS_TASK_ID: '',
      SMS_BUCKET: '',
      SMS_SERVER_ID: 'srv-9',
    })
  })

  // The agent reads AK/SK from Huawei's SDK variables too (HUAWEICLOUD_SDK_SK): before, those
  // reached every handler, and a handler printing its environment sent the SK to SMS.
  it("drops the other variables the agent's settings read, whatever their case (Windows)", () => {
    const env = handlerEnvironment(
      {
        PATH: '/bin',
        HUAWEICLOUD_SDK_AK: 'AK-ID',
        HUAWEICLOUD_SDK_SK: 'sk-SECRET',
        huaweicloud_sdk_security_token: 'st-SECRET',
        HUAWEICLOUD_SDK_DOMAIN_ID: 'dom',
        HUAWEICLOUD_SDK_PROJECT_ID: 'kept: the agent never reads it',
      },
      { command_name: 'SYNC', command_param: {} },
      'srv-9',
    )
    expect(Object.keys(env).sort()).toEqual([
      'HUAWEICLOUD_SDK_PROJECT_ID',
      'PATH',
      'SMS_BUCKET',
      'SMS_COMMAND',
      'SMS_SERVER_ID',
      'SMS_TASK_ID',
    ])
  })
})

describe('OutputTail', () => {
  it('keeps the last bytes across chunk boundaries', () => {
    const tail = new OutputTail(5)
    const encode = (text: string) => new TextEncoder().encode(text)
    tail.push(encode('abc'))
    tail.push(encode('defg'))
    expect(tail.text()).toBe('cdefg')
    tail.push(encode('0123456789'))
    expect(tail.text()).toBe('56789')
    expect(tail.total).toBe(17)
    expect(tail.truncated).toBe(true)
  })

  it('keeps nothing with a zero limit but still counts', () => {
    const tail = new OutputTail(0)
    tail.push(new Uint8Array(10))
    expect(tail.text()).toBe('')
    expect(tail.total).toBe(10)
  })
})
