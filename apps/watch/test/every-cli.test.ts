// Every CLI of the repo answers the same mistake the same way (cli-kit's one option engine): exit
// code 2 and one line on stderr naming the flag and what was expected. Runs the built entries as a
// user does: sms-agent, sms-watch, sms-mock (Node) and the demo script.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const at = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const CLIS = [
  { program: 'sms-agent', entry: at('../../agent/dist/cli.js'), flag: '--once' },
  { program: 'sms-watch', entry: at('../dist/cli.js'), flag: '--json' },
  { program: 'sms-mock', entry: at('../../mock-server/dist/node.js'), flag: '--auto-register' },
  { program: 'demo', entry: at('../../../scripts/demo.mjs'), flag: '--json' },
] as const

function run(entry: string, args: string[]) {
  const result = spawnSync(process.execPath, [entry, ...args], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { PATH: process.env.PATH ?? '' },
  })
  return { code: result.status, stderr: result.stderr, stdout: result.stdout }
}

describe.each(CLIS)('$program', ({ program, entry, flag }) => {
  it.each([
    [['--bogus'], 'Unknown flag --bogus: see --help'],
    [[flag, flag], `Repeated flag ${flag}: expected it once (it is an on/off switch)`],
    [[`${flag}=perhaps`], `Invalid ${flag}: expected true or false, received "perhaps"`],
    [['stray'], 'Unexpected argument "stray": every option is a --flag (see --help)'],
  ])('answers %j with exit 2 and the shared one-line message', (args, message) => {
    const { code, stderr } = run(entry, args)
    expect(code).toBe(2)
    expect(stderr).toBe(`${program}: ${message}\n`)
  })

  it('answers --help with exit 0, listing the built-in flags', () => {
    const { code, stdout } = run(entry, ['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('--print-config')
    expect(stdout).toContain(flag)
  })
})

describe.each(CLIS.slice(0, 2))('$program refuses a secret as a flag', ({ program, entry }) => {
  it('without echoing it', () => {
    const { code, stderr } = run(entry, ['--token', 'hunter2-secret'])
    expect(code).toBe(2)
    expect(stderr).toBe(
      `${program}: --token is not accepted on the command line, where every user of the machine can read it: use SMS_TOKEN or --token-file\n`,
    )
  })
})
