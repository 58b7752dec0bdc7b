import { cliAuthProvider } from '@sms-command/cli-kit'
import type { AuthConfig, AuthProvider, IamRejectionStore, Scheduler } from '@sms-command/core'
import { errorFields } from '@sms-command/core/events'
import { iamRejectionFile } from './durable/iam-rejection-file.ts'
import type { Logger } from './logger.ts'

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
 * The agent's auth provider: cli-kit's `cliAuthProvider` (the one every CLI builds, over core's
 * `createAuthProvider`), with each secret read from a file added to the logger's secrets before
 * core can use it, and each credential refresh (SMS answered 401) logged.
 *
 * @example
 * const auth = createAuth(config.auth, { logger })
 * const client = createSmsClient({ endpoint, auth })
 */
export function createAuth(config: AuthConfig, options: CreateAuthOptions): AuthProvider {
  const { logger } = options
  return cliAuthProvider(config, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(options.iamRejections ? { iamRejections: options.iamRejections } : {}),
    ...(options.readTextFile ? { readTextFile: options.readTextFile } : {}),
    onSecretRead: (secret) => logger.addSecret(secret),
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
