import type { Scheduler } from '../time/scheduler.ts'
import { akSk } from './ak-sk.ts'
import type { AuthProvider } from './auth-provider.ts'
import { type IamRejectionStore, type IamScope, iamPasswordToken } from './iam-password-token.ts'
import { refreshableToken } from './refreshable-token.ts'
import { staticToken } from './static-token.ts'

/**
 * Credentials as a tool's configuration holds them (after reading secrets from files or the
 * environment). Holds secrets: never print it.
 */
export type AuthConfig =
  | { kind: 'token'; token: string; tokenFile?: string }
  | { kind: 'ak-sk'; ak: string; sk: string; domainId?: string; securityToken?: string }
  | {
      kind: 'iam-password'
      iamEndpoint: string
      user: string
      /** The password as first read. */
      password: string
      /**
       * Where the password came from: read again (with `readTextFile`) before every IAM login, so
       * a password fixed in the file is used without a restart after IAM rejected the old one.
       */
      passwordFile?: string
      domain: string
      scope?: IamScope
    }

/** Options of {@link createAuthProvider}. */
export interface CreateAuthProviderOptions {
  fetch?: typeof fetch
  scheduler?: Scheduler
  /** Reads a token file again after a 401, and a password file before each IAM login. */
  readTextFile?: (path: string) => Promise<string>
  /** Told about every credential refresh (a 401 from SMS), for logs. Never given a secret. */
  onRefresh?: (event: AuthRefreshEvent) => void
  /** Keeps a rejected IAM password's fingerprint across restarts (see `iamPasswordToken`). */
  iamRejections?: IamRejectionStore
}

/** A credential refresh, as told to {@link CreateAuthProviderOptions.onRefresh}. */
export interface AuthRefreshEvent {
  auth: string
  outcome: 'started' | 'replaced' | 'unchanged' | 'invalid' | 'failed'
  message: string
  error?: unknown
}

/**
 * Builds the auth provider a configuration asks for, so every tool (agent, watch, yours) treats
 * the same settings the same way: a token (re-read from its file after a 401 when it came from
 * one), AK/SK, or an IAM password token.
 *
 * @example
 * const auth = createAuthProvider(
 *   { kind: 'token', token, tokenFile: '/etc/sms/token' },
 *   { readTextFile: (path) => readFile(path, 'utf8'), onRefresh: (event) => log.info(event.message) },
 * )
 */
export function createAuthProvider(
  config: AuthConfig,
  options: CreateAuthProviderOptions = {},
): AuthProvider {
  const { onRefresh } = options
  switch (config.kind) {
    case 'token': {
      const { tokenFile } = config
      const read = options.readTextFile
      if (!tokenFile || !read) return staticToken(config.token)
      return refreshableToken({
        token: config.token,
        reload: () => read(tokenFile),
        onReload: (outcome, error) =>
          onRefresh?.({
            auth: 'token-file',
            outcome,
            message: {
              replaced: `SMS answered 401: using the new token from ${tokenFile}`,
              unchanged: `SMS answered 401 and the token file ${tokenFile} holds no new token`,
              invalid: `SMS answered 401 and the token file ${tokenFile} holds no valid token`,
              failed: `SMS answered 401 and the token file ${tokenFile} could not be read again`,
            }[outcome],
            ...(error === undefined ? {} : { error }),
          }),
      })
    }
    case 'ak-sk':
      return akSk({
        ak: config.ak,
        sk: config.sk,
        ...(config.domainId === undefined ? {} : { domainId: config.domainId }),
        ...(config.securityToken === undefined ? {} : { securityToken: config.securityToken }),
      })
    case 'iam-password': {
      const { passwordFile } = config
      const read = options.readTextFile
      const provider = iamPasswordToken({
        iamEndpoint: config.iamEndpoint,
        user: config.user,
        password:
          passwordFile && read
            ? async () => (await read(passwordFile)).replace(/\r?\n$/, '')
            : config.password,
        domain: config.domain,
        ...(config.scope ? { scope: config.scope } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.scheduler ? { scheduler: options.scheduler } : {}),
        ...(options.iamRejections ? { rejections: options.iamRejections } : {}),
      })
      const refresh = provider.refresh?.bind(provider)
      if (!onRefresh || !refresh) return provider
      return {
        kind: provider.kind,
        authorize: (request, signal) => provider.authorize(request, signal),
        async refresh(rejected, signal) {
          onRefresh({
            auth: provider.kind,
            outcome: 'started',
            message: 'SMS answered 401: obtaining a new IAM token once, then retrying',
          })
          try {
            await refresh(rejected, signal)
            onRefresh({
              auth: provider.kind,
              outcome: 'replaced',
              message: 'obtained a new IAM token',
            })
          } catch (error) {
            onRefresh({
              auth: provider.kind,
              outcome: 'failed',
              message: 'could not obtain a new IAM token',
              error,
            })
            throw error
          }
        },
      }
    }
  }
}
