import { readFile } from 'node:fs/promises'
import {
  type AuthHeaders,
  type AuthProvider,
  AuthTokenSchema,
  akSk,
  iamPasswordToken,
  type Scheduler,
  staticToken,
} from '@sms-command/core'
import * as v from 'valibot'
import type { AuthConfig } from './config/load-config.ts'
import { errorFields, type Logger } from './logger.ts'

/** Options of {@link createAuth}. */
export interface CreateAuthOptions {
  logger: Logger
  fetch?: typeof fetch
  scheduler?: Scheduler
  readTextFile?: (path: string) => Promise<string>
}

/**
 * Builds core's auth provider for the configured method, logging each credential refresh (SMS
 * answered 401). A token file is read again on refresh, so an external rotator can replace it.
 *
 * @example
 * const auth = createAuth(config.auth, { logger })
 * const client = createSmsClient({ endpoint, auth })
 */
export function createAuth(config: AuthConfig, options: CreateAuthOptions): AuthProvider {
  switch (config.kind) {
    case 'token':
      return config.tokenFile
        ? tokenFileAuth(config.tokenFile, config.token, options)
        : staticToken(config.token)
    case 'ak-sk':
      return akSk({
        ak: config.ak,
        sk: config.sk,
        ...(config.domainId !== undefined ? { domainId: config.domainId } : {}),
        ...(config.securityToken !== undefined ? { securityToken: config.securityToken } : {}),
      })
    case 'iam-password':
      return withRefreshLog(
        iamPasswordToken({
          iamEndpoint: config.iamEndpoint,
          user: config.user,
          password: config.password,
          domain: config.domain,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.scheduler ? { scheduler: options.scheduler } : {}),
        }),
        options.logger,
      )
  }
}

function withRefreshLog(provider: AuthProvider, logger: Logger): AuthProvider {
  const refresh = provider.refresh?.bind(provider)
  if (!refresh) return provider
  return {
    kind: provider.kind,
    authorize: (request, signal) => provider.authorize(request, signal),
    async refresh(rejected, signal) {
      logger.info('auth.refresh', {
        auth: provider.kind,
        msg: 'SMS answered 401: obtaining a new token once, then retrying',
      })
      try {
        await refresh(rejected, signal)
      } catch (error) {
        logger.warn('auth.refresh-failed', { auth: provider.kind, error: errorFields(error) })
        throw error
      }
    },
  }
}

function tokenFileAuth(path: string, initial: string, options: CreateAuthOptions): AuthProvider {
  const read = options.readTextFile ?? ((file: string) => readFile(file, 'utf8'))
  let headers: AuthHeaders = Object.freeze({ 'X-Auth-Token': initial })
  return {
    kind: 'token-file',
    authorize: async () => headers,
    async refresh(rejected) {
      // Another request already picked up a newer token.
      if (rejected['X-Auth-Token'] !== headers['X-Auth-Token']) return
      let token: string
      try {
        token = (await read(path)).trim()
      } catch (error) {
        options.logger.warn('auth.refresh-failed', {
          auth: 'token-file',
          msg: `cannot read the token file ${path} again`,
          error: errorFields(error),
        })
        return
      }
      if (!v.is(AuthTokenSchema, token) || token === headers['X-Auth-Token']) {
        options.logger.warn('auth.refresh', {
          auth: 'token-file',
          msg: `SMS answered 401 and the token file ${path} holds no new token`,
        })
        return
      }
      options.logger.addSecret(token)
      headers = Object.freeze({ 'X-Auth-Token': token })
      options.logger.info('auth.refresh', {
        auth: 'token-file',
        msg: `SMS answered 401: using the new token from ${path}`,
      })
    },
  }
}
