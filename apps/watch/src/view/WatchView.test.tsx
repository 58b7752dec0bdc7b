import { render } from 'ink-testing-library'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  apply,
  fleetState,
  idleUpdates,
  press,
  serverIds,
  stripAnsi,
  T0,
} from '../../test/fixtures.ts'
import { initialState, type WatchState } from '../reducer.ts'
import { buildFrame, lineText } from './frame.ts'
import { WatchView } from './WatchView.tsx'

beforeAll(() => {
  process.env.TZ = 'UTC'
})

let unmount: (() => void) | undefined
afterEach(() => unmount?.())

/** Draws a state with Ink (as the CLI does) and returns the frame without ANSI codes. */
function draw(state: WatchState, color = false): string {
  const instance = render(<WatchView state={state} color={color} />)
  unmount = instance.unmount
  return stripAnsi(instance.lastFrame() ?? '')
}

function busyFleet(): WatchState {
  const ids = serverIds(6)
  return apply(
    fleetState(6),
    {
      type: 'updates',
      updates: [
        ...idleUpdates(ids),
        {
          serverId: 'srv-0002',
          at: T0 + 2_000,
          poll: { latencyMs: 31 },
          command: { name: 'START', taskId: '2c0689c860ad4728a497c91ec0844384' },
        },
        {
          serverId: 'srv-0003',
          at: T0 + 2_100,
          poll: { latencyMs: 12 },
          command: { name: 'STOP' },
        },
        {
          serverId: 'srv-0005',
          at: T0 + 2_200,
          poll: { latencyMs: 250 },
          command: { name: 'SKIP', bucket: 'logs-bucket' },
        },
        {
          serverId: 'srv-0006',
          at: T0 + 2_300,
          poll: { latencyMs: 8 },
          error: {
            status: 401,
            code: 'APIGW.0301',
            message:
              'GET /v3/sources/srv-0006/command failed with HTTP 401 APIGW.0301: token expired',
            at: T0 + 2_300,
          },
        },
        { type: 'tick', now: T0 + 14_000 } as never,
      ].filter((update) => 'serverId' in update),
    },
    { type: 'tick', now: T0 + 14_000 },
  )
}

