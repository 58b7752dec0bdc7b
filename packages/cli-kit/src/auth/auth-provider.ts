import {
  type AuthConfig,
  type AuthProvider,
  type CreateAuthProviderOptions,
  createAuthProvider,
} from '@sms-command/core'
import { readTextFile as defaultReadTextFile, stripBom } from '../read-text-file.ts'

/** Options of {@link cliAuthProvider}: core's, with the file reading a CLI does by default. */
export interface CliAuthProviderOptions extends CreateAuthProviderOptions {
  /** Reads a token or password file (default: `node:fs/promises`, UTF-8). */
  readTextFile?: (path: string) => Promise<string>
  /**
   * Told each secret read from a file (a rotated token, a password) before core uses it, so a
   * logger can redact it first: whatever happens next, it never reaches a log line.
   */
  onSecretRead?: (secret: string) => void
}

/**
 * The auth provider of resolved credentials, as every CLI of this project builds it (core's
 * `createAuthProvider`, reading secret files from disk): a token file is read again when SMS
 * answers 401, so an external rotator can replace it; a password file before each IAM login.
 * Feed it the {@link AuthConfig} that `resolveAuthOptions` returns.
 *
 * @example
 * const auth = cliAuthProvider(await resolveAuthOptions(parsed, { readTextFile }), { fetch })
 * const client = createSmsClient({ endpoint, auth, fetch })
 */
export function cliAuthProvider(
  config: AuthConfig,
  options: CliAuthProviderOptions = {},
): AuthProvider {
  const { onSecretRead, readTextFile, ...core } = options
  const read = readTextFile ?? defaultReadTextFile
  return createAuthProvider(config, {
    ...core,
    async readTextFile(path) {
      // A BOM (Notepad) would be sent to IAM as part of the password: never.
      const text = stripBom(await read(path))
      if (onSecretRead && text.trim() !== '') onSecretRead(text.trim())
      return text
    },
  })
}
