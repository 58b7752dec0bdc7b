import { describe, expect, it } from 'vitest'
import { StateError } from './state-error.ts'
import { transientStorageAdvice, transientStorageCode } from './storage-failure.ts'

const fsError = (code: string) => Object.assign(new Error(`${code}: failed, write`), { code })

describe('transientStorageCode', () => {
  it('finds ENOSPC, EDQUOT, EROFS and EIO through the StateError that wraps them', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']) {
      const wrapped = new StateError('io', '/var/lib/sms-agent/agent.lock', 'Cannot create lock', {
        cause: fsError(code),
      })
      expect(transientStorageCode(wrapped)).toBe(code)
      expect(transientStorageCode(fsError(code))).toBe(code)
    }
  })

  it('leaves permanent state problems alone: permissions, a foreign or corrupt journal, a live lock', () => {
    const eacces = new StateError('io', '/s', 'Cannot create', { cause: fsError('EACCES') })
    expect(transientStorageCode(eacces)).toBeUndefined()
    expect(transientStorageCode(new StateError('foreign', '/s/journal.json', 'clone'))).toBe(
      undefined,
    )
    expect(transientStorageCode(new StateError('corrupt', '/s/journal.json', 'bad JSON'))).toBe(
      undefined,
    )
    expect(transientStorageCode(new StateError('locked', '/s/agent.lock', 'pid 7'))).toBe(undefined)
    expect(transientStorageCode('ENOSPC')).toBeUndefined()
  })
})

describe('transientStorageAdvice', () => {
  it('says what happened and that the unit starts the agent again', () => {
    const advice = transientStorageAdvice('ENOSPC', '/var/lib/sms-agent')
    expect(advice).toContain('/var/lib/sms-agent')
    expect(advice).toContain('the filesystem is full')
    expect(advice).toContain('Exit 75')
  })
})
