import { readFile } from 'node:fs/promises'
import { type AuthConfig, type AuthProvider, createAuthProvider } from '@sms-command/core'

/**
 * The core auth provider for a configured method, built exactly as `sms-agent` builds it (core's
 * `createAuthProvider`): a token from a file is read again when SMS answers 401.
 *
 * @example
 * createSmsClient({ endpoint, auth: authProvider(config.api.auth) })
 */
export function authProvider(auth: AuthConfig): AuthProvider {
  return createAuthProvider(auth, { readTextFile: (path) => readFile(path, 'utf8') })
}
