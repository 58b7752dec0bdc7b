/**
 * What proves who a process or a machine is, read from Linux's `/proc` and `/etc`. Every reader
 * answers `undefined` where the fact can't be read (another OS, Deno without the read grant), and
 * callers then fall back to weaker evidence rather than fail.
 */
export interface HostIdentity {
  /** Changes at every boot (`/proc/sys/kernel/random/boot_id`). */
  bootId(): Promise<string | undefined>
  /**
   * When process `pid` started, in clock ticks since boot (`/proc/<pid>/stat` field 22): with
   * the boot id, this tells a process from a later one that got the same pid.
   */
  processStart(pid: number): Promise<string | undefined>
  /** The argv of process `pid` (`/proc/<pid>/cmdline`). */
  commandLine(pid: number): Promise<string[] | undefined>
  /**
   * `/etc/machine-id`, else `/var/lib/dbus/machine-id` (the same on every clone of an image that
   * carries it). Empty or `uninitialized` counts as absent.
   */
  machineId(): Promise<string | undefined>
  /**
   * The firmware's machine UUID (`/sys/class/dmi/id/product_uuid`): hypervisors give a clone a
   * new one. Readable by root only on most systems; placeholder values count as absent.
   */
  productUuid(): Promise<string | undefined>
  hostname(): string | undefined
}
