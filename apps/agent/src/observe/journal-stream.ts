/**
 * Whether the agent's output goes to the systemd journal. systemd sets `JOURNAL_STREAM` to
 * `DEVICE:INODE` of the stream it connected stdout/stderr to (systemd.exec(5)); a process that
 * inherits the variable but writes elsewhere (piped into `tee`, redirected to a file) must not
 * write journal conventions, so the device and inode of the output are compared when they can be
 * read.
 */

/** The device and inode of an open file, as `fstat` gives them. */
export interface FileIdentity {
  dev: number | bigint
  ino: number | bigint
}

/**
 * True when `journalStream` (the value of `JOURNAL_STREAM`) names the stream `output` describes.
 * With no way to read the output's identity (`output` undefined, or it throws: Deno without
 * read permission, say), the variable's presence decides, as sd-daemon(3) programs commonly do.
 *
 * @example
 * import { fstatSync } from 'node:fs'
 * writesToJournal(process.env.JOURNAL_STREAM, () => fstatSync(1, { bigint: true })) // false in a terminal
 */
export function writesToJournal(
  journalStream: string | undefined,
  output: (() => FileIdentity) | undefined,
): boolean {
  if (journalStream === undefined || journalStream === '') return false
  const match = /^(\d+):(\d+)$/.exec(journalStream.trim())
  if (!match) return false
  let identity: FileIdentity
  try {
    if (!output) return true
    identity = output()
  } catch {
    return true
  }
  return String(identity.dev) === match[1] && String(identity.ino) === match[2]
}
