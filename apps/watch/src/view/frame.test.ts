import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { apply, fleetState, idleUpdates, press, serverIds, T0 } from '../../test/fixtures.ts'
import type { ServerUpdate } from '../model.ts'
import { initialState, type WatchState } from '../reducer.ts'
import { buildFrame, lineText, lineWidth } from './frame.ts'

/** Names that are hard to draw: CJK, emoji, combining accents, ZWJ sequences, bidi, invisibles. */
export const HOSTILE_NAMES = [
  '北京-数据库-01',
  'db-🚀-01',
  'cafe\u0301-web-01',
  '👨\u200d👩\u200d👧-family-host',
  'web-\u202e10-bew',
  'web\u200b-01',
  'ｆｕｌｌｗｉｄｔｈ-ｈｏｓｔ-ｎａｍｅ-０１',
  `${'長'.repeat(40)}`,
  'tab\there\u001b[31m',
]

function hostileState(terminal: { rows: number; cols: number }): WatchState {
  const ids = HOSTILE_NAMES.map((_, i) => `id-${i}`)
  const updates: ServerUpdate[] = HOSTILE_NAMES.map((name, i) => ({
    serverId: `id-${i}`,
    at: T0 + 500,
    listed: {
      name,
      sms: {
        state: i % 2 ? 'replicate' : '复制中\u202e',
        migrationCycle: 'replicating',
        connected: i % 3 !== 0,
        connectedSince: T0 - 3_600_000,
        ip: '10.0.0.1',
      },
    },
  }))
  updates.push(
    {
      serverId: 'id-0',
      at: T0 + 1_000,
      poll: { latencyMs: 30 },
      command: { name: '启动\u202e', taskId: '任务-🚀-\u200b', bucket: 'バケット' },
    },
    {
      serverId: 'id-1',
      at: T0 + 1_100,
      poll: { latencyMs: 30 },
      error: {
        status: 403,
        code: 'SMS.\u202e9999',
        message: 'denied \u2067for\u2069 北京-数据库-01 👨\u200d👩\u200d👧',
        at: T0 + 1_100,
      },
    },
    {
      serverId: 'id-2',
      at: T0 + 1_200,
      result: { command: { name: 'STOP\u200d' }, result: 'fail', detail: 'e\u0301chec 失败' },
    },
    { serverId: 'id-3', at: T0 + 1_300, note: { level: 'warn', text: 'note \u202e北京 🚀' } },
  )
  return apply(
    initialState({ now: T0, terminal, intervalMs: 10_000 }),
    { type: 'servers', ids, at: T0 },
    {
      type: 'source',
      status: {
        kind: 'api',
        target: 'http://北京.example/\u202e',
        status: 'error',
        message: '失败 \u202edeifitrec',
        at: T0,
      },
    },
    { type: 'updates', updates },
    { type: 'tick', now: T0 + 5_000 },
  )
}

const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u00ad]/

