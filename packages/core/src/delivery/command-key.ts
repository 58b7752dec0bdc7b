import type { SmsCommand } from '../schemas/command.ts'

/**
 * The identity of a command. SMS gives a command no message id (docs/api.md §2): `command_name`
 * and `task_id` together decide whether a delivery is one already seen. Every package that asks
 * "is this the same command?" (the delivery journal, the watch's views, the mock) asks here.
 *
 * @example
 * commandKey({ command_name: 'START', command_param: { task_id: 't1' } }) // '["START","t1"]'
 * commandKey({ command_name: 'STOP', command_param: {} }) // '["STOP",""]'
 */
export function commandKey(
  command: Pick<SmsCommand, 'command_name'> & {
    command_param?:
      | { task_id?: string | null | undefined; [field: string]: unknown }
      | null
      | undefined
  },
): string {
  return JSON.stringify([command.command_name, command.command_param?.task_id ?? ''])
}

/**
 * True when two commands are the same delivery by {@link commandKey}.
 *
 * @example
 * sameCommand(polled, journaled) // true: same name, same task id
 */
export function sameCommand(
  a: Parameters<typeof commandKey>[0],
  b: Parameters<typeof commandKey>[0],
): boolean {
  return commandKey(a) === commandKey(b)
}
