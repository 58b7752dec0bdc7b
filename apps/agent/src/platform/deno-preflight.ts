/**
 * Deno permissions the agent needs before it can even read its settings, checked without ever
 * asking: `Deno.permissions.querySync` never prompts, while touching an ungranted resource
 * prompts on a terminal (and hangs a service started from one) or fails quietly without one,
 * which turned "SMS_TOKEN is set but --allow-env is missing" into "No credentials: set SMS_TOKEN".
 * So every setting variable is checked up front, and files are queried before they are read.
 */
import type { Grant } from './grant.ts'

interface DenoPermissionsApi {
  querySync(descriptor: Record<string, string>): { state: string }
}

const FIELD = { net: 'host', read: 'path', write: 'path', run: 'command', env: 'variable' } as const

function denoPermissions(): DenoPermissionsApi | undefined {
  return (globalThis as { Deno?: { permissions?: DenoPermissionsApi } }).Deno?.permissions
}

/**
 * Whether `grant` is granted, asking no one. Always `true` off Deno; `false` when Deno can't say.
 *
 * @example
 * isGranted({ name: 'env', value: 'SMS_TOKEN' }) // false under `deno run --allow-net=…`
 */
export function isGranted(grant: Grant): boolean {
  const permissions = denoPermissions()
  if (!permissions) return true
  try {
    return (
      permissions.querySync({ name: grant.name, [FIELD[grant.name]]: grant.value }).state ===
      'granted'
    )
  } catch {
    return false
  }
}

/**
 * Whether the whole environment may be read (`--allow-env` without a list), asking no one.
 *
 * @example
 * if (!wholeEnvironmentGranted()) readOnly(['PATH', 'HOME'])
 */
export function wholeEnvironmentGranted(): boolean {
  const permissions = denoPermissions()
  if (!permissions) return true
  try {
    return permissions.querySync({ name: 'env' }).state === 'granted'
  } catch {
    return false
  }
}

/**
 * Proxy variables: unreadable, they would silently send requests around the egress proxy.
 */
const PROXY_VARIABLES = [
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
] as const

/**
 * The environment grants the agent needs to read its settings: every variable of its settings
 * table and the proxy variables. Checked before any is read.
 *
 * @example
 * settingsEnvGrants(['SMS_TOKEN', 'SMS_ENDPOINT']) // [{ name: 'env', value: 'SMS_TOKEN' }, …, HTTPS_PROXY, …]
 */
export function settingsEnvGrants(settingVariables: readonly string[]): Grant[] {
  return [...new Set([...settingVariables, ...PROXY_VARIABLES])].map((value) => ({
    name: 'env' as const,
    value,
  }))
}

/**
 * The message for a Deno run that can't read its settings: which variables are out of reach
 * and the flag that grants them all. Values are never shown.
 *
 * @example
 * envPermissionAdvice([{ name: 'env', value: 'SMS_TOKEN' }], 'src/cli.ts')
 * // 'Deno may not read SMS_TOKEN … add --allow-env=SMS_*,…'
 */
export function envPermissionAdvice(
  missing: readonly Grant[],
  allowEnv: string,
  entry: string,
): string {
  const names = missing.map((grant) => grant.value)
  const shown =
    names.length > 6
      ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more`
      : names.join(', ')
  return `Deno may not read ${shown}: the agent takes its settings (credentials among them) from these variables, and would otherwise act as if they were unset. Add ${allowEnv} (nothing is asked at a prompt): deno run --allow-net=… ${allowEnv} … ${entry} …`
}

/**
 * The error thrown instead of reading a file Deno may not read (which would prompt).
 */
export class DenoPermissionError extends Error {
  override readonly name = 'DenoPermissionError' as const
  readonly grant: Grant

  constructor(grant: Grant, purpose: string) {
    super(
      `Deno may not ${grant.name} ${grant.value} (${purpose}): add --allow-${grant.name}=${grant.value} to the deno run command line`,
    )
    this.grant = grant
  }
}

/**
 * True for a {@link DenoPermissionError}.
 *
 * @example
 * if (isDenoPermissionError(error)) console.error(error.message)
 */
export function isDenoPermissionError(error: unknown): error is DenoPermissionError {
  return error instanceof Error && error.name === 'DenoPermissionError'
}

/**
 * Wraps a file reader so that, on Deno, a file without read permission throws a
 * {@link DenoPermissionError} naming the flag, instead of prompting.
 *
 * @example
 * const read = guardedReader(readTextFile)
 * await read('/etc/sms-agent/config.json') // DenoPermissionError: … add --allow-read=/etc/sms-agent/config.json …
 */
export function guardedReader(
  read: (path: string) => Promise<string>,
): (path: string) => Promise<string> {
  return async (path) => {
    const grant: Grant = { name: 'read', value: path }
    if (!isGranted(grant)) throw new DenoPermissionError(grant, 'a file the settings name')
    return read(path)
  }
}

/**
 * Whether free disk space may be asked (`--allow-sys=statfs`, or `--allow-sys`), asking no one.
 * Always `true` off Deno.
 *
 * @example
 * const free = statfsGranted() ? (await statfs(dir)).bavail : undefined
 */
export function statfsGranted(): boolean {
  const permissions = denoPermissions()
  if (!permissions) return true
  try {
    return permissions.querySync({ name: 'sys', kind: 'statfs' }).state === 'granted'
  } catch {
    return false
  }
}
