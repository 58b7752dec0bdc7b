import { readFile } from 'node:fs/promises'
import { type AuthProvider, akSk, iamPasswordToken, staticToken } from '@sms-command/core'
import type { AuthConfig } from './config.ts'

/**
 * A token read from a file, read again when SMS answers 401 (a rotated token is picked up without
 * a restart), as sms-agent does. The token lives only in this closure.
 *
 * @example
 * const auth = tokenFileAuth('/run/secrets/sms-token', initialToken)
 */
export function tokenFileAuth(
  path: string,
  initial: string,
  read: (path: string) => Promise<string> = (file) => readFile(file, 'utf8'),
): AuthProvider {
  let token = initial
  const provider: AuthProvider & { toJSON(): object } = {
    kind: 'token-file',
    async authorize() {
      return { 'X-Auth-Token': token }
    },
    async refresh(rejected) {
      if (rejected['X-Auth-Token'] !== token) return
      const fresh = (await read(path)).trim()
      if (fresh !== '') token = fresh
    },
    toJSON: () => ({ kind: 'token-file', path }),
  }
  return provider
}

/**
 * The core auth provider for a configured method.
 *
 * @example
 * createSmsClient({ endpoint, auth: authProvider(config.api.auth) })
 */
export function authProvider(auth: AuthConfig): AuthProvider {
  switch (auth.kind) {
    case 'token':
      return auth.tokenFile ? tokenFileAuth(auth.tokenFile, auth.token) : staticToken(auth.token)
    case 'ak-sk':
      return akSk({
        ak: auth.ak,
        sk: auth.sk,
        ...(auth.domainId !== undefined ? { domainId: auth.domainId } : {}),
        ...(auth.securityToken !== undefined ? { securityToken: auth.securityToken } : {}),
      })
    case 'iam-password':
      return iamPasswordToken({
        iamEndpoint: auth.iamEndpoint,
        user: auth.user,
        password: auth.password,
        domain: auth.domain,
      })
  }
}
