import { describe, expect, it } from 'vitest'
import { LIMITS_WATCH, type ServerUpdate } from './model.ts'
import {
  displayed,
  initialState,
  inputMode,
  pollRate,
  reduce,
  selectedServer,
  tableRows,
  type WatchAction,
  type WatchState,
} from './reducer.ts'
import { layoutFrame, windowRows } from './view-model.ts'

const T0 = Date.UTC(2026, 0, 1)
const ids = (count: number) =>
  Array.from({ length: count }, (_, i) => `srv-${String(i + 1).padStart(4, '0')}`)

function fleet(count: number, rows = 40): WatchState {
  return reduce(initialState({ now: T0, terminal: { rows, cols: 120 } }), {
    type: 'servers',
    ids: ids(count),
    at: T0,
  })
}

function press(state: WatchState, ...keys: string[]): WatchState {
  return keys.reduce((current, name) => reduce(current, { type: 'key', name }), state)
}

function apply(state: WatchState, ...actions: WatchAction[]): WatchState {
  return actions.reduce(reduce, state)
}

const update = (serverId: string, fields: Partial<ServerUpdate> = {}): ServerUpdate => ({
  serverId,
  at: T0 + 1_000,
  ...fields,
})

describe('selection', () => {
  it('selects the first server once servers are known', () => {
    expect(fleet(3).selectedId).toBe('srv-0001')
  })

  it('moves down with j and the down arrow, up with k and the up arrow, and stops at the ends', () => {
    let state = press(fleet(3), 'j', 'down')
    expect(state.selectedId).toBe('srv-0003')
    state = press(state, 'j')
    expect(state.selectedId).toBe('srv-0003')
    state = press(state, 'k', 'up', 'up')
    expect(state.selectedId).toBe('srv-0001')
  })

  it('jumps to the last server with G and back to the first with g', () => {
    let state = press(fleet(500), 'G')
    expect(state.selectedId).toBe('srv-0500')
    state = press(state, 'g')
    expect(state.selectedId).toBe('srv-0001')
    expect(state.scrollTop).toBe(0)
  })

  it('pages by the number of rows drawn with PgDn and PgUp', () => {
    const start = fleet(500, 40)
    const height = layoutFrame({ rows: 40, cols: 120 }, { detailOpen: false }).tableBody
    const page = windowRows(500, 0, height, 0).count
    let state = press(start, 'pagedown')
    expect(state.selectedId).toBe(ids(500)[page])
    state = press(state, 'pagedown', 'pageup')
    expect(state.selectedId).toBe(ids(500)[page])
    state = press(state, 'pageup', 'pageup')
    expect(state.selectedId).toBe('srv-0001')
  })

  it('scrolls so the selected row stays inside the window', () => {
    let state = fleet(500, 20)
    for (let i = 0; i < 100; i++) state = press(state, 'j')
    const rows = tableRows(state)
    const index = rows.findIndex((server) => server.id === state.selectedId)
    const height = layoutFrame({ rows: 20, cols: 120 }, { detailOpen: false }).tableBody
    const window = windowRows(rows.length, index, height, state.scrollTop)
    expect(index).toBe(100)
    expect(index).toBeGreaterThanOrEqual(window.top)
    expect(index).toBeLessThan(window.top + window.count)
    expect(window.top).toBe(state.scrollTop)
  })

  it('keeps the selected server selected when a live update reorders the rows', () => {
    let state = press(fleet(5), 's') // sort by state
    state = press(state, 'j', 'j')
    expect(state.selectedId).toBe('srv-0003')
    state = apply(state, {
      type: 'updates',
      updates: [update('srv-0005', { error: { status: 503, message: 'boom', at: T0 } })],
    })
    expect(tableRows(state)[0]?.id).toBe('srv-0005')
    expect(selectedServer(state)?.id).toBe('srv-0003')
  })

  it('ignores movement keys when there are no servers', () => {
    const state = press(initialState({ now: T0 }), 'j', 'G', 'pagedown')
    expect(state.selectedId).toBeNull()
  })
})

