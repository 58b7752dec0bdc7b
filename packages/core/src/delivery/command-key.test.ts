import { describe, expect, it } from 'vitest'
import { commandKey, sameCommand } from './command-key.ts'

describe('commandKey', () => {
  it('identifies a command by name and task id only', () => {
    expect(
      commandKey({ command_name: 'START', command_param: { task_id: 't1', bucket: 'b' } }),
    ).toBe(commandKey({ command_name: 'START', command_param: { task_id: 't1' } }))
    expect(commandKey({ command_name: 'START', command_param: { task_id: 't1' } })).not.toBe(
      commandKey({ command_name: 'STOP', command_param: { task_id: 't1' } }),
    )
  })

  it('treats a missing and an empty task id alike, and never confuses names that contain separators', () => {
    expect(commandKey({ command_name: 'SYNC', command_param: {} })).toBe(
      commandKey({ command_name: 'SYNC', command_param: { task_id: '' } }),
    )
    expect(
      sameCommand(
        { command_name: 'A","B', command_param: {} },
        { command_name: 'A', command_param: { task_id: 'B' } },
      ),
    ).toBe(false)
  })
})
