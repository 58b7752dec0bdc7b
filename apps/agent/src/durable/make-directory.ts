import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Creates `dir` and any missing parents, like `mkdir -p`, without Node's `{ recursive: true }`.
 * That one never returns when the kernel answers ENOENT for a directory whose parent exists (any
 * path under /proc or /sys, e.g. a mistyped `--state-dir /proc/agent`): it retries forever at full
 * CPU, so the agent printed nothing, ignored SIGTERM and spun until killed. Here each level is
 * made once; an ENOENT after its parent exists is an error like any other. Existing directories
 * are kept as they are (their mode is not changed).
 *
 * @example
 * await makeDirectory('/var/lib/sms-agent/output', 0o700)
 */
export async function makeDirectory(dir: string, mode: number): Promise<void> {
  const parent = dirname(dir)
  try {
    await mkdir(dir, { mode })
    return
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return ensureIsDirectory(dir, error)
    if (code !== 'ENOENT' || parent === dir) throw error
  }
  await makeDirectory(parent, mode)
  try {
    await mkdir(dir, { mode })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ensureIsDirectory(dir, error)
    throw error
  }
}

async function ensureIsDirectory(dir: string, cause: unknown): Promise<void> {
  if ((await stat(dir)).isDirectory()) return
  const error = new Error(`ENOTDIR: ${dir} exists and is not a directory`, { cause })
  ;(error as NodeJS.ErrnoException).code = 'ENOTDIR'
  throw error
}
