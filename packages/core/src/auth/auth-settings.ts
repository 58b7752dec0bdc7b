import type { AuthSettings } from './resolve-auth-config.ts'
import { DEFAULT_IAM_ENDPOINT } from './resolve-auth-config.ts'

/** How a tool exposes one credential setting: flag, environment variable, help. */
export interface AuthSettingSpec {
  key: keyof AuthSettings
  /** Long flag; absent for secrets, which argv would show to every user of the machine. */
  flag?: string
  env: string
  /** How the text is read. */
  value: 'text' | 'path' | 'url'
  /** A secret: environment (or a file) only, never printed. */
  secret: boolean
  /** Placeholder in `--help`. */
  meta?: string
  default?: string
  help: string
}

/**
 * The credential settings every tool of this project accepts, in `--help` order, so `sms-agent`,
 * `sms-watch` and your own tools name them the same way. Feed the collected values to
 * {@link resolveAuthConfig}.
 *
 * @example
 * for (const setting of AUTH_SETTINGS) console.log(setting.flag ?? `(${setting.env})`, setting.help)
 */
export const AUTH_SETTINGS: readonly AuthSettingSpec[] = [
  {
    key: 'token',
    env: 'SMS_TOKEN',
    value: 'text',
    secret: true,
    help: 'IAM token (a secret: never a flag)',
  },
  {
    key: 'tokenFile',
    flag: '--token-file',
    env: 'SMS_TOKEN_FILE',
    value: 'path',
    secret: false,
    meta: 'PATH',
    help: 'file holding an IAM token; read again when SMS answers 401',
  },
  {
    key: 'ak',
    flag: '--ak',
    env: 'SMS_AK',
    value: 'text',
    secret: false,
    meta: 'AK',
    help: 'access key id for AK/SK signing',
  },
  {
    key: 'sk',
    env: 'SMS_SK',
    value: 'text',
    secret: true,
    help: 'secret access key (a secret: never a flag)',
  },
  {
    key: 'skFile',
    flag: '--sk-file',
    env: 'SMS_SK_FILE',
    value: 'path',
    secret: false,
    meta: 'PATH',
    help: 'file holding the secret access key',
  },
  {
    key: 'domainId',
    flag: '--domain-id',
    env: 'SMS_DOMAIN_ID',
    value: 'text',
    secret: false,
    meta: 'ID',
    help: 'account (domain) id sent as X-Domain-Id with AK/SK',
  },
  {
    key: 'securityToken',
    env: 'SMS_SECURITY_TOKEN',
    value: 'text',
    secret: true,
    help: 'session token of temporary AK/SK credentials (a secret: never a flag)',
  },
  {
    key: 'iamUser',
    flag: '--iam-user',
    env: 'SMS_IAM_USER',
    value: 'text',
    secret: false,
    meta: 'NAME',
    help: 'IAM user name (password authentication)',
  },
  {
    key: 'iamPassword',
    env: 'SMS_IAM_PASSWORD',
    value: 'text',
    secret: true,
    help: 'IAM password (a secret: never a flag)',
  },
  {
    key: 'iamPasswordFile',
    flag: '--iam-password-file',
    env: 'SMS_IAM_PASSWORD_FILE',
    value: 'path',
    secret: false,
    meta: 'PATH',
    help: 'file holding the IAM password',
  },
  {
    key: 'iamDomain',
    flag: '--iam-domain',
    env: 'SMS_IAM_DOMAIN',
    value: 'text',
    secret: false,
    meta: 'NAME',
    help: 'account (domain) name of the IAM user',
  },
  {
    key: 'iamEndpoint',
    flag: '--iam-endpoint',
    env: 'SMS_IAM_ENDPOINT',
    value: 'url',
    secret: false,
    meta: 'URL',
    default: DEFAULT_IAM_ENDPOINT,
    help: 'IAM base URL',
  },
]

/**
 * Flags a user might try that would put a secret in argv, each with the safer way to pass it.
 * Tools refuse them with that advice.
 *
 * @example
 * if (AUTH_SECRET_FLAGS[flag]) fail(`${flag} is refused: use ${AUTH_SECRET_FLAGS[flag]}`)
 */
export const AUTH_SECRET_FLAGS: Readonly<Record<string, string>> = {
  '--token': 'SMS_TOKEN or --token-file',
  '--sk': 'SMS_SK or --sk-file',
  '--iam-password': 'SMS_IAM_PASSWORD or --iam-password-file',
  '--password': 'SMS_IAM_PASSWORD or --iam-password-file',
  '--security-token': 'SMS_SECURITY_TOKEN',
}
