import { closeSync, writeSync } from 'node:fs'
import { appendFile, mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  createOutputFile,
  freeBytes,
  isOutputFileUnavailableError,
  OutputCapture,
  outputFilePgid,
} from './output-file.ts'
import { OutputTail } from './output-tail.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-output-file-'))
})

const lines = (from: number, to: number) => {
  let text = ''
  for (let i = from; i < to; i++) text += `line ${String(i).padStart(4, '0')}\n`
  return text // 10 bytes a line
}

describe('createOutputFile', () => {
  it('creates the directory 0700 and an empty file 0600 opened for appending', async () => {
    const output = join(dir, 'output')
    const file = await createOutputFile(output, 1_700_000_000_000)
    try {
      writeSync(file.fd, 'a')
      await truncate(file.path, 0)
      // O_APPEND: after a truncation the writer goes on at the new end, leaving no hole.
      writeSync(file.fd, 'b')
    } finally {
      closeSync(file.fd)
    }
    expect(await readFile(file.path, 'utf8')).toBe('b')
    if (process.platform !== 'win32') {
      expect((await stat(output)).mode & 0o777).toBe(0o700)
      expect((await stat(file.path)).mode & 0o777).toBe(0o600)
    }
    expect(await readdir(output)).toEqual([file.path.slice(output.length + 1)])
  })
})

describe('createOutputFile on a nearly full disk', () => {
  it('makes no file (the handler gets pipes) when less than the margin is free', async () => {
    const output = join(dir, 'output')
    // Tests run on Node, where statfs always answers (Deno needs --allow-sys=statfs).
    const free = (await freeBytes(dir)) as number
    expect(free).toBeGreaterThan(0)
    const refusal = createOutputFile(output, 1, free + 1_048_576_000)
    await expect(refusal).rejects.toSatisfy(isOutputFileUnavailableError)
    await expect(refusal).rejects.toThrow('bytes free on the filesystem of')
    expect(await readdir(output)).toEqual([])
  })
})

describe('outputFilePgid', () => {
  it('reads the process group from a named file only', () => {
    expect(outputFilePgid('4242-1764446400000.log')).toBe(4242)
    expect(outputFilePgid('run-1764446400000-abc.log')).toBeUndefined()
    expect(outputFilePgid('4242-x.log')).toBeUndefined()
  })
})

describe('OutputCapture', () => {
  it('reads what is new at each fold into the tail, in order', async () => {
    const path = join(dir, 'out.log')
    await writeFile(path, 'one\n')
    const tail = new OutputTail(4096)
    const capture = new OutputCapture(path, tail)
    await capture.fold()
    await appendFile(path, 'two\n')
    await capture.fold()
    await capture.fold()
    expect(tail.text()).toBe('one\ntwo\n')
    expect(tail.total).toBe(8)
    expect(tail.truncated).toBe(false)
    expect(capture.size).toBe(8)
  })

  it('reads only the last `limit` bytes of a long stretch, counting the rest', async () => {
    const path = join(dir, 'out.log')
    await writeFile(path, lines(0, 300))
    const tail = new OutputTail(25)
    await new OutputCapture(path, tail).fold()
    expect(tail.text()).toBe(lines(297, 300).slice(-25))
    expect(tail.total).toBe(3000)
    expect(tail.truncated).toBe(true)
  })

  it('truncates the file past the cap, keeping the tail and the count across truncations', async () => {
    const path = join(dir, 'out.log')
    const tail = new OutputTail(20)
    const capture = new OutputCapture(path, tail, 1_000)
    await writeFile(path, lines(0, 50)) // 500 bytes: under the cap, kept
    await capture.fold()
    expect((await stat(path)).size).toBe(500)
    await appendFile(path, lines(50, 150)) // 1,500 bytes: past it
    await capture.fold()
    expect((await stat(path)).size).toBe(0)
    expect(capture.size).toBe(0)
    expect(tail.text()).toBe(lines(148, 150))
    await appendFile(path, 'end\n')
    await capture.fold()
    expect(tail.text()).toBe(`${lines(148, 150).slice(4)}end\n`)
    expect(tail.total).toBe(1_504)
  })

  it('starts over when someone else truncated the file', async () => {
    const path = join(dir, 'out.log')
    await writeFile(path, 'abcdef')
    const tail = new OutputTail(100)
    const capture = new OutputCapture(path, tail)
    await capture.fold()
    await writeFile(path, 'xy')
    await capture.fold()
    expect(tail.text()).toBe('abcdefxy')
  })

  it('renames the file after the process group, next to where it was', async () => {
    const path = join(dir, 'run-1-x.log')
    await writeFile(path, 'hi')
    const capture = new OutputCapture(path, new OutputTail(10))
    await capture.named(777, 1_764_446_400_000)
    expect(capture.path).toBe(join(dir, '777-1764446400000.log'))
    expect(await readFile(capture.path, 'utf8')).toBe('hi')
  })
})
