import { useApp, useInput, useStdout } from 'ink'
import { useEffect, useState } from 'react'
import { keyNames } from './keymap.ts'
import { isUserAction, type WatchState } from './reducer.ts'
import type { WatchStore } from './store.ts'
import { WatchView } from './view/WatchView.tsx'

/** Props of {@link WatchApp}. */
export interface WatchAppProps {
  store: WatchStore
  color: boolean
  /** Data changes redraw at most this often; keys redraw at once. */
  refreshMs: number
  /** Clock ticks (ages, rates) this often. Default 1 s. */
  tickMs?: number
  now?: () => number
}

/**
 * Follows the store, redrawing at once for keys and at most every `refreshMs` for data, so a
 * fleet of thousands polling costs a few frames a second.
 */
function useThrottledState(store: WatchStore, refreshMs: number): WatchState {
  const [state, setState] = useState(store.getState)
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let lastDraw = 0
    const draw = () => {
      timer = undefined
      lastDraw = performance.now()
      setState(store.getState())
    }
    const unsubscribe = store.subscribe((_state, _previous, action) => {
      if (isUserAction(action)) {
        if (timer !== undefined) clearTimeout(timer)
        draw()
        return
      }
      if (timer !== undefined) return
      timer = setTimeout(draw, Math.max(0, refreshMs - (performance.now() - lastDraw)))
    })
    // Anything dispatched between the first render and this subscription.
    setState(store.getState())
    return () => {
      unsubscribe()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [store, refreshMs])
  return state
}

/**
 * The interactive watch: keys go through the keymap into the store, the terminal's size follows
 * resizes, a clock ticks ages forward, and `q`/Ctrl-C end the Ink app.
 *
 * @example
 * const ink = render(<WatchApp store={store} color refreshMs={500} />, { exitOnCtrlC: false })
 * await ink.waitUntilExit()
 */
export function WatchApp({
  store,
  color,
  refreshMs,
  tickMs = 1_000,
  now = Date.now,
}: WatchAppProps) {
  const state = useThrottledState(store, refreshMs)
  const { exit } = useApp()
  // Ink 8 types it as any writable stream; a terminal's (or the test harness's) has its size.
  const stdout = useStdout().stdout as NodeJS.WriteStream

  useInput((input, key) => {
    for (const name of keyNames(input, key)) store.dispatch({ type: 'key', name })
  })

  useEffect(() => {
    const resize = () => {
      if (stdout.rows && stdout.columns) {
        store.dispatch({ type: 'resize', rows: stdout.rows, cols: stdout.columns })
      }
    }
    resize()
    stdout.on('resize', resize)
    return () => {
      stdout.off('resize', resize)
    }
  }, [store, stdout])

  useEffect(() => {
    const timer = setInterval(() => store.dispatch({ type: 'tick', now: now() }), tickMs)
    return () => clearInterval(timer)
  }, [store, tickMs, now])

  useEffect(() => {
    if (state.quit) exit()
  }, [state.quit, exit])

  return <WatchView state={state} color={color} />
}
