import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writesToJournal } from './journal-stream.ts'

describe('writesToJournal', () => {
  it('is true when JOURNAL_STREAM names the output (device and inode, as fstat reads them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-stream-'))
    const fd = openSync(join(dir, 'out'), 'w')
    try {
      const { dev, ino } = fstatSync(fd, { bigint: true })
      const output = () => fstatSync(fd, { bigint: true })
      expect(writesToJournal(`${dev}:${ino}`, output)).toBe(true)
      // Inherited from a unit but written elsewhere (`| tee`, a redirect): not the journal.
      expect(writesToJournal(`${dev}:${ino + 1n}`, output)).toBe(false)
    } finally {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('is false without the variable, or with one that is not DEVICE:INODE', () => {
    const output = () => ({ dev: 8, ino: 42 })
    expect(writesToJournal(undefined, output)).toBe(false)
    expect(writesToJournal('', output)).toBe(false)
    expect(writesToJournal('journal', output)).toBe(false)
    expect(writesToJournal('8:42', output)).toBe(true)
  })

  it("trusts the variable when the output can't be inspected (no permission, no fstat)", () => {
    const denied = () => {
      throw new Error('PermissionDenied: requires read access')
    }
    expect(writesToJournal('8:42', denied)).toBe(true)
    expect(writesToJournal('8:42', undefined)).toBe(true)
  })
})