describe('frames', () => {
  it('shows a loading frame before any data arrives', () => {
    const state = apply(initialState({ now: T0, terminal: { rows: 20, cols: 100 } }), {
      type: 'source',
      status: { kind: 'mock', target: 'http://127.0.0.1:4010', status: 'connecting', at: T0 },
    })
    const frame = draw(state)
    expect(frame).toContain('mock http://127.0.0.1:4010 ○ connecting')
    expect(frame).toContain('Loading… waiting for the first data')
    expect(frame).toContain('0 servers')
    expect(frame.split('\n')).toHaveLength(19)
  })

  it('shows a silent source as stale since its last byte instead of live', () => {
    const state = apply(initialState({ now: T0, terminal: { rows: 20, cols: 100 } }), {
      type: 'source',
      status: {
        kind: 'agent',
        target: 'http://127.0.0.1:9464',
        status: 'stale',
        message: 'silent past its keep-alive; reconnecting',
        since: T0 + 3_723_000,
        at: T0 + 3_760_500,
      },
    })
    const frame = draw(state)
    expect(frame).toContain('agent http://127.0.0.1:9464 ◌ stale since 01:02:03')
    expect(frame).not.toContain('● live')
  })

  it('shows an idle fleet with latency, last poll and the key hints', () => {
    const ids = serverIds(4)
    const state = apply(
      fleetState(4),
      { type: 'updates', updates: idleUpdates(ids) },
      { type: 'tick', now: T0 + 6_000 },
    )
    const frame = draw(state)
    expect(frame).toContain('4 servers · pending 0 · errors 0')
    expect(frame).toMatch(/› srv-0001\s+idle\s+—/)
    expect(frame).toMatch(/srv-0004\s+idle\s+—\s+4s\s+23ms/)
    expect(frame).toContain('api http://127.0.0.1:8080/ ● live')
    expect(frame).toContain('every 10s')
    expect(frame).toContain('? help')
    expect(frame).toContain('q quit')
  })

  it('shows pending commands by name in the header and each command with its task and age', () => {
    const frame = draw(busyFleet())
    expect(frame).toContain('pending 3 (SKIP 1 START 1 STOP 1)')
    expect(frame).toMatch(/srv-0002\s+pending\s+START\s+2c0689c8\S*…\s+12s/)
    expect(frame).toMatch(/srv-0005\s+pending\s+SKIP\s+11s/)
    unmount?.()
    const wide = draw(apply(busyFleet(), { type: 'resize', rows: 30, cols: 140 }))
    expect(wide).toMatch(/srv-0005\s+pending\s+SKIP\s+logs-bucket\s+11s/)
  })

  it('shows errors with status and code, and counts them in the header', () => {
    const frame = draw(busyFleet())
    expect(frame).toContain('errors 1')
    expect(frame).toMatch(/srv-0006\s+error\s+—.*401 APIGW.0301/)
  })

  it('overlays help generated from the keymap', () => {
    const frame = draw(press(busyFleet(), '?'))
    expect(frame).toContain('keys: ? or Esc closes this help')
    expect(frame).toContain('Navigate')
    expect(frame).toContain('pause or resume the display (polling carries on)')
    expect(frame).not.toContain('srv-0002')
  })

  it('shows only matching rows and the filter in the header and the prompt', () => {
    const typing = press(busyFleet(), '/', 's', 't', 'o')
    let frame = draw(typing)
    expect(frame).toContain(' /  sto█')
    expect(frame).toContain('filter "sto"')
    expect(frame).toContain('srv-0003')
    expect(frame).not.toContain('srv-0002')
    unmount?.()
    frame = draw(press(typing, 'x', 'y', 'z'))
    expect(frame).toContain('No server matches "stoxyz" (Esc clears the filter)')
  })

  it('opens a detail pane with the command, counts, last error and history', () => {
    const state = press(busyFleet(), 'G', 'enter')
    const frame = draw(state)
    expect(frame).toContain('─ srv-0006 ─ error')
    expect(frame).toContain('polls 2 · errors 1 · results 0')
    expect(frame).toContain('error 401 APIGW.0301 11s ago: GET /v3/sources/srv-0006/command failed')
    expect(frame).toContain('history (newest first)')
  })

  it('shows the PAUSED banner with the number of held updates', () => {
    let state = press(busyFleet(), 'p')
    state = apply(state, { type: 'updates', updates: idleUpdates(serverIds(2), T0 + 14_001) })
    const frame = draw(state)
    expect(frame).toContain('PAUSED · 2 updates held')
    expect(frame).toContain('display paused; polling carries on')
  })

  it('windows a long fleet with a "… N more" line and never exceeds the terminal rows', () => {
    const state = fleetState(1000, { rows: 30, cols: 100 })
    const frame = draw(state)
    const lines = frame.split('\n')
    expect(lines.length).toBeLessThanOrEqual(29)
    expect(frame).toContain('… 980 more · 1/1000')
  })

  it('draws no escape sequences from hostile server ids or messages', () => {
    const state = apply(fleetState(0), {
      type: 'updates',
      updates: [
        {
          serverId: 'evil\u001b[2J\nid',
          at: T0,
          error: { message: 'bad\u001b]0;title\u0007news', at: T0 },
        },
      ],
    })
    const frame = buildFrame(state).map(lineText).join('\n')
    expect(frame).not.toContain('\u001b')
    expect(frame).toContain('evil�[2J�id')
  })
})

describe('header sources', () => {
  it('tallies many sources of a kind on one line and spells out the first failure', () => {
    let state = fleetState(2)
    for (let i = 0; i < 10; i++) {
      state = apply(state, {
        type: 'source',
        status: {
          kind: 'agent',
          target: `http://127.0.0.1:${9000 + i}`,
          status: i === 3 ? 'error' : 'ok',
          message: i === 3 ? 'fetch failed (connect ECONNREFUSED)' : undefined,
          at: T0,
        },
      })
    }
    const header = lineText(
      buildFrame(apply(state, { type: 'resize', rows: 30, cols: 160 }))[0] ?? [],
    )
    expect(header).toContain('10 agents ● 9 live ✗ 1 failing (http://127.0.0.1:9003: fetch failed')
    expect(header).toContain('api http://127.0.0.1:8080/ ● live')
  })
})

describe('buildFrame', () => {
  it('fills exactly rows - 1 lines of at most cols characters, for many sizes and states', () => {
    const states = [
      fleetState(0),
      fleetState(3),
      busyFleet(),
      press(busyFleet(), 'enter'),
      press(busyFleet(), '?'),
      press(fleetState(1000), 'G', 'enter'),
    ]
    for (const base of states) {
      for (const rows of [10, 11, 17, 24, 31, 60]) {
        for (const cols of [40, 63, 80, 120, 200]) {
          const state = apply(base, { type: 'resize', rows, cols })
          const lines = buildFrame(state)
          expect(lines).toHaveLength(rows - 1)
          for (const line of lines)
            expect(Array.from(lineText(line)).length).toBeLessThanOrEqual(cols)
        }
      }
    }
  })

  it('asks for a bigger terminal when it is too small', () => {
    const lines = buildFrame(apply(fleetState(3), { type: 'resize', rows: 6, cols: 100 }))
    expect(lines.map(lineText)).toEqual([
      'sms-watch needs at least 40×10; this terminal is 100×6. q quits.',
    ])
  })
})
