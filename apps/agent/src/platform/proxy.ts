/**
 * The proxy variables as the agent reads them: moved to `@sms-command/cli-kit/proxy-fetch`, shared
 * with `sms-watch`, so both CLIs log and fetch alike.
 *
 * @module
 */
export type { ProxyEnvironment } from '@sms-command/cli-kit/proxy-fetch'
export { proxyFor, readProxyEnvironment, redactProxyUrl } from '@sms-command/cli-kit/proxy-fetch'
