import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { IamRejectionRecord, IamRejectionStore } from '@sms-command/core'
import { writeFileAtomic } from './atomic-file.ts'

/** Name of the file, inside the state directory, that keeps the last rejected IAM login. */
export const IAM_REJECTION_FILE = 'iam-rejection.json'

/** Options of {@link iamRejectionFile}. */
export interface IamRejectionFileOptions {
  /** Told when the file can't be read or written (the in-memory guard still holds). */
  onError?: (action: 'read' | 'write', path: string, error: unknown) => void
  /** Told when a kept rejection was loaded (at start). */
  onLoaded?: (record: IamRejectionRecord, path: string) => void
}

/**
 * Keeps core's last rejected IAM login in the state directory (mode 0600, written atomically),
 * so a restarted agent (a crash loop, `--once` from cron, a redeploy) sends no second login with
 * the password IAM refused until the lockout window has passed or the password changes. The
 * file holds when, a random salt and a SHA-256 fingerprint: never the password.
 *
 * @example
 * createAuth(config.auth, { logger, iamRejections: iamRejectionFile('/var/lib/sms-agent') })
 */
export function iamRejectionFile(
  dir: string,
  options: IamRejectionFileOptions = {},
): IamRejectionStore {
  const path = join(dir, IAM_REJECTION_FILE)
  return {
    async load() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ENOENT') options.onError?.('read', path, error)
        return undefined
      }
      try {
        const record = JSON.parse(text) as IamRejectionRecord
        options.onLoaded?.(record, path)
        return record
      } catch (error) {
        options.onError?.('read', path, error)
        return undefined
      }
    },
    async save(record) {
      try {
        if (record === undefined) await rm(path, { force: true })
        else await writeFileAtomic(path, `${JSON.stringify(record)}\n`)
      } catch (error) {
        options.onError?.('write', path, error)
      }
    },
  }
}
