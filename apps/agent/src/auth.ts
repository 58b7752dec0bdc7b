import { readFile } from 'node:fs/promises'
import {
  type AuthConfig,
  type AuthProvider,
  createAuthProvider,
  type IamRejectionStore,
  type Scheduler,
} from '@sms-command/core'
import { iamRejectionFile } from './durable/iam-rejection-file.ts'
import { errorFields, type Logger } from './logger.ts'

/** IAM's lockout window core assumes by default (iamPasswordToken's `lockoutMs`). */
const IAM_LOCKOUT_MS = 15 * 60_000

/**
 * The state directory's record of the last rejected IAM login, logging what it finds at start
 * and any file it can't read or write (`state.error`; the in-memory guard still holds).
 *
 * @example
 * createAuth(config.auth, { logger, iamRejections: keptIamRejection(config.stateDir, logger) })
 */
export function keptIamRejection(
  stateDir: string,
  logger: Logger,
  options: { readOnly?: boolean; now?: () => number } = {},
): IamRejectionStore {
  const now = options.now ?? Date.now
  const file = iamRejectionFile(stateDir, {
    onError: (action, path, error) =>
      logger.warn('state.error', {
        kind: 'io',
        path,
        msg: `cannot ${action} ${path} (the record of a rejected IAM password): ${(error as Error)?.message ?? String(error)}; a restart may send a rejected password once more`,
      }),
    onLoaded: (record, path) => {
      if (typeof record.at !== 'number' || now() - record.at >= IAM_LOCKOUT_MS) return
      logger.warn('auth.rejection-kept', {
        path,
        rejected_at: new Date(record.at).toISOString(),
        msg: `IAM refused the password at ${new Date(record.at).toISOString()} (kept in ${path}): no login with that same password is sent before ${new Date(record.at + IAM_LOCKOUT_MS).toISOString()}; fix the password (file) to try at once`,
      })
    },
  })
  // --dry-run writes nothing to the state directory: it honours a kept rejection, keeps its own
  // in memory only.
  return options.readOnly ? { load: () => file.load(), save: () => {} } : file
}

/** Options of {@link createAuth}. */
export interface CreateAuthOptions {
  logger: Logger
  fetch?: typeof fetch
  scheduler?: Scheduler
  readTextFile?: (path: string) => Promise<string>
  /** Keeps a rejected IAM password's fingerprint across restarts (the state directory's file). */
  iamRejections?: IamRejectionStore
}

/**
 * Builds core's auth provider for the configured method (`createAuthProvider`, shared with
 * sms-watch), logging each credential refresh (SMS answered 401). A token file is read again on
 * refresh, so an external rotator can replace it; the new token joins the logger's secrets.
 *
 * @example
 * const auth = createAuth(config.auth, { logger })
 * const client = createSmsClient({ endpoint, auth })
 */
export function createAuth(config: AuthConfig, options: CreateAuthOptions): AuthProvider {
  const { logger } = options
  const read = options.readTextFile ?? ((file: string) => readFile(file, 'utf8'))
  return createAuthProvider(config, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(options.iamRejections ? { iamRejections: options.iamRejections } : {}),
    async readTextFile(path) {
      const text = await read(path)
      // Redact before core can use it: whatever happens next, it never reaches a log line.
      if (text.trim() !== '') logger.addSecret(text.trim())
      return text
    },
    onRefresh(event) {
      const fields = { auth: event.auth, msg: event.message }
      if (event.outcome === 'failed') {
        logger.warn('auth.refresh-failed', { ...fields, error: errorFields(event.error) })
      } else if (event.outcome === 'started' || event.outcome === 'replaced') {
        logger.info('auth.refresh', fields)
      } else {
        logger.warn('auth.refresh', fields)
      }
    },
  })
}
