import { describe, expect, it } from 'vitest'
import type { CommandLineSpec, OptionTable } from './command-line.ts'
import { helpText, terminalColumns, wrapText } from './help.ts'
import { duration, text } from './schemas.ts'

const OPTIONS = {
  endpoint: {
    flag: '--endpoint',
    env: 'T_ENDPOINT',
    schema: text({ meta: 'URL' }),
    help: 'SMS base URL to poll GET /v3/sources/{id}/command on; needs --servers or --servers-file, and credentials for it',
  },
  interval: {
    flag: '--interval',
    env: 'T_INTERVAL',
    schema: duration(),
    default: '10s',
    group: 'Polling',
    help: 'pause between polls of each server; + and - change it live in the UI (1s–1h)',
  },
  link: {
    flag: '--a-really-long-flag-name-here',
    schema: text({ meta: 'VALUE' }),
    help: 'see https://example.com/a/very/long/url/that/cannot/be/broken/anywhere/at/all/really',
  },
} as const satisfies OptionTable
const SPEC: CommandLineSpec<typeof OPTIONS> = { program: 't', options: OPTIONS, version: true }
const PROSE = {
  intro: [
    'Usage:',
    '  t --endpoint URL --servers a,b,c [auth]    poll SMS itself, reading every server the account lists and naming them',
    'Watching is read-only and safe beside running agents: a GET of the command does not consume it, and t never reports.',
  ],
}

describe('terminalColumns', () => {
  it("is the terminal's width, or 80 when stdout is not a terminal", () => {
    expect(terminalColumns({ columns: 132 })).toBe(132)
    expect(terminalColumns({})).toBe(80)
    expect(terminalColumns({ columns: 0 })).toBe(80)
  })
})

describe('wrapText', () => {
  it('breaks at spaces, keeping a word longer than the line whole', () => {
    expect(wrapText('one two three', 7)).toEqual(['one two', 'three'])
    expect(wrapText('a https://example.com/long b', 5)).toEqual([
      'a',
      'https://example.com/long',
      'b',
    ])
    expect(wrapText('aaa bbb ccc', 3, 7)).toEqual(['aaa', 'bbb ccc'])
  })
})

describe('helpText wrapping', () => {
  it.each([80, 100, 60])('fits %i columns, continuing each help under its column', (columns) => {
    const help = helpText(SPEC, PROSE, { columns })
    const lines = help.split('\n')
    for (const line of lines) {
      // Only an unbreakable word (the URL) may stick out.
      if (!line.includes('https://')) expect(line.length, line).toBeLessThanOrEqual(columns)
    }
    // Nothing is lost: the words are all there, in order.
    expect(help.replaceAll(/\s+/g, ' ')).toContain(
      'SMS base URL to poll GET /v3/sources/{id}/command on; needs --servers or --servers-file, and credentials for it [env T_ENDPOINT]',
    )
    const start = lines.findIndex((line) => line.startsWith('  --endpoint URL'))
    expect(lines[start + 1]).toMatch(/^ {31}\S/)
    // A usage line continues under its description column where that leaves room, else under
    // its indentation.
    const usage = lines.findIndex((line) => line.startsWith('  t --endpoint'))
    expect(lines[usage + 1]).toMatch(columns >= 90 ? /^ {45}\S/ : /^ {2}\S/)
  })

  it('puts the help of a name longer than its column on the next line', () => {
    const lines = helpText(SPEC, PROSE, { columns: 100 }).split('\n')
    const at = lines.indexOf('  --a-really-long-flag-name-here VALUE')
    expect(at).toBeGreaterThan(0)
    expect(lines[at + 1]).toMatch(/^ {31}see$/)
  })

  it('stacks names and help on a narrow terminal', () => {
    const lines = helpText(SPEC, PROSE, { columns: 40 }).split('\n')
    const at = lines.indexOf('  --interval DURATION')
    expect(lines[at + 1]).toMatch(/^ {6}pause between polls/)
    for (const line of lines)
      if (!line.includes('https://')) expect(line.length).toBeLessThanOrEqual(40)
  })

  it('wraps to 80 columns when stdout is not a terminal', () => {
    const original = process.stdout.columns
    Object.defineProperty(process.stdout, 'columns', { value: undefined, configurable: true })
    try {
      expect(helpText(SPEC, PROSE)).toBe(helpText(SPEC, PROSE, { columns: 80 }))
    } finally {
      Object.defineProperty(process.stdout, 'columns', { value: original, configurable: true })
    }
  })
})