describe('detail pane', () => {
  it('opens with Enter, closes with Enter or Esc', () => {
    let state = press(fleet(3), 'enter')
    expect(state.detailOpen).toBe(true)
    state = press(state, 'enter')
    expect(state.detailOpen).toBe(false)
    state = press(state, 'enter', 'escape')
    expect(state.detailOpen).toBe(false)
  })

  it('keeps the selection visible when the pane takes rows from the table', () => {
    let state = fleet(200, 30)
    state = press(state, ...new Array(20).fill('j'))
    state = press(state, 'enter')
    const rows = tableRows(state)
    const index = rows.findIndex((server) => server.id === state.selectedId)
    expect(index).toBe(20)
    expect(state.scrollTop).toBeLessThanOrEqual(index)
  })
})

describe('filter', () => {
  const withCommands = () =>
    apply(fleet(6), {
      type: 'updates',
      updates: [
        update('srv-0002', { command: { name: 'START', taskId: 'task-a' } }),
        update('srv-0004', { command: { name: 'STOP', taskId: 'task-b' } }),
        update('srv-0006', { error: { status: 401, code: 'APIGW.0301', message: 'nope', at: T0 } }),
      ],
    })

  it('enters the filter prompt with /, typing narrows the rows, Enter keeps the filter', () => {
    let state = press(withCommands(), '/')
    expect(inputMode(state)).toBe('filter')
    state = press(state, 's', 't', 'a', 'r', 't')
    expect(state.filter).toBe('start')
    expect(tableRows(state).map((server) => server.id)).toEqual(['srv-0002'])
    expect(state.selectedId).toBe('srv-0002')
    state = press(state, 'enter')
    expect(inputMode(state)).toBe('table')
    expect(state.filter).toBe('start')
  })

  it('types keys that are bindings elsewhere (j, q, s) into the prompt', () => {
    const state = press(withCommands(), '/', 'j', 'q', 's')
    expect(state.filter).toBe('jqs')
    expect(state.quit).toBe(false)
  })

  it('matches state, task id and error code, and needs every word to match', () => {
    expect(tableRows(press(withCommands(), '/', ...'task-b')).map((s) => s.id)).toEqual([
      'srv-0004',
    ])
    expect(tableRows(press(withCommands(), '/', ...'apigw')).map((s) => s.id)).toEqual(['srv-0006'])
    expect(tableRows(press(withCommands(), '/', ...'error')).map((s) => s.id)).toEqual(['srv-0006'])
    expect(tableRows(press(withCommands(), '/', ...'stop 0002'))).toEqual([])
  })

  it('deletes with Backspace and clears with Esc', () => {
    let state = press(withCommands(), '/', 's', 't', 'o', 'backspace')
    expect(state.filter).toBe('st')
    state = press(state, 'escape')
    expect(state.filter).toBe('')
    expect(inputMode(state)).toBe('table')
    expect(tableRows(state)).toHaveLength(6)
  })

  it('clears a kept filter with Esc from the table', () => {
    const state = press(withCommands(), '/', 's', 'enter', 'escape')
    expect(state.filter).toBe('')
  })

  it('bounds the filter length', () => {
    const state = press(fleet(1), '/', ...new Array(LIMITS_WATCH.filterLength + 50).fill('x'))
    expect(state.filter).toHaveLength(LIMITS_WATCH.filterLength)
  })
})

describe('sort', () => {
  const mixed = () =>
    apply(fleet(4), {
      type: 'updates',
      updates: [
        update('srv-0001', { command: null, poll: { latencyMs: 20 } }),
        update('srv-0002', { command: { name: 'STOP' }, poll: { latencyMs: 900 }, at: T0 + 500 }),
        update('srv-0003', {
          error: { status: 500, message: 'x', at: T0 },
          poll: { latencyMs: 5 },
        }),
        update('srv-0004', { command: { name: 'START' }, poll: { latencyMs: 40 } }),
      ],
    })
  const order = (state: WatchState) => tableRows(state).map((server) => server.id.slice(-1))

  it('cycles columns with s: server, state, command, age, polled, latency, errors', () => {
    let state = mixed()
    expect(state.sort).toBe('server')
    expect(order(state)).toEqual(['1', '2', '3', '4'])
    state = press(state, 's')
    expect(state.sort).toBe('state')
    expect(order(state)).toEqual(['3', '2', '4', '1'])
    state = press(state, 's')
    expect(state.sort).toBe('command')
    expect(order(state)).toEqual(['4', '2', '1', '3'])
    state = press(state, 's')
    expect(state.sort).toBe('age')
    expect(order(state)).toEqual(['2', '4', '1', '3'])
    state = press(state, 's', 's')
    expect(state.sort).toBe('latency')
    expect(order(state)).toEqual(['2', '4', '1', '3'])
    state = press(state, 's')
    expect(state.sort).toBe('errors')
    expect(order(state)[0]).toBe('3')
    state = press(state, 's')
    expect(state.sort).toBe('server')
  })

  it('reverses with r and says so in a notice', () => {
    const state = press(mixed(), 'r')
    expect(order(state)).toEqual(['4', '3', '2', '1'])
    expect(state.notice?.text).toBe('sorted by server, reversed')
    expect(order(press(state, 'r'))).toEqual(['1', '2', '3', '4'])
  })
})

