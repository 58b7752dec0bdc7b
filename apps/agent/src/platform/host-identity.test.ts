import { describe, expect, it } from 'vitest'
import {
  linuxHostIdentity,
  looksLikeAgent,
  processStartFromStat,
  usableMachineId,
  usableProductUuid,
} from './host-identity.ts'

describe('processStartFromStat', () => {
  it('reads field 22 even when the command name holds spaces and parentheses', () => {
    const stat = '42 (we(i)rd) name) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 1000 5'
    expect(processStartFromStat(stat)).toBe('777')
  })

  it('answers undefined for text that is not a stat line', () => {
    expect(processStartFromStat('garbage')).toBeUndefined()
  })

  it('reads this process start time and the boot id on Linux', async () => {
    const identity = linuxHostIdentity()
    const start = await identity.processStart(process.pid)
    expect(start).toMatch(/^\d+$/)
    expect(await identity.processStart(process.pid)).toBe(start)
    expect(await identity.bootId()).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('looksLikeAgent', () => {
  it.each([
    [['/usr/local/bin/sms-agent', '--config', '/etc/sms-agent.json'], true],
    [['node', '/opt/agent/dist/cli.js'], true],
    [['/usr/bin/deno', 'run', '--allow-net', 'src/cli.ts'], true],
    [['bun', 'src/cli.ts'], true],
    [['/sbin/init'], false],
    [['/process_api', '--firecracker-init'], false],
    [['node', 'server.js'], false],
  ])('%o → %s', (argv, expected) => {
    expect(looksLikeAgent(argv)).toBe(expected)
  })
})

describe('usableMachineId and usableProductUuid', () => {
  it.each([
    ['', undefined],
    ['\n', undefined],
    ['uninitialized\n', undefined],
    ['0'.repeat(32), undefined],
    [`${'A'.repeat(32)}\n`, 'a'.repeat(32)],
  ])('machine id %j → %j', (text, expected) => {
    expect(usableMachineId(text)).toBe(expected)
  })

  it.each([
    ['', undefined],
    ['00000000-0000-0000-0000-000000000000', undefined],
    ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', undefined],
    ['03000200-0400-0500-0006-000700080009', undefined],
    ['Not Settable', undefined],
    ['4C4C4544-0042-3510-8051-B2C04F4A3732\n', '4c4c4544-0042-3510-8051-b2c04f4a3732'],
  ])('firmware uuid %j → %j', (text, expected) => {
    expect(usableProductUuid(text)).toBe(expected)
  })
})
