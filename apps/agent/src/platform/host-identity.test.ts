import { describe, expect, it } from 'vitest'
import { linuxHostIdentity, looksLikeAgent, processStartFromStat } from './host-identity.ts'

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
