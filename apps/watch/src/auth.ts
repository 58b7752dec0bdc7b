import { readFile } from 'node:fs/promises'
import { type AuthConfig, type AuthProvider, createAuthProvider } from '@sms-command/core'

/**
 * The core auth provider for a configured method, built exactly as `sms-agent` builds it (core's
 * `createAuthProvider`): a token from a file is read again when SMS answers 401; an IAM login goes
 * through `fetch` (the watch's runtime fetch: the proxy, and a 16,384-character token on Node).
 *
 * @example
 * createSmsClient({ endpoint, auth: authProvider(config.api.auth, fetch), fetch })
 */
export function authProvider(auth: AuthConfig, fetch?: typeof globalThis.fetch): AuthProvider {
  return createAuthProvider(auth, {
    readTextFile: (path) => readFile(path, 'utf8'),
    ...(fetch ? { fetch } : {}),
  })
}
