/**
 * A handler's stdout and stderr go to one file, never to a pipe. A pipe lives only as long as
 * the agent reads it: a process the handler leaves running with the descriptors it inherited
 * (`nohup svc &` without a redirect) would die of SIGPIPE (EPIPE on Windows) on its first write
 * after the agent exits or restarts. A file outlives the agent; both descriptors share one open
 * file description opened `O_APPEND`, so stdout and stderr interleave in the order written, and
 * the agent may truncate the file at any time without the writers leaving a hole.
 */
import { closeSync, openSync } from 'node:fs'
import { chmod, open, rename, statfs, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { makeDirectory } from '../durable/make-directory.ts'
import { statfsGranted } from '../platform/deno-preflight.ts'
import type { OutputTail } from './output-tail.ts'

/** Past this size the agent folds a file's end into memory and truncates it to 0. */
export const OUTPUT_FILE_CAP_BYTES = 1_048_576

/**
 * Below this much free space the handler's output goes to pipes instead: on a full disk a write
 * to the file would fail in the handler (ENOSPC), and a `set -e` handler would then fail although
 * its work succeeded; a pipe never refuses a write while the agent reads it.
 */
export const OUTPUT_MIN_FREE_BYTES = 64 * 1_048_576

/** Why {@link createOutputFile} made no file: the handler's output then goes to pipes. */
export class OutputFileUnavailableError extends Error {
  override readonly name = 'OutputFileUnavailableError'
}

/**
 * True when `error` is an {@link OutputFileUnavailableError}.
 *
 * @example
 * if (isOutputFileUnavailableError(error)) usePipes()
 */
export function isOutputFileUnavailableError(error: unknown): error is OutputFileUnavailableError {
  return error instanceof Error && error.name === 'OutputFileUnavailableError'
}

/**
 * Free bytes on `dir`'s filesystem for this user, or undefined when the runtime can't say
 * (Deno without `--allow-sys=statfs`: asked without a prompt).
 *
 * @example
 * await freeBytes('/var/lib/sms-agent') // 71091896320
 */
export async function freeBytes(dir: string): Promise<number | undefined> {
  if (!statfsGranted()) return undefined
  try {
    const info = await statfs(dir)
    return Number(info.bavail) * Number(info.bsize)
  } catch {
    return undefined
  }
}

/** A handler run's output file. */
export interface OutputFile {
  /** Where it is; renamed by {@link OutputCapture.named} once the handler's pid is known. */
  path: string
  /** The write end the handler gets as fd 1 and 2; the agent closes its copy after the spawn. */
  fd: number
}

/**
 * Creates `dir` (0700) and a fresh output file in it (0600, like the journal: only the agent's
 * user reads what a handler printed), opened for appending. Rejects (the caller then uses pipes)
 * when it can't, or when less than {@link OUTPUT_MIN_FREE_BYTES} are free.
 *
 * @example
 * const file = await createOutputFile('/var/lib/sms-agent/output', Date.now())
 * spawn(path, args, { stdio: ['ignore', file.fd, file.fd] })
 */
export async function createOutputFile(
  dir: string,
  startedAt: number,
  minFreeBytes: number = OUTPUT_MIN_FREE_BYTES,
): Promise<OutputFile> {
  await makeDirectory(dir, 0o700)
  const free = await freeBytes(dir)
  if (free !== undefined && free < minFreeBytes) {
    throw new OutputFileUnavailableError(
      `only ${free} bytes free on the filesystem of ${dir}: the handler's output goes to pipes`,
    )
  }
  const path = join(dir, `run-${startedAt}-${Math.random().toString(36).slice(2, 10)}.log`)
  // 'a' is O_WRONLY|O_CREAT|O_APPEND on every runtime (Deno refuses numeric flags with O_TRUNC).
  const fd = openSync(path, 'a', 0o600)
  try {
    // The mode argument only applies under the umask; make sure a lax umask widens nothing.
    await chmod(path, 0o600)
  } catch (error) {
    closeSync(fd)
    await unlink(path).catch(() => {})
    throw error
  }
  return { path, fd }
}

/** The pgid an output file's name carries (`<pgid>-<started>.log`), when it carries one. */
export function outputFilePgid(name: string): number | undefined {
  const match = /^(\d+)-\d+\.log$/.exec(name)
  return match ? Number(match[1]) : undefined
}

/**
 * Reads a handler's output file into an {@link OutputTail}: only the last `tail.limit` bytes of
 * what is new are read, the rest is counted. Past {@link OUTPUT_FILE_CAP_BYTES} the file is
 * truncated to 0 (safe: the writers append), so a chatty handler never fills the disk.
 *
 * @example
 * const capture = new OutputCapture(file.path, tail)
 * await capture.fold() // while the handler runs, every second
 * await capture.fold() // once it exited: tail.text() is the report's output
 */
export class OutputCapture {
  /** Bytes of the file as it is now that are already in the tail. */
  private offset = 0

  constructor(
    public path: string,
    private readonly tail: OutputTail,
    private readonly capBytes: number = OUTPUT_FILE_CAP_BYTES,
  ) {}

  /** The file's size at the last fold: what the handler (and others) wrote since the last truncation. */
  get size(): number {
    return this.offset
  }

  /** Renames the file after the handler's process group, so a later start can check on it. */
  async named(pgid: number, startedAt: number): Promise<void> {
    const target = join(this.path, '..', `${pgid}-${startedAt}.log`)
    try {
      await rename(this.path, target)
      this.path = target
    } catch {
      // Kept under its first name: only its growth then tells whether someone still writes.
    }
  }

  /** Moves what was written since the last fold into the tail; truncates past the cap. */
  async fold(): Promise<void> {
    const handle = await open(this.path, 'r+')
    try {
      let size = await this.readNew(handle)
      if (size <= this.capBytes) return
      // Read again right before truncating: what is written in between is the only loss.
      size = await this.readNew(handle)
      await handle.truncate(0)
      this.offset = 0
    } finally {
      await handle.close()
    }
  }

  private async readNew(handle: Awaited<ReturnType<typeof open>>): Promise<number> {
    const { size } = await handle.stat()
    if (size < this.offset) this.offset = 0 // truncated by someone else: start over
    const from = Math.max(this.offset, size - this.tail.limit)
    this.tail.skip(from - this.offset)
    let position = from
    while (position < size) {
      const buffer = new Uint8Array(Math.min(size - position, 65_536))
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position)
      if (bytesRead === 0) break
      this.tail.push(buffer.subarray(0, bytesRead))
      position += bytesRead
    }
    this.offset = position
    return position
  }
}
