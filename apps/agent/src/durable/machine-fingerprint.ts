import * as v from 'valibot'

/**
 * The machine a journal belongs to. A VM cloned after the agent ran carries its state directory;
 * this tells the clone's journal from its own.
 */
export interface MachineFingerprint {
  /**
   * The firmware's machine UUID (`/sys/class/dmi/id/product_uuid`, readable by root only on most
   * systems). Hypervisors give a cloned VM a new one, so it tells a clone even when the image's
   * machine id and hostname were copied.
   */
  productUuid?: string | undefined
  /** `/etc/machine-id` (or `/var/lib/dbus/machine-id`); copied along with an unprepared image. */
  machineId?: string | undefined
  /** Weak: containers get a new one when recreated, clones often keep the image's. */
  hostname?: string | undefined
}

/** How a journal's machine compares with this one. */
export type MachineVerdict =
  /** Nothing comparable differs. */
  | { kind: 'same' }
  /** A fact that proves another machine differs: refuse unless adopted. */
  | { kind: 'foreign'; differs: (keyof MachineFingerprint)[] }
  /**
   * Only the hostname differs and nothing stronger is known on both sides: a container recreated
   * with a new hostname as likely as a clone. Taken over with a warning, never refused.
   */
  | { kind: 'unproven'; differs: (keyof MachineFingerprint)[] }

export const MACHINE_FACTS = ['productUuid', 'machineId', 'hostname'] as const

/**
 * Compares the journal's machine with this one on the facts both sides have. The firmware UUID
 * decides when both have it (equal: the same machine, renamed or reinstalled); otherwise a
 * different machine id, or an equal machine id with another hostname (a clone of an unprepared
 * image, renamed), is foreign. A hostname alone proves nothing either way.
 */
export function compareMachines(
  recorded: MachineFingerprint | undefined,
  current: MachineFingerprint | undefined,
): MachineVerdict {
  if (!recorded || !current) return { kind: 'same' }
  const both = (key: keyof MachineFingerprint) =>
    recorded[key] !== undefined && current[key] !== undefined
  const differs = MACHINE_FACTS.filter((key) => both(key) && recorded[key] !== current[key])
  if (both('productUuid')) {
    return differs.includes('productUuid') ? { kind: 'foreign', differs } : { kind: 'same' }
  }
  if (both('machineId')) return differs.length > 0 ? { kind: 'foreign', differs } : { kind: 'same' }
  return differs.length > 0 ? { kind: 'unproven', differs } : { kind: 'same' }
}

export function knownFacts(
  machine: MachineFingerprint | undefined,
): MachineFingerprint | undefined {
  if (!machine) return undefined
  const facts: MachineFingerprint = {
    ...(machine.productUuid ? { productUuid: machine.productUuid } : {}),
    ...(machine.machineId ? { machineId: machine.machineId } : {}),
    ...(machine.hostname ? { hostname: machine.hostname } : {}),
  }
  return Object.keys(facts).length > 0 ? facts : undefined
}

/** The shape of a journal's `machine` field. */
export const MachineSchema = v.object({
  productUuid: v.exactOptional(v.string()),
  machineId: v.exactOptional(v.string()),
  hostname: v.exactOptional(v.string()),
})

/**
 * The facts of a machine as a person reads them.
 *
 * @example
 * describeMachine({ hostname: 'web-1' }) // 'host "web-1"'
 */
export function describeMachine(machine: MachineFingerprint | undefined): string {
  if (!machine) return 'unknown machine'
  return [
    machine.hostname !== undefined ? `host ${JSON.stringify(machine.hostname)}` : undefined,
    machine.machineId !== undefined ? `machine id ${machine.machineId}` : undefined,
    machine.productUuid !== undefined ? `firmware uuid ${machine.productUuid}` : undefined,
  ]
    .filter(Boolean)
    .join(', ')
}