describe('buildFrame with hostile names', () => {
  it('never draws a line wider than the terminal, at any size, with any pane open', () => {
    for (const [cols, rows] of [
      [40, 10],
      [41, 12],
      [57, 15],
      [80, 24],
      [99, 30],
      [120, 40],
      [140, 40],
      [200, 50],
    ] as const) {
      const base = hostileState({ rows, cols })
      const variants = [
        base,
        press(base, 'enter'),
        press(base, 'j', 'j', 'enter'),
        press(base, 'j', 'enter'),
        press(base, '/', '北', 'enter'),
        press(base, '?'),
        press(base, 's'),
      ]
      for (const state of variants) {
        const lines = buildFrame(state)
        expect(lines).toHaveLength(rows - 1)
        for (const line of lines) {
          expect(lineWidth(line), `${cols}×${rows}: ${lineText(line)}`).toBeLessThanOrEqual(cols)
          expect(stringWidth(lineText(line))).toBeLessThanOrEqual(cols)
        }
      }
    }
  })

  it('draws no bidi, invisible or control character, but a visible marker', () => {
    const state = press(hostileState({ rows: 40, cols: 200 }), 'j', 'enter')
    const text = buildFrame(state).map(lineText).join('\n')
    // The joiners of the family emoji are part of one glyph; every other invisible is marked.
    expect(text.replaceAll('👨\u200d👩\u200d👧', '')).not.toMatch(INVISIBLE)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
    expect(text).toContain('web-⟨U+202E⟩10-bew')
    expect(text).toContain('web⟨U+200B⟩-01')
    expect(text).toContain('⟨U+2067⟩for⟨U+2069⟩')
    // The family emoji is one glyph: its joiners are kept.
    expect(text).toContain('👨\u200d👩\u200d👧-family-host')
  })

  it('lines the columns up in cells: every row of the table is as wide as its header', () => {
    const state = hostileState({ rows: 40, cols: 140 })
    const lines = buildFrame(state)
    const header = lines.findIndex((line) => lineText(line).includes('SERVER'))
    const width = (index: number) => stringWidth(lineText(lines[index] ?? []).trimEnd())
    const headerText = lineText(lines[header] ?? [])
    const stateColumn = stringWidth(headerText.slice(0, headerText.indexOf('STATE')))
    for (let i = header + 1; i <= header + HOSTILE_NAMES.length; i++) {
      const row = lineText(lines[i] ?? [])
      expect(width(i)).toBeLessThanOrEqual(140)
      // The state column starts at the same cell on every row, whatever the name before it.
      const before = row.match(/^(.*?) (waiting|idle|pending|error|running|delivered) /u)
      expect(before, row).not.toBeNull()
      expect(stringWidth(`${before?.[1] ?? ''} `)).toBe(stateColumn)
    }
  })

  it('shows the server name in the table and the id in the detail pane', () => {
    const state = press(hostileState({ rows: 40, cols: 140 }), 'g', 'enter')
    const text = buildFrame(state).map(lineText).join('\n')
    const selected = text.split('\n').find((line) => line.startsWith('›')) ?? ''
    expect(selected).toContain('cafe\u0301-web-01')
    expect(text).toContain(
      ' id id-2 · 10.0.0.1 · SMS 复制中⟨U+202E⟩ · cycle replicating · agent connected for 1h',
    )
    expect(text).toContain('─ cafe\u0301-web-01 ─ waiting')
  })
})

describe('column headers', () => {
  it('are never cut on a wide terminal (140 columns used to show SERVE…)', () => {
    for (const cols of [80, 100, 140, 200]) {
      const state = apply(fleetState(3, { rows: 30, cols }), {
        type: 'updates',
        updates: idleUpdates(['a', 'b', 'c']),
      })
      for (const sort of ['server', 'polled', 'latency']) {
        let sorted = state
        while (sorted.sort !== sort) sorted = press(sorted, 's')
        const header = buildFrame(sorted)
          .map(lineText)
          .find((line) => line.includes('STATE'))
        expect(header).toBeDefined()
        expect(header).not.toContain('…')
      }
    }
  })
})

describe('the event log under the / filter', () => {
  it('shows only matching events and counts the hidden ones', () => {
    const ids = serverIds(3)
    let state = apply(fleetState(3, { rows: 40, cols: 120 }), {
      type: 'updates',
      updates: [
        ...idleUpdates(ids),
        { serverId: 'srv-0001', at: T0 + 3_000, command: { name: 'START', taskId: 't1' } },
        { serverId: 'srv-0002', at: T0 + 3_100, command: { name: 'STOP', taskId: 't2' } },
        { serverId: 'srv-0003', at: T0 + 3_200, note: { level: 'warn', text: 'disk full' } },
      ],
    })
    let lines = buildFrame(state).map(lineText)
    expect(lines.some((line) => line.includes('srv-0002 STOP task t2 pending'))).toBe(true)
    expect(lines.find((line) => line.includes('─ events'))).toContain('events (4 kept)')

    state = press(state, '/', 's', 't', 'a', 'r', 't', 'enter')
    lines = buildFrame(state).map(lineText)
    expect(lines.some((line) => line.includes('srv-0001 START task t1 pending'))).toBe(true)
    expect(lines.some((line) => line.includes('STOP task t2'))).toBe(false)
    expect(lines.some((line) => line.includes('disk full'))).toBe(false)
    expect(lines.find((line) => line.includes('─ events'))).toContain(
      'events (1 of 4 kept · 3 hidden by the filter)',
    )

    // A word from an event's text matches too.
    state = press(state, 'escape', '/', 'd', 'i', 's', 'k', 'enter')
    lines = buildFrame(state).map(lineText)
    expect(lines.some((line) => line.includes('srv-0003 disk full'))).toBe(true)
  })
})