describe('pause', () => {
  it('freezes what is displayed while updates keep flowing into the live fleet', () => {
    let state = press(fleet(2), 'p')
    expect(state.frozen).not.toBeNull()
    state = apply(state, {
      type: 'updates',
      updates: [update('srv-0001', { command: { name: 'START' } })],
    })
    expect(state.servers.get('srv-0001')?.command?.name).toBe('START')
    expect(displayed(state).servers.get('srv-0001')?.command).toBeNull()
    expect(state.updatesWhilePaused).toBe(1)
    state = press(state, 'p')
    expect(state.frozen).toBeNull()
    expect(displayed(state).servers.get('srv-0001')?.command?.name).toBe('START')
    expect(state.updatesWhilePaused).toBe(0)
  })

  it('still navigates the frozen rows while paused', () => {
    const state = press(fleet(3), 'p', 'j')
    expect(state.selectedId).toBe('srv-0002')
  })
})

describe('interval', () => {
  it('steps through the ladder with + (longer) and - (shorter), within its bounds', () => {
    let state = initialState({ now: T0, intervalMs: 10_000 })
    state = press(state, '+')
    expect(state.intervalMs).toBe(15_000)
    state = press(state, '-', '-', '-')
    expect(state.intervalMs).toBe(3_000)
    state = press(state, ...new Array(10).fill('-'))
    expect(state.intervalMs).toBe(1_000)
    state = press(state, ...new Array(20).fill('+'))
    expect(state.intervalMs).toBe(120_000)
    expect(state.notice?.text).toBe('poll interval 2m')
  })

  it('snaps an off-ladder interval to the neighbouring step', () => {
    expect(press(initialState({ now: T0, intervalMs: 7_000 }), '+').intervalMs).toBe(10_000)
    expect(press(initialState({ now: T0, intervalMs: 7_000 }), '-').intervalMs).toBe(5_000)
  })

  it('leaves the interval alone and explains why when no source polls', () => {
    const state = press(initialState({ now: T0, intervalApplies: false }), '+')
    expect(state.intervalMs).toBe(10_000)
    expect(state.notice?.text).toMatch(/--endpoint/)
  })
})

describe('help and quit', () => {
  it('toggles the help overlay with ?, closes it with Esc, and ignores table keys inside it', () => {
    let state = press(fleet(3), '?')
    expect(inputMode(state)).toBe('help')
    state = press(state, 'j', 's', '/')
    expect(state.selectedId).toBe('srv-0001')
    expect(state.sort).toBe('server')
    expect(inputMode(state)).toBe('help')
    expect(press(state, '?').helpOpen).toBe(false)
    expect(press(state, 'escape').helpOpen).toBe(false)
  })

  it('quits with q, with Ctrl-C, from help, and with Ctrl-C from the filter prompt', () => {
    expect(press(fleet(1), 'q').quit).toBe(true)
    expect(press(fleet(1), 'ctrl+c').quit).toBe(true)
    expect(press(fleet(1), '?', 'q').quit).toBe(true)
    expect(press(fleet(1), '/', 'ctrl+c').quit).toBe(true)
  })

  it('ignores unbound keys', () => {
    const state = fleet(2)
    expect(press(state, 'x', 'tab', 'ctrl+z')).toBe(state)
  })
})

