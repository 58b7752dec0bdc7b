import { fileURLToPath } from 'node:url'
import type { AgentConfig } from '../config/load-config.ts'
import type { Grant } from './platform.ts'
import { isWindows, readableEnvironment, windowsRunGrants } from './windows.ts'

/**
 * Variables a handler inherits when the agent may not read its whole environment (Deno with
 * `--allow-env=LIST`): each is passed on if it can be read.
 *
 * @example
 * platform.environment(HANDLER_ENV_FALLBACK) // { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', … }
 */
export const HANDLER_ENV_FALLBACK = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  // The lower-case names win where both are set (curl, undici, cli-kit's readProxyEnvironment).
  'http_proxy',
  'https_proxy',
  'no_proxy',
  // Windows: without SystemRoot many programs (cmd.exe's children, PowerShell) fail to start.
  'SystemRoot',
  'windir',
  'ComSpec',
  'PATHEXT',
  'TEMP',
  'TMP',
  'USERPROFILE',
  'ProgramData',
  'APPDATA',
  'LOCALAPPDATA',
  'USERNAME',
  'USERDOMAIN',
  'COMPUTERNAME',
] as const

/**
 * The `--allow-env` flag the agent asks for: its settings (`SMS_*`), what Deno's
 * `node:child_process` reads, and what handlers inherit.
 *
 * @example
 * DENO_ALLOW_ENV // '--allow-env=SMS_*,NODE_V8_COVERAGE,PATH,HOME,…'
 */
export const DENO_ALLOW_ENV = `--allow-env=SMS_*,${['NODE_V8_COVERAGE', ...HANDLER_ENV_FALLBACK].join(',')}`

/** What {@link requiredGrants} needs of the configuration. */
export type GrantInputs = Pick<
  AgentConfig,
  'endpoint' | 'auth' | 'statusPort' | 'statusHost' | 'stateDir' | 'dryRun' | 'handlers'
>

function hostOf(url: string): string {
  const parsed = new URL(url)
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80')
  return `${parsed.hostname}:${port}`
}

/**
 * The Deno permissions a configuration needs, each as narrow as it can be: the SMS and IAM hosts
 * (or, behind an egress proxy, the proxy's host), the status address, the state directory, the
 * handlers (and `kill`, to stop a handler's process group), the secret files, and
 * `NODE_V8_COVERAGE`, which Deno's `node:child_process` reads.
 *
 * @example
 * requiredGrants(config) // [{ name: 'net', value: 'sms.ap-southeast-1.myhuaweicloud.com:443' }, …]
 */
export function requiredGrants(config: GrantInputs, proxyUrls: readonly string[] = []): Grant[] {
  const grants: Grant[] = []
  grants.push({ name: 'net', value: hostOf(config.endpoint) })
  if (config.auth.kind === 'iam-password') {
    grants.push({ name: 'net', value: hostOf(config.auth.iamEndpoint) })
  }
  for (const proxy of proxyUrls) grants.push({ name: 'net', value: hostOf(proxy) })
  if (config.statusPort !== undefined) {
    grants.push({
      name: 'net',
      value:
        config.statusPort === 0 ? config.statusHost : `${config.statusHost}:${config.statusPort}`,
    })
  }
  if (config.stateDir !== undefined) {
    grants.push({ name: 'read', value: config.stateDir })
    if (!config.dryRun) grants.push({ name: 'write', value: config.stateDir })
  }
  if (config.auth.kind === 'token' && config.auth.tokenFile) {
    grants.push({ name: 'read', value: config.auth.tokenFile })
  }
  // Read again before every IAM login (a fixed password is used without a restart).
  if (config.auth.kind === 'iam-password' && config.auth.passwordFile) {
    grants.push({ name: 'read', value: config.auth.passwordFile })
  }
  const handlers = [...new Set(Object.values(config.handlers))]
  if (!config.dryRun && handlers.length > 0) {
    for (const handler of handlers) {
      grants.push({ name: 'read', value: handler }, { name: 'run', value: handler })
    }
    if (isWindows()) {
      // cmd.exe/PowerShell start the handlers, taskkill ends their trees (platform/windows.ts).
      for (const program of windowsRunGrants(handlers, readableEnvironment())) {
        grants.push({ name: 'run', value: program })
      }
    } else grants.push({ name: 'run', value: 'kill' })
    grants.push({ name: 'env', value: 'NODE_V8_COVERAGE' })
  }
  return grants
}

/**
 * The message for a Deno run that lacks grants: what is missing, and the whole command line that
 * has them all.
 *
 * @example
 * denoPermissionAdvice(requiredGrants(config), missing)
 * // 'Deno lacks permissions … Run it as: deno run --allow-net=sms.example.com:443 … /opt/…/dist/cli.js …'
 */
export function denoPermissionAdvice(
  all: readonly Grant[],
  missing: readonly Grant[],
  entry: string = agentEntryPath(),
): string {
  const list = (name: Grant['name']) =>
    [...new Set(all.filter((grant) => grant.name === name).map((grant) => grant.value))].join(',')
  const flags = [
    `--allow-net=${list('net')}`,
    list('read') && `--allow-read=${list('read')}`,
    list('write') && `--allow-write=${list('write')}`,
    list('run') && `--allow-run=${list('run')}`,
    DENO_ALLOW_ENV,
  ].filter(Boolean)
  const lacking = missing.map((grant) => `--allow-${grant.name}=${grant.value}`).join(' ')
  return `Deno lacks permissions this configuration needs (${lacking}). Run it as: deno run ${flags.join(' ')} ${entry} …`
}

/**
 * The CLI file to give `deno run`, where this copy of the agent is: `…/src/cli.ts` in the
 * workspace, `…/dist/cli.js` when installed (Deno refuses to strip types under `node_modules`,
 * so the published package runs from dist).
 *
 * @example
 * agentEntryPath() // '/srv/app/node_modules/@sms-command/agent/dist/cli.js'
 */
export function agentEntryPath(moduleUrl: string = import.meta.url): string {
  const url = new URL(moduleUrl.endsWith('.ts') ? '../cli.ts' : '../cli.js', moduleUrl)
  if (url.protocol !== 'file:') return moduleUrl.endsWith('.ts') ? 'src/cli.ts' : 'dist/cli.js'
  // fileURLToPath, not the pathname: on Windows that would be /C:/….
  return fileURLToPath(url)
}
