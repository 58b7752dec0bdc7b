import { describe, expect, it } from 'vitest'
import { chooseHandler, dryRunPlan } from './choose-handler.ts'

describe('chooseHandler', () => {
  it.each([
    ['START', { default: '/opt/h', START: '/opt/start' }, { path: '/opt/start' }],
    ['SYNC', { default: '/opt/h', START: '/opt/start' }, { path: '/opt/h' }],
    ['STOP', { START: '/opt/start' }, { reason: 'no-handler' }],
    ['PREMIGRATE', { default: '/opt/h' }, { reason: 'unknown-command' }],
  ])('%s with %o → %o', (name, handlers, expected) => {
    expect(chooseHandler(name, handlers)).toMatchObject(expected)
  })

  it('names the flag to set when a handler is missing', () => {
    expect(chooseHandler('DELETE', {})).toMatchObject({
      message: 'no handler is configured for DELETE (set --on-delete or --handler)',
    })
  })
})

describe('dryRunPlan', () => {
  it.each([
    [undefined, { path: '/opt/h' }, 'would run /opt/h'],
    [
      { state: 'done' },
      { path: '/opt/h' },
      'journal has it as done: would report its stored result',
    ],
    [{ state: 'received' }, { path: '/opt/h' }, 'journal has it as received: would settle it'],
  ])('%o → %s', (journaled, choice, plan) => {
    expect(dryRunPlan(journaled, choice)).toBe(plan)
  })
})
