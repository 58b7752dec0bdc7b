import type { AuthConfig } from '@sms-command/core'
import { AuthTokenSchema, isSmsInputError } from '@sms-command/core'
import * as v from 'valibot'
import type { OptionRow, OptionTable, ParsedSettings } from '../command-line.ts'
import { ConfigError } from '../config-error.ts'
import { httpUrl, path, secretText, text } from '../schemas.ts'
import {
  type AuthSettings,
  DEFAULT_IAM_ENDPOINT,
  type ResolveAuthConfigOptions,
  resolveAuthConfig,
} from './resolve-auth-config.ts'

/**
 * The credential settings every tool of this project accepts, as option rows in `--help` order,
 * so `sms-agent`, `sms-watch` and your own tools name them the same way. Secrets have no flag
 * (argv is visible to every user of the machine): a variable or a file only. Spread them into a
 * table with {@link inGroup}; feed the values to {@link resolveAuthOptions}.
 *
 * AK/SK are also read from the variables of Huawei Cloud's own SDKs (`HUAWEICLOUD_SDK_AK`,
 * `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`, `HUAWEICLOUD_SDK_DOMAIN_ID`, as their
 * `EnvCredentialProvider` reads them), only while none of the project's own credential settings
 * is given: `SMS_TOKEN` beside a shell's SDK keys is a token, not a conflict. The SDKs'
 * `HUAWEICLOUD_SDK_PROJECT_ID` is not read (SMS is a global service: AK/SK sign with the account's
 * domain id), nor their federated `HUAWEICLOUD_SDK_IDP_ID`/`_ID_TOKEN_FILE` (not supported).
 *
 * @example
 * const OPTIONS = { endpoint: { … }, ...inGroup('Authentication', AUTH_SETTINGS) }
 */
export const AUTH_SETTINGS = {
  token: {
    env: 'SMS_TOKEN',
    schema: v.optional(AuthTokenSchema),
    secret: true,
    help: 'IAM token (a secret: never a flag)',
  },
  tokenFile: {
    flag: '--token-file',
    env: 'SMS_TOKEN_FILE',
    schema: v.optional(path()),
    help: 'file holding an IAM token; read again when SMS answers 401',
  },
  ak: {
    flag: '--ak',
    env: 'SMS_AK',
    envFallbacks: ['HUAWEICLOUD_SDK_AK'],
    schema: v.optional(text({ meta: 'AK' })),
    help: 'access key id for AK/SK signing',
  },
  sk: {
    env: 'SMS_SK',
    envFallbacks: ['HUAWEICLOUD_SDK_SK'],
    schema: v.optional(secretText()),
    secret: true,
    help: 'secret access key (a secret: never a flag)',
  },
  skFile: {
    flag: '--sk-file',
    env: 'SMS_SK_FILE',
    schema: v.optional(path()),
    help: 'file holding the secret access key',
  },
  domainId: {
    flag: '--domain-id',
    env: 'SMS_DOMAIN_ID',
    envFallbacks: ['HUAWEICLOUD_SDK_DOMAIN_ID'],
    schema: v.optional(text({ meta: 'ID' })),
    help: 'account (domain) id sent as X-Domain-Id with AK/SK',
  },
  securityToken: {
    env: 'SMS_SECURITY_TOKEN',
    envFallbacks: ['HUAWEICLOUD_SDK_SECURITY_TOKEN'],
    schema: v.optional(secretText()),
    secret: true,
    help: 'session token of temporary AK/SK credentials (a secret: never a flag)',
  },
  iamUser: {
    flag: '--iam-user',
    env: 'SMS_IAM_USER',
    schema: v.optional(text({ meta: 'NAME' })),
    help: 'IAM user name (password authentication)',
  },
  iamPassword: {
    env: 'SMS_IAM_PASSWORD',
    schema: v.optional(secretText()),
    secret: true,
    help: 'IAM password (a secret: never a flag)',
  },
  iamPasswordFile: {
    flag: '--iam-password-file',
    env: 'SMS_IAM_PASSWORD_FILE',
    schema: v.optional(path()),
    help: 'file holding the IAM password',
  },
  iamDomain: {
    flag: '--iam-domain',
    env: 'SMS_IAM_DOMAIN',
    schema: v.optional(text({ meta: 'NAME' })),
    help: 'account (domain) name of the IAM user',
  },
  iamEndpoint: {
    flag: '--iam-endpoint',
    env: 'SMS_IAM_ENDPOINT',
    schema: httpUrl(),
    default: DEFAULT_IAM_ENDPOINT,
    help: 'IAM base URL',
  },
} as const satisfies Record<keyof AuthSettings, OptionRow>

