import { appendFile, mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createVirtualScheduler } from '@sms-command/core/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  HELD_CHECK_MS,
  HeldOutputFiles,
  heldOutputSubject,
  outputHeldEvent,
} from './held-output-files.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-held-'))
})

function watcher(alive: Set<number>, capBytes = 1_000) {
  const scheduler = createVirtualScheduler()
  const held: { path: string; context: unknown }[] = []
  const files = new HeldOutputFiles<string>({
    dir,
    scheduler,
    capBytes,
    groupAlive: async (pgid) => alive.has(pgid),
    onHeld: (path, context) => held.push({ path, context }),
  })
  files.start()
  return { scheduler, files, held }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

describe('HeldOutputFiles', () => {
  it('removes a file at the first check once its group is gone and nothing wrote to it', async () => {
    const { scheduler, files, held } = watcher(new Set())
    const path = join(dir, '11-1.log')
    await writeFile(path, 'the handler said this\n')
    files.hold(path, 11, { size: 22, alive: false, context: 't-1' })
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect(await exists(path)).toBe(false)
    expect(held).toEqual([])
    expect(files.paths).toEqual([])
    await files.close()
  })

  it('reports a live group at once, caps the file while it writes, removes it once it is gone', async () => {
    const alive = new Set([22])
    const { scheduler, files, held } = watcher(alive)
    const path = join(dir, '22-1.log')
    await writeFile(path, 'started\n')
    files.hold(path, 22, { size: 8, alive: true, context: 't-2' })
    expect(held).toEqual([{ path, context: 't-2' }])
    await appendFile(path, 'x'.repeat(1_500))
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect((await stat(path)).size).toBe(0) // past the cap: truncated, still there
    await appendFile(path, 'tick\n')
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect((await stat(path)).size).toBe(5) // under the cap: left alone
    alive.delete(22)
    await appendFile(path, 'last words\n')
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect(await exists(path)).toBe(true) // it grew: someone may still write
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect(await exists(path)).toBe(false)
    expect(held).toHaveLength(1) // once
    await files.close()
  })

  it('reports a file held when it grows although the group looked gone (a setsid daemon)', async () => {
    const { scheduler, files, held } = watcher(new Set())
    const path = join(dir, '33-1.log')
    await writeFile(path, 'ok\n')
    files.hold(path, 33, { size: 3, alive: false, context: 't-3' })
    await appendFile(path, 'daemon log line\n')
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect(held).toEqual([{ path, context: 't-3' }])
    expect(await exists(path)).toBe(true)
    await files.close()
  })

  it('adopts the files an earlier agent left: truncated, then watched like held ones', async () => {
    await mkdir(dir, { recursive: true })
    const live = join(dir, '44-1.log')
    const gone = join(dir, '55-1.log')
    const unnamed = join(dir, 'run-1-abc.log')
    for (const path of [live, gone, unnamed]) await writeFile(path, 'old output\n')
    await writeFile(join(dir, 'notes.txt'), 'not ours')
    const scheduler = createVirtualScheduler()
    const files = new HeldOutputFiles({ dir, scheduler, groupAlive: async (pgid) => pgid === 44 })
    expect((await files.adoptLeftovers()).sort()).toEqual([live, gone, unnamed].sort())
    for (const path of [live, gone, unnamed]) expect((await stat(path)).size).toBe(0)
    files.start()
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect((await readdir(dir)).sort()).toEqual(['44-1.log', 'notes.txt'])
    await files.close()
  })

  it('adopts nothing when there is no output directory yet', async () => {
    const files = new HeldOutputFiles({
      dir: join(dir, 'absent'),
      scheduler: createVirtualScheduler(),
      groupAlive: async () => false,
    })
    expect(await files.adoptLeftovers()).toEqual([])
  })

  it('stops checking once closed', async () => {
    const { scheduler, files } = watcher(new Set())
    await files.close()
    const path = join(dir, '66-1.log')
    await writeFile(path, 'x')
    files.hold(path, 66, { size: 1, alive: false })
    await scheduler.advance(10 * HELD_CHECK_MS)
    await files.idle()
    expect(await exists(path)).toBe(true) // the next start adopts it
  })
})

describe('HeldOutputFiles.adopt', () => {
  it('adopts the leftovers and starts the checks; none without a directory', async () => {
    const scheduler = createVirtualScheduler()
    const options = { scheduler, groupAlive: async () => false }
    expect(await HeldOutputFiles.adopt(undefined, options)).toBeUndefined()
    const left = join(dir, '77-1.log')
    await writeFile(left, 'from the last run\n')
    const files = (await HeldOutputFiles.adopt(dir, options)) as HeldOutputFiles
    expect(files.paths).toEqual([left])
    expect((await stat(left)).size).toBe(0)
    await scheduler.advance(HELD_CHECK_MS)
    await files.idle()
    expect(await exists(left)).toBe(false)
    await files.close()
  })
})

describe('heldOutputSubject', () => {
  it('names the handler, the command and its task id', () => {
    const command = { command_name: 'STOP', command_param: { task_id: 't-9' } }
    expect(heldOutputSubject('/h', command)).toEqual({
      handler: '/h',
      command: 'STOP',
      task_id: 't-9',
    })
  })
})

describe('outputHeldEvent', () => {
  it('names the file when there is one, and says the pipes end with the agent otherwise', () => {
    const subject = { handler: '/h', command: 'START', task_id: 't-1' }
    const file = outputHeldEvent(subject, '/var/lib/sms-agent/output/1-2.log')
    expect(file).toMatchObject({
      event: 'handler.output-held',
      path: '/var/lib/sms-agent/output/1-2.log',
      task_id: 't-1',
    })
    expect(file.msg).toContain('outlives the agent')
    const pipes = outputHeldEvent(subject)
    expect(pipes).not.toHaveProperty('path')
    expect(pipes.msg).toContain('they end when the agent stops')
  })
})
