import { describe, expect, it } from 'vitest'
import { judgeHandlerEnding } from './handler-ending.ts'

describe('judgeHandlerEnding', () => {
  const table: [string, string | undefined, boolean, 'fail' | 'rerun', number, string][] = [
    ['a signal while running normally is recorded as is', 'signal', false, 'fail', 1, 'record'],
    ['an exit code while stopping is recorded as is', 'exit-code', true, 'fail', 1, 'record'],
    ['the agent’s own termination is recorded as is', 'interrupted', true, 'rerun', 1, 'record'],
    [
      'a foreign signal while stopping, --interrupted fail',
      'signal',
      true,
      'fail',
      1,
      'record-interrupted',
    ],
    [
      'a foreign signal while stopping, --interrupted rerun',
      'signal',
      true,
      'rerun',
      1,
      'rerun-next-start',
    ],
    ['a foreign signal on the rerun itself', 'signal', true, 'rerun', 2, 'record-interrupted'],
  ]
  it.each(table)('%s', (_name, reason, stopping, interrupted, runs, expected) => {
    expect(judgeHandlerEnding({ reason }, { stopping, interrupted, runs }).action).toBe(expected)
  })
})
