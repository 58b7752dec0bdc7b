import { existsSync } from 'node:fs'
import { mkdtemp, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeDirectory } from './make-directory.ts'

describe('makeDirectory', () => {
  it('creates missing parents with the mode, and leaves an existing directory as it is', async () => {
    const root = await mkdtemp(join(tmpdir(), 'make-dir-'))
    const dir = join(root, 'a', 'b', 'c')
    await makeDirectory(dir, 0o700)
    expect((await stat(dir)).isDirectory()).toBe(true)
    if (process.platform !== 'win32') expect((await stat(dir)).mode & 0o777).toBe(0o700)
    await makeDirectory(dir, 0o755)
    expect((await stat(dir)).isDirectory()).toBe(true)
  })

  it('refuses a path that is a file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'make-dir-'))
    await writeFile(join(root, 'file'), 'x')
    await expect(makeDirectory(join(root, 'file'), 0o700)).rejects.toMatchObject({
      code: 'ENOTDIR',
    })
    await expect(makeDirectory(join(root, 'file', 'below'), 0o700)).rejects.toMatchObject({
      code: 'ENOTDIR',
    })
  })

  // Node's mkdir({ recursive: true }) never settles here (ENOENT although /proc exists).
  it.skipIf(!existsSync('/proc/self'))(
    'fails at once under /proc instead of retrying forever',
    { timeout: 5_000 },
    async () => {
      await expect(makeDirectory('/proc/no-such-agent-dir/sub', 0o700)).rejects.toMatchObject({
        code: 'ENOENT',
      })
    },
  )
})