describe('data', () => {
  it('bounds the event log however many events arrive', () => {
    let state = fleet(1)
    for (let i = 0; i < LIMITS_WATCH.eventLog * 3; i++) {
      state = apply(state, {
        type: 'updates',
        updates: [update('srv-0001', { at: T0 + i, note: { level: 'info', text: `event ${i}` } })],
      })
    }
    expect(state.log).toHaveLength(LIMITS_WATCH.eventLog)
    expect(state.log.at(-1)?.text).toBe(`event ${LIMITS_WATCH.eventLog * 3 - 1}`)
  })

  it('bounds each server history', () => {
    let state = fleet(1)
    for (let i = 0; i < LIMITS_WATCH.historyPerServer * 2; i++) {
      state = apply(state, {
        type: 'updates',
        updates: [
          update('srv-0001', { at: T0 + i * 1000, command: { name: 'START', taskId: `t${i}` } }),
        ],
      })
    }
    const history = state.servers.get('srv-0001')?.history ?? []
    expect(history).toHaveLength(LIMITS_WATCH.historyPerServer)
    expect(history.at(-1)?.text).toBe(
      `START task t${LIMITS_WATCH.historyPerServer * 2 - 1} pending`,
    )
  })

  it('adds servers it has not heard of when an update names them', () => {
    const state = apply(initialState({ now: T0 }), {
      type: 'updates',
      updates: [update('new-one', { command: null })],
    })
    expect(state.servers.get('new-one')?.phase).toBe('idle')
  })

  it('measures polls per second over complete seconds of the rate window', () => {
    let state = fleet(5)
    for (let second = 0; second < 4; second++) {
      state = apply(state, {
        type: 'updates',
        updates: ids(5).map((serverId) =>
          update(serverId, { at: T0 + second * 1000 + 10, poll: { latencyMs: 1 } }),
        ),
      })
    }
    state = apply(state, { type: 'tick', now: T0 + 4_000 })
    expect(pollRate(state)).toBe(5)
    state = apply(state, { type: 'tick', now: T0 + 60_000 })
    expect(pollRate(state)).toBe(0)
  })

  it('records source status changes in the event log once', () => {
    const status = { kind: 'mock', target: 'http://127.0.0.1:1', at: T0 } as const
    let state = apply(
      initialState({ now: T0 }),
      { type: 'source', status: { ...status, status: 'error', message: 'connection refused' } },
      { type: 'source', status: { ...status, status: 'error', message: 'connection refused' } },
      { type: 'source', status: { ...status, status: 'ok' } },
    )
    expect(state.sources).toHaveLength(1)
    expect(state.log.map((entry) => entry.text)).toEqual([
      'mock http://127.0.0.1:1: connection refused',
      'mock http://127.0.0.1:1: connected',
    ])
    state = apply(state, { type: 'tick', now: T0 + 1 })
    expect(state.sources[0]?.status).toBe('ok')
  })

  it('names the throttled server in the event log when a 429 lowers the budget', () => {
    const budget = { maxRps: 0.2, rps: 0.2, servers: 3 }
    let state = apply(initialState({ now: T0 }), { type: 'budget', budget })
    expect(state.log).toEqual([])
    state = apply(state, {
      type: 'budget',
      at: T0 + 5_000,
      budget: { ...budget, rps: 0.1, throttledAt: T0 + 5_000 },
      throttled: {
        serverId: 'srv-0002',
        error: { status: 429, code: 'APIGW.0308', message: 'limit', at: T0 + 4_900 },
      },
    })
    expect(state.budget?.rps).toBe(0.1)
    expect(state.log).toEqual([
      {
        at: T0 + 5_000,
        serverId: 'srv-0002',
        level: 'warn',
        text: "429 APIGW.0308: the fleet's request rate is lowered to 0.10/s (of 0.2/s)",
      },
    ])
  })

  it('expires a notice after a few seconds of ticks', () => {
    let state = press(fleet(1), 's')
    expect(state.notice).not.toBeNull()
    state = apply(state, { type: 'tick', now: T0 + 10_000 })
    expect(state.notice).toBeNull()
  })

  it('keeps the selection visible after the terminal shrinks', () => {
    let state = press(fleet(300, 60), ...new Array(50).fill('j'))
    state = apply(state, { type: 'resize', rows: 15, cols: 80 })
    const rows = tableRows(state)
    const index = rows.findIndex((server) => server.id === state.selectedId)
    const height = layoutFrame(state.terminal, { detailOpen: false }).tableBody
    const window = windowRows(rows.length, index, height, state.scrollTop)
    expect(window.top).toBe(state.scrollTop)
    expect(index).toBeLessThan(window.top + window.count)
  })
})
