import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import process from 'node:process'

let sequence = 0

/**
 * Replaces `path` with `data` so that a crash at any instant leaves either the old content or the
 * new one, never a mix: write a temporary file beside it, fsync it, rename it over `path`, then
 * fsync the directory so the rename itself survives a power cut.
 *
 * @example
 * await writeFileAtomic('/var/lib/sms-agent/journal.json', JSON.stringify(state))
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const directory = dirname(path)
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${++sequence}.tmp`)
  let renamed = false
  try {
    const handle = await open(temporary, 'w', 0o600)
    try {
      await handle.writeFile(data, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
    renamed = true
    await syncDirectory(directory)
  } finally {
    if (!renamed) await unlink(temporary).catch(() => {})
  }
}

/**
 * Flushes a directory's entries (a rename or a new file) to disk.
 *
 * @example
 * await syncDirectory('/var/lib/sms-agent')
 */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(directory, 'r')
    await handle.sync()
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL/EISDIR/EPERM); the rename is still
    // atomic there, only its durability is up to the file system.
    const code = (error as { code?: unknown }).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error
  } finally {
    await handle?.close()
  }
}
