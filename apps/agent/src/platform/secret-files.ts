import type { Logger } from '../logger.ts'
import { isWindows, type SecretFileAccess, windowsSecretFileAccess } from './windows.ts'

/** The secrets files a configuration reads (token, IAM password, SK), if any. */
export function secretFilesOf(auth: object): string[] {
  const record = auth as Record<string, unknown>
  return ['tokenFile', 'passwordFile', 'skFile'].flatMap((key) =>
    typeof record[key] === 'string' ? [record[key] as string] : [],
  )
}

/**
 * Says at start who may read each secrets file, the way the platform tells: on Windows through
 * `icacls` (a warning when others can read it, a plain "can't tell" when icacls can't answer),
 * never from the mode bits Windows reports as 0666. Elsewhere nothing is checked here.
 *
 * @example
 * await reportSecretFileAccess(config.auth, logger)
 */
export async function reportSecretFileAccess(
  auth: object,
  logger: Pick<Logger, 'warn' | 'info' | 'debug'>,
  options: {
    windows?: boolean
    check?: (path: string) => Promise<SecretFileAccess>
  } = {},
): Promise<void> {
  if (!(options.windows ?? isWindows())) return
  const check = options.check ?? ((path: string) => windowsSecretFileAccess(path))
  for (const path of secretFilesOf(auth)) {
    const access = await check(path).catch(
      (error: unknown): SecretFileAccess => ({
        verdict: 'unknown',
        why: error instanceof Error ? error.message : String(error),
      }),
    )
    if (access.verdict === 'exposed') {
      logger.warn('secrets.file-access', {
        path,
        verdict: 'exposed',
        readable_by: access.who.join(', ').slice(0, 1_000),
        msg: `${path} holds a secret and can be read by ${access.who.join(', ')}: restrict it (icacls "${path}" /inheritance:r /grant:r "%USERNAME%:R" /grant:r SYSTEM:R)`,
      })
    } else if (access.verdict === 'unknown') {
      logger.info('secrets.file-access', {
        path,
        verdict: 'unknown',
        msg: `cannot tell who may read ${path}: ${access.why}`,
      })
    } else {
      logger.debug('secrets.file-access', { path, verdict: 'private' })
    }
  }
}
