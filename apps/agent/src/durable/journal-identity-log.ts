import type { Logger } from '../logger.ts'
import type { JournalOptions } from './file-journal.ts'
import type { MachineFingerprint } from './machine-fingerprint.ts'

/**
 * What the agent logs when {@link FileJournalStore.open} can't prove the journal's machine is
 * this one, or takes over another machine's journal (`--adopt-state`): the journal's callbacks,
 * worded for an operator who may be looking at a cloned VM.
 *
 * @example
 * await FileJournalStore.open({ dir, serverId, machine, ...journalIdentityLog(logger, machine) })
 */
export function journalIdentityLog(
  logger: Logger,
  machine: MachineFingerprint,
): Pick<JournalOptions, 'onUnproven' | 'onAdopt'> {
  return {
    onUnproven: (why, previous) =>
      why === 'changed'
        ? logger.warn('state.machine-unproven', {
            msg: `the journal was written under another hostname (${previous?.hostname ?? 'unknown'}; this is ${machine.hostname ?? 'unknown'}) and no machine id or firmware uuid is known on both sides to tell a clone from a recreated container: taking it over. If this is a clone of another agent's machine, stop it and give it a fresh --state-dir`,
          })
        : logger.info('state.machine-unproven', {
            msg: 'no machine id (/etc/machine-id, /var/lib/dbus/machine-id) or firmware uuid (/sys/class/dmi/id/product_uuid) is readable: a clone of this machine that keeps its hostname would not be noticed',
          }),
    onAdopt: (previous) =>
      logger.warn('state.adopted', {
        msg: `took over a journal written on another machine (${[previous.hostname, previous.machineId].filter(Boolean).join(', ')}) as --adopt-state asked`,
      }),
  }
}
