import { readFile } from 'node:fs/promises'
import {
  type AuthConfig,
  type AuthProvider,
  createAuthProvider,
  type Scheduler,
} from '@sms-command/core'
import { errorFields, type Logger } from './logger.ts'

/** Options of {@link createAuth}. */
export interface CreateAuthOptions {
  logger: Logger
  fetch?: typeof fetch
  scheduler?: Scheduler
  readTextFile?: (path: string) => Promise<string>
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