/**
 * Flags a user might try that would put a secret in argv, each with the safer way to pass it.
 * Give them to a command line as `refusedFlags`.
 *
 * @example
 * parseCommandLine({ program, options, refusedFlags: AUTH_SECRET_FLAGS }, inputs)
 */
export const AUTH_SECRET_FLAGS: Readonly<Record<string, string>> = {
  '--token': 'SMS_TOKEN or --token-file',
  '--sk': 'SMS_SK or --sk-file',
  '--iam-password': 'SMS_IAM_PASSWORD or --iam-password-file',
  '--password': 'SMS_IAM_PASSWORD or --iam-password-file',
  '--security-token': 'SMS_SECURITY_TOKEN',
}

/**
 * The same rows, each listed under `group` in `--help`.
 *
 * @example
 * inGroup('Polling', { interval: { flag: '--interval', schema: duration(), help: 'pause' } })
 */
export function inGroup<const T extends OptionTable>(
  group: string,
  table: T,
): { [K in keyof T]: T[K] & { readonly group: string } } {
  return Object.fromEntries(
    Object.entries(table).map(([key, row]) => [key, { ...row, group }]),
  ) as { [K in keyof T]: T[K] & { readonly group: string } }
}

/** The settings that choose a method (not the IAM endpoint, nor the domain id AK/SK may add). */
const CREDENTIAL_KEYS = [
  'token',
  'tokenFile',
  'ak',
  'sk',
  'skFile',
  'securityToken',
  'iamUser',
  'iamPassword',
  'iamPasswordFile',
  'iamDomain',
] as const satisfies readonly (keyof AuthSettings)[]

/**
 * Resolves the credential rows of parsed settings into one {@link AuthConfig} (reading secret
 * files), naming settings as the command line does; a mistake is a {@link ConfigError}.
 *
 * @throws {ConfigError}
 * @example
 * const auth = await resolveAuthOptions(parsed, { readTextFile: (p) => readFile(p, 'utf8') })
 */
export async function resolveAuthOptions(
  parsed: Pick<ParsedSettings<typeof AUTH_SETTINGS>, 'values' | 'label' | 'sources'>,
  options: Omit<ResolveAuthConfigOptions, 'label'>,
): Promise<AuthConfig> {
  const keys = Object.keys(AUTH_SETTINGS) as (keyof AuthSettings)[]
  const fromSdk = (key: keyof AuthSettings) => {
    const source = parsed.sources[key]
    const row: OptionRow = AUTH_SETTINGS[key]
    return source?.kind === 'env' && (row.envFallbacks ?? []).includes(source.name)
  }
  // The project's own settings win as a whole: an SDK variable never joins (or conflicts with)
  // a method the user chose with them.
  const ownGiven = CREDENTIAL_KEYS.some((key) => {
    const source = parsed.sources[key]
    return source !== undefined && source.kind !== 'default' && !fromSdk(key)
  })
  const settings: AuthSettings = {}
  for (const key of keys) {
    settings[key] = ownGiven && fromSdk(key) ? undefined : parsed.values[key]
  }
  try {
    return await resolveAuthConfig(settings, { ...options, label: parsed.label })
  } catch (error) {
    if (isSmsInputError(error)) throw new ConfigError(error.field, error.message, { cause: error })
    throw error
  }
}
