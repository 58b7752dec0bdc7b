// Every CLI of the repo answers the same mistake the same way (cli-kit's one option engine and its
// runner): exit code 2 and one line on stderr naming the flag and what was expected; --version
// exits 0. Runs the built entries as a
// user does: sms-agent, sms-watch, sms-mock (Node) and the demo script.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'

// Each test starts a real CLI: give the spawn guard below room inside the test's own timeout.
vi.setConfig({ testTimeout: 90_000 })

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
    // A guard against a hang, not a speed test: one CLI start took over 15 s with the whole CI
    // run on the same 2 cores.
    timeout: 60_000,
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

  it.each([['--version'], ['-V']])('answers %s with exit 0 and PROGRAM VERSION', (flag) => {
    const { code, stdout, stderr } = run(entry, [flag])
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`^${program} (\\d+\\.\\d+\\.\\d+|\\(sms-agent \\d).*\n$`))
    expect(stderr).toBe('')
  })

  it('answers --help with exit 0, listing the built-in flags and the exit codes', () => {
    const { code, stdout } = run(entry, ['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('--print-config')
    expect(stdout).toContain('--version, -V')
    expect(stdout).toContain(flag)
    // cli-kit's runner lists every CLI's exit codes, the shared ones in the same words.
    expect(stdout.replaceAll(/\s+/g, ' ')).toMatch(/Exit codes: 0 .*; 2 .*; 143 a second SIGTERM\./)
    // Wrapped to 80 columns when stdout is not a terminal.
    for (const line of stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80)
  })
})

// A mistake found after parsing (settings that conflict, a refused address) gets the same one
// line from cli-kit's runner: no second line, no other words.
describe.each([
  {
    ...CLIS[0],
    args: ['--endpoint', 'http://127.0.0.1:9', '--server-id', 's1', '--token-file', '/nonexistent'],
    message: /^sms-agent: Missing --state-dir \(or SMS_STATE_DIR\): .*\n$/,
  },
  { ...CLIS[1], args: [], message: /^sms-watch: Nothing to watch: .*\n$/ },
  {
    ...CLIS[2],
    args: ['--host', '0.0.0.0', '--port', '0'],
    message: /^sms-mock: Invalid --host: 0\.0\.0\.0 is not a loopback address, .*\n$/,
  },
])('$program after parsing', ({ entry, args, message }) => {
  it('prints the one error line and exits 2', () => {
    const { code, stderr } = run(entry, args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr.split('\n')).toHaveLength(2)
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
