import { type AuthConfig, AuthTokenSchema, describeValue, SmsInputError } from '@sms-command/core'
import * as v from 'valibot'
import { stripBom } from '../read-text-file.ts'

/** Credential settings as a tool collects them from flags, environment and files. */
export interface AuthSettings {
  token?: string | undefined
  tokenFile?: string | undefined
  ak?: string | undefined
  sk?: string | undefined
  skFile?: string | undefined
  securityToken?: string | undefined
  domainId?: string | undefined
  iamUser?: string | undefined
  iamPassword?: string | undefined
  iamPasswordFile?: string | undefined
  iamDomain?: string | undefined
  iamEndpoint?: string | undefined
}

/** Options of {@link resolveAuthConfig}. */
export interface ResolveAuthConfigOptions {
  /** Reads a secret file (token, SK, password). */
  readTextFile: (path: string) => Promise<string>
  /** How the tool names a setting in messages, e.g. `tokenFile` → `--token-file`. */
  label?: (key: keyof AuthSettings) => string
  /** What needs the credentials, for the "No credentials" message: `for --endpoint`. */
  purpose?: string
}

/** The IAM endpoint used when none is set. */
export const DEFAULT_IAM_ENDPOINT = 'https://iam.myhuaweicloud.com'

const METHODS = [
  { name: 'token', keys: ['token', 'tokenFile'] },
  { name: 'AK/SK', keys: ['ak', 'sk', 'skFile', 'securityToken'] },
  { name: 'IAM password', keys: ['iamUser', 'iamPassword', 'iamPasswordFile', 'iamDomain'] },
] as const satisfies readonly { name: string; keys: readonly (keyof AuthSettings)[] }[]

/**
 * Turns a tool's credential settings into exactly one {@link AuthConfig}: a token (given or read
 * from a file), AK/SK (SK given or from a file) or an IAM password (given or from a file).
 * Missing, conflicting or unreadable settings throw an {@link SmsInputError} whose `field` is the
 * setting's label and whose message says what to do; no message holds a secret.
 *
 * @example
 * const auth = await resolveAuthConfig(
 *   { tokenFile: '/etc/sms/token' },
 *   { readTextFile: (path) => readFile(path, 'utf8'), label: (key) => flagOf(key) },
 * )
 */
export async function resolveAuthConfig(
  settings: AuthSettings,
  options: ResolveAuthConfigOptions,
): Promise<AuthConfig> {
  const label = options.label ?? ((key: keyof AuthSettings) => key)
  const fail = (field: string, message: string, cause?: unknown): never => {
    throw new SmsInputError(field, '', '', { message, ...(cause === undefined ? {} : { cause }) })
  }
  const has = (key: keyof AuthSettings) => settings[key] !== undefined
  const chosen = METHODS.map((method) => ({ ...method, set: method.keys.filter(has) })).filter(
    (method) => method.set.length > 0,
  )
  const [method, ...others] = chosen
  if (!method) {
    return fail(
      'credentials',
      `No credentials${options.purpose ? ` ${options.purpose}` : ''}: set ${label('token')} or ${label('tokenFile')}; or ${label('ak')} with ${label('sk')} or ${label('skFile')}; or ${label('iamUser')}, ${label('iamDomain')} and ${label('iamPassword')} or ${label('iamPasswordFile')}`,
    )
  }
  if (others.length > 0) {
    const described = chosen.map((entry) => `${entry.name} (${entry.set.map(label).join(', ')})`)
    return fail(
      'credentials',
      `Conflicting credentials: ${described.join(' and ')}; use exactly one method`,
    )
  }
  const eitherOf = async (given: keyof AuthSettings, file: keyof AuthSettings, what: string) => {
    const value = settings[given]
    const path = settings[file]
    if (value !== undefined && path !== undefined) {
      return fail(
        label(file),
        `Conflicting ${label(given)} and ${label(file)}: give the ${what} one way only`,
      )
    }
    if (path !== undefined) return readSecretFile(path, label(file))
    if (value === undefined || value.trim() === '') {
      return fail(
        label(given),
        `Missing ${label(given)} or ${label(file)}: the ${what} is required`,
      )
    }
    return value
  }
  const readSecretFile = async (path: string, field: string): Promise<string> => {
    let text: string
    try {
      text = stripBom(await options.readTextFile(path))
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      return fail(field, `Cannot read ${field} ${path}: ${reason}`, cause)
    }
    const value = text.trim()
    if (value === '') return fail(field, `Invalid ${field}: ${path} is empty`)
    return value
  }

  if (method.name === 'token') {
    const token = await eitherOf('token', 'tokenFile', 'token')
    if (!v.is(AuthTokenSchema, token)) {
      const field = label(has('tokenFile') ? 'tokenFile' : 'token')
      return fail(
        field,
        `Invalid ${field}: expected a token of 1–16,384 characters, received ${describeValue(token)}`,
      )
    }
    return settings.tokenFile === undefined
      ? { kind: 'token', token }
      : { kind: 'token', token, tokenFile: settings.tokenFile }
  }
  if (method.name === 'AK/SK') {
    const { ak, domainId, securityToken } = settings
    if (ak === undefined || ak.trim() === '') {
      return fail(label('ak'), `Missing ${label('ak')}: AK/SK signing needs the access key id`)
    }
    const sk = await eitherOf('sk', 'skFile', 'secret key')
    return {
      kind: 'ak-sk',
      ak,
      sk,
      ...(domainId === undefined ? {} : { domainId }),
      ...(securityToken === undefined ? {} : { securityToken }),
    }
  }
  for (const key of ['iamUser', 'iamDomain'] as const) {
    if (settings[key] === undefined || settings[key].trim() === '') {
      return fail(label(key), `Missing ${label(key)}: IAM password authentication needs it`)
    }
  }
  return {
    kind: 'iam-password',
    iamEndpoint: settings.iamEndpoint ?? DEFAULT_IAM_ENDPOINT,
    user: settings.iamUser ?? '',
    password: await eitherOf('iamPassword', 'iamPasswordFile', 'IAM password'),
    domain: settings.iamDomain ?? '',
    // Kept so the password is read again before each new login (a fixed file is used at once).
    ...(settings.iamPasswordFile === undefined ? {} : { passwordFile: settings.iamPasswordFile }),
  }
}

/**
 * The secret values of an {@link AuthConfig}, for a logger to redact.
 *
 * @example
 * for (const secret of authSecrets(config)) logger.addSecret(secret)
 */
export function authSecrets(config: AuthConfig): string[] {
  switch (config.kind) {
    case 'token':
      return [config.token]
    case 'ak-sk':
      return config.securityToken === undefined ? [config.sk] : [config.sk, config.securityToken]
    case 'iam-password':
      return [config.password]
  }
}