describe('the header under a fleet budget', () => {
  it("shows each server's real pause (stretched by the budget) and the budget, flagged after a 429", () => {
    let state = fleetState(500, { rows: 30, cols: 160 })
    state = apply(state, { type: 'budget', budget: { maxRps: 5, rps: 5, servers: 500 } })
    let header = lineText(buildFrame(state)[1] ?? [])
    expect(header).toContain('every 1m (budget 5.0/s)')
    state = apply(state, {
      type: 'budget',
      budget: { maxRps: 5, rps: 2.5, servers: 500, throttledAt: T0 },
    })
    header = lineText(buildFrame(state)[1] ?? [])
    expect(header).toContain('every 3m (budget 2.5 of 5.0/s after a 429)')
    // A small fleet polls at the interval asked for.
    state = apply(state, { type: 'budget', budget: { maxRps: 5, rps: 5, servers: 10 } })
    expect(lineText(buildFrame(state)[1] ?? [])).toContain('every 10s (budget 5.0/s)')
  })
})

describe('the header at 80 columns', () => {
  function busyFleet(): WatchState {
    let state = fleetState(500, { rows: 24, cols: 80 })
    state = apply(
      state,
      {
        type: 'updates',
        updates: [
          { serverId: 'srv-0001', at: T0 + 1_000, command: { name: 'START', taskId: 't1' } },
          { serverId: 'srv-0002', at: T0 + 1_000, command: { name: 'STOP', taskId: 't2' } },
          { serverId: 'srv-0003', at: T0 + 1_000, command: { name: 'SYNC', taskId: 't3' } },
          { serverId: 'srv-0004', at: T0 + 1_000, command: { name: 'CUTOVER', taskId: 't4' } },
          {
            serverId: 'srv-0005',
            at: T0 + 1_000,
            poll: { latencyMs: 20 },
            error: { status: 500, code: 'SMS.9999', message: 'boom', at: T0 + 1_000 },
          },
        ],
      },
      {
        type: 'budget',
        budget: { maxRps: 5, rps: 2.5, servers: 500, throttledAt: T0, heldUntil: T0 + 7_000 },
      },
      { type: 'tick', now: T0 + 2_000 },
    )
    return state
  }

  it('keeps the interval and the budget after a 429 when commands are pending', () => {
    const state = busyFleet()
    const header = lineText(buildFrame(state)[1] ?? [])
    expect(stringWidth(header)).toBeLessThanOrEqual(80)
    expect(header).toContain('every 3m (budget 2.5 of 5.0/s after a 429)')
    expect(header).toContain(' 500 servers')
    // The less important parts went first: the sort order, the per-command breakdown.
    expect(header).not.toContain('sort ')
    expect(header).not.toContain('(START')
  })

  it('says until when a Retry-After pause holds the polls, and not after it ends', () => {
    let state = busyFleet()
    const clock = new Date(T0 + 7_000)
    const until = [clock.getHours(), clock.getMinutes(), clock.getSeconds()]
      .map((part) => String(part).padStart(2, '0'))
      .join(':')
    expect(lineText(buildFrame(state)[1] ?? [])).toContain(`held until ${until}`)
    state = apply(state, { type: 'tick', now: T0 + 8_000 })
    expect(lineText(buildFrame(state)[1] ?? [])).not.toContain('held until')
  })

  it('keeps every part on a wide terminal', () => {
    const state = apply(busyFleet(), { type: 'resize', rows: 24, cols: 200 })
    const header = lineText(buildFrame(state)[1] ?? [])
    expect(header).toContain('sort ')
    expect(header).toContain('START 1')
    expect(header).toContain('polls/s')
  })

  it("cuts a long error message before it hides another source's stale marker", () => {
    const state = apply(
      fleetState(3, { rows: 24, cols: 80 }),
      {
        type: 'source',
        status: {
          kind: 'api',
          target: 'http://127.0.0.1:8080/',
          status: 'error',
          message: `listing failed: ${'very long reason '.repeat(6)}`,
          at: T0,
        },
      },
      {
        type: 'source',
        status: {
          kind: 'mock',
          target: 'http://127.0.0.1:9/',
          status: 'stale',
          since: T0,
          at: T0,
        },
      },
    )
    const first = lineText(buildFrame(state)[0] ?? [])
    expect(stringWidth(first)).toBeLessThanOrEqual(80)
    expect(first).toContain('◌ stale since')
    expect(first).toContain('✗ listing')
  })
})

describe('servers listed by discovery', () => {
  it('drops the rows SMS no longer lists, keeps the rest', () => {
    let state = fleetState(3)
    state = apply(state, {
      type: 'servers',
      ids: ['srv-0001', 'srv-0003', 'new'],
      at: T0,
      replace: true,
    })
    expect([...state.servers.keys()].sort()).toEqual(['new', 'srv-0001', 'srv-0003'])
  })
})
