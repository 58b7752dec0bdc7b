import type { ServerUpdate } from '../src/model.ts'
import { initialState, reduce, type WatchAction, type WatchState } from '../src/reducer.ts'

/** 2026-01-01T00:00:00Z: fixtures use fixed times so frames are reproducible. */
export const T0 = Date.UTC(2026, 0, 1)

/** `srv-0001` … */
export const serverIds = (count: number) =>
  Array.from({ length: count }, (_, i) => `srv-${String(i + 1).padStart(4, '0')}`)

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g

/** Removes ANSI escape sequences. */
export const stripAnsi = (text: string) => text.replace(ANSI, '')

/** Folds actions into a state. */
export const apply = (state: WatchState, ...actions: WatchAction[]) => actions.reduce(reduce, state)

/** Presses keys by keymap name. */
export const press = (state: WatchState, ...keys: string[]) =>
  apply(state, ...keys.map((name) => ({ type: 'key', name }) as const))

/** A state with `count` servers known and an API source live. */
export function fleetState(count: number, terminal = { rows: 30, cols: 100 }): WatchState {
  return apply(
    initialState({ now: T0, terminal, intervalMs: 10_000 }),
    { type: 'servers', ids: serverIds(count), at: T0 },
    {
      type: 'source',
      status: { kind: 'api', target: 'http://127.0.0.1:8080/', status: 'ok', at: T0 },
    },
  )
}

/** Every server polled idle once, a second apart. */
export function idleUpdates(ids: readonly string[], at = T0 + 1_000): ServerUpdate[] {
  return ids.map((serverId, index) => ({
    serverId,
    at: at + index,
    poll: { latencyMs: 20 + index },
    command: null,
    error: null,
  }))
}
