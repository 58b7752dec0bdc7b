import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { journalIdentityLog } from './journal-identity-log.ts'

function logged() {
  const lines: string[] = []
  const logger = createLogger({ format: 'json', level: 'debug', write: (line) => lines.push(line) })
  return { logger, events: () => lines.map((line) => JSON.parse(line)) }
}

describe('journalIdentityLog', () => {
  it('warns about a journal written under another hostname with nothing stronger to compare, naming both', () => {
    const { logger, events } = logged()
    journalIdentityLog(logger, { hostname: 'web-2' }).onUnproven?.('changed', { hostname: 'web-1' })
    expect(events()).toMatchObject([{ level: 'warn', event: 'state.machine-unproven' }])
    expect(events()[0].msg).toContain('another hostname (web-1; this is web-2)')
    expect(events()[0].msg).toContain('give it a fresh --state-dir')
  })

  it('only informs when no machine id or firmware uuid is readable at all', () => {
    const { logger, events } = logged()
    journalIdentityLog(logger, { hostname: 'web-1' }).onUnproven?.('weak', undefined)
    expect(events()).toMatchObject([{ level: 'info', event: 'state.machine-unproven' }])
  })

  it('warns when --adopt-state took over another machine journal, naming that machine', () => {
    const { logger, events } = logged()
    journalIdentityLog(logger, { hostname: 'new' }).onAdopt?.({ hostname: 'old', machineId: 'm-1' })
    expect(events()).toMatchObject([{ level: 'warn', event: 'state.adopted' }])
    expect(events()[0].msg).toContain('another machine (old, m-1)')
  })
})
