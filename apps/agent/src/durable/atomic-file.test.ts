import { mkdtemp, open, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isAtomicReplaceError, renameWithRetry, writeFileAtomic } from './atomic-file.ts'

function refused(code: string): Error {
  return Object.assign(new Error(`${code}: operation not permitted, rename`), { code })
}

describe('the atomic replace', () => {
  it('retries a rename refused with EPERM/EBUSY/EACCES and succeeds once the holder lets go', async () => {
    const waits: number[] = []
    let calls = 0
    await renameWithRetry('a.tmp', 'a', {
      rename: async () => {
        calls++
        if (calls <= 3) throw refused(['EPERM', 'EBUSY', 'EACCES'][calls - 1] as string)
      },
      sleep: async (ms) => {
        waits.push(ms)
      },
    })
    expect(calls).toBe(4)
    expect(waits).toEqual([25, 50, 100])
  })

  it('gives up after the bounded attempts with a loud error naming the file and the cause', async () => {
    let calls = 0
    let error: unknown
    try {
      await renameWithRetry('j.tmp', 'C:\\ProgramData\\sms-agent\\journal.json', {
        rename: async () => {
          calls++
          throw refused('EPERM')
        },
        sleep: async () => {},
      })
    } catch (caught) {
      error = caught
    }
    expect(calls).toBe(10)
    expect(isAtomicReplaceError(error)).toBe(true)
    expect((error as Error).message).toMatch(/journal\.json.*refused 10 times.*EPERM.*antivirus/)
    expect((error as Error).message).toContain('keeps its previous content')
  })

  it('does not retry other errors', async () => {
    let calls = 0
    await expect(
      renameWithRetry('x.tmp', 'x', {
        rename: async () => {
          calls++
          throw refused('ENOENT')
        },
        sleep: async () => {},
      }),
    ).rejects.toMatchObject({ code: 'ENOENT' })
    expect(calls).toBe(1)
  })

  it('leaves the old content and no temporary file when the replace fails for good', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-atomic-'))
    const path = join(dir, 'journal.json')
    await writeFile(path, 'old\n')
    await expect(
      writeFileAtomic(path, 'new\n', {
        attempts: 2,
        rename: async () => {
          throw refused('EBUSY')
        },
        sleep: async () => {},
      }),
    ).rejects.toSatisfy(isAtomicReplaceError)
    expect(await readFile(path, 'utf8')).toBe('old\n')
    expect(await readdir(dir)).toEqual(['journal.json'])
  })

  it('replaces a file another handle holds open (retried on Windows, where that is refused)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-atomic-'))
    const path = join(dir, 'journal.json')
    await writeFile(path, 'old\n')
    const holder = await open(path, 'r')
    // The "antivirus" lets go after 300 ms: the write waits for it rather than failing.
    setTimeout(() => void holder.close(), 300)
    await writeFileAtomic(path, 'new\n')
    expect(await readFile(path, 'utf8')).toBe('new\n')
    expect(await readdir(dir)).toEqual(['journal.json'])
  })
})
