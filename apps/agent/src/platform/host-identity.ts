import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import type { HostIdentity } from './host-identity-types.ts'
import { isWindows, windowsHostIdentity } from './windows.ts'

export type { HostIdentity } from './host-identity-types.ts'

interface DenoPermissionQuery {
  permissions?: { querySync?(descriptor: Record<string, string>): { state: string } }
}

/** On Deno, whether `descriptor` is granted; asking would prompt on a terminal, so never ask. */
function denoGranted(descriptor: Record<string, string>): boolean {
  const deno = (globalThis as { Deno?: DenoPermissionQuery }).Deno
  if (!deno) return true
  try {
    return deno.permissions?.querySync?.(descriptor).state === 'granted'
  } catch {
    return false
  }
}

async function readText(path: string): Promise<string | undefined> {
  if (!denoGranted({ name: 'read', path })) return undefined
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Field 22 (`starttime`) of a `/proc/<pid>/stat` line. The command name (field 2) may hold spaces
 * and parentheses, so fields are counted after its last `)`.
 *
 * @example
 * processStartFromStat('42 (a) b) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0') // '777'
 */
export function processStartFromStat(stat: string): string | undefined {
  const end = stat.lastIndexOf(')')
  if (end === -1) return undefined
  // After ")": field 3 (state) is the first; starttime is field 22, the 20th after it.
  const fields = stat
    .slice(end + 1)
    .trim()
    .split(/\s+/)
  const start = fields[19]
  return start && /^\d+$/.test(start) ? start : undefined
}

/**
 * A machine id as read from its file, or undefined when it is no id: empty (an image prepared for
 * cloning), `uninitialized` (systemd's first boot) or not 32 hex digits.
 *
 * @example
 * usableMachineId('\n') // undefined
 */
export function usableMachineId(text: string | undefined): string | undefined {
  const id = text?.trim().toLowerCase()
  return id && /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id) ? id : undefined
}

/**
 * A firmware UUID, or undefined for what firmware puts there when it has none: empty, all one
 * digit (`00000000-…`, `FFFFFFFF-…`) or the well-known placeholder `03000200-0400-0500-0006-000700080009`.
 *
 * @example
 * usableProductUuid('4C4C4544-0042-3510-8051-B2C04F4A3732\n') // '4c4c4544-0042-3510-8051-b2c04f4a3732'
 */
export function usableProductUuid(text: string | undefined): string | undefined {
  const uuid = text?.trim().toLowerCase()
  if (!uuid || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) {
    return undefined
  }
  const digits = uuid.replaceAll('-', '')
  if (/^(.)\1*$/.test(digits) || uuid === '03000200-0400-0500-0006-000700080009') return undefined
  return uuid
}

/**
 * The host identity of the machine this runs on.
 *
 * @example
 * const bootId = await linuxHostIdentity().bootId() // 'c0ffee…' or undefined
 */
export function linuxHostIdentity(): HostIdentity {
  return {
    async bootId() {
      return (await readText('/proc/sys/kernel/random/boot_id'))?.trim() || undefined
    },
    async processStart(pid) {
      const stat = await readText(`/proc/${pid}/stat`)
      return stat === undefined ? undefined : processStartFromStat(stat)
    },
    async commandLine(pid) {
      const text = await readText(`/proc/${pid}/cmdline`)
      return text === undefined ? undefined : text.split('\0').filter((arg) => arg !== '')
    },
    async machineId() {
      for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
        const id = usableMachineId(await readText(path))
        if (id) return id
      }
      return undefined
    },
    async productUuid() {
      return usableProductUuid(await readText('/sys/class/dmi/id/product_uuid'))
    },
    hostname() {
      if (!denoGranted({ name: 'sys', kind: 'hostname' })) return undefined
      try {
        return hostname()
      } catch {
        return undefined
      }
    },
  }
}

/**
 * The host identity of this machine: {@link windowsHostIdentity} on Windows, else
 * {@link linuxHostIdentity}.
 *
 * @example
 * const machineId = await currentHostIdentity().machineId()
 */
export function currentHostIdentity(): HostIdentity {
  return isWindows() ? windowsHostIdentity() : linuxHostIdentity()
}

/**
 * True when an argv could be an sms-agent: the compiled binary, or a runtime running its CLI.
 *
 * @example
 * looksLikeAgent(['/usr/bin/node', '/opt/agent/dist/cli.js']) // true
 * looksLikeAgent(['/sbin/init']) // false
 */
export function looksLikeAgent(argv: readonly string[]): boolean {
  // Windows paths and image names too: C:\agent\sms-agent.exe, node.exe.
  const base = (path: string) =>
    path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).replace(/\.exe$/i, '')
  const first = base(argv[0] ?? '')
  if (first.startsWith('sms-agent')) return true
  if (!/^(node|nodejs|bun|deno)(\d|$)/.test(first)) return false
  return argv.slice(1).some((arg) => /sms-agent|cli\.[cm]?[jt]s$/.test(arg))
}
