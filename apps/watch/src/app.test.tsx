import { render } from 'ink-testing-library'
import { afterEach, describe, expect, it } from 'vitest'
import { apply, fleetState, stripAnsi, T0 } from '../test/fixtures.ts'
import { WatchApp } from './app.tsx'
import { createStore } from './store.ts'

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits (up to 3 s) until the frame satisfies `check`: input is handled asynchronously. */
async function until(frame: () => string, check: (text: string) => boolean) {
  for (let i = 0; i < 150 && !check(frame()); i++) await tick(20)
  return frame()
}
let cleanup: (() => void) | undefined
afterEach(() => cleanup?.())

function mount(refreshMs = 1_000) {
  const store = createStore(apply(fleetState(3), { type: 'resize', rows: 20, cols: 100 }))
  const app = render(
    <WatchApp store={store} color={false} refreshMs={refreshMs} now={() => T0} tickMs={60_000} />,
  )
  cleanup = app.unmount
  return { store, app, frame: () => stripAnsi(app.lastFrame() ?? '') }
}

describe('WatchApp', () => {
  it('moves the selection, opens the detail pane and the help overlay on keys, at once', async () => {
    const { app, frame } = mount()
    await tick()
    expect(frame()).toMatch(/› srv-0001/)
    app.stdin.write('j')
    expect(await until(frame, (t) => t.includes('› srv-0002'))).toMatch(/› srv-0002/)
    app.stdin.write('\r')
    expect(await until(frame, (t) => t.includes('─ srv-0002'))).toContain('─ srv-0002 ─ waiting')
    app.stdin.write('?')
    expect(await until(frame, (t) => t.includes('keys:'))).toContain(
      'keys: ? or Esc closes this help',
    )
  })

  it('types into the filter after / and clears it with Esc', async () => {
    const { app, frame } = mount()
    await tick()
    app.stdin.write('/')
    await until(frame, (t) => t.includes('█'))
    app.stdin.write('3')
    expect(await until(frame, (t) => t.includes('filter "3"'))).not.toContain('srv-0001')
    app.stdin.write('\u001b')
    expect(await until(frame, (t) => t.includes('srv-0001'))).toContain('srv-0001')
  })

  it('redraws data changes at most once per refresh period', async () => {
    const { store, app, frame } = mount(200)
    await tick()
    const before = app.frames.length
    for (let i = 0; i < 50; i++) {
      store.dispatch({
        type: 'updates',
        updates: [
          { serverId: 'srv-0001', at: T0 + i, command: { name: 'START', taskId: `t${i}` } },
        ],
      })
    }
    await tick(50)
    expect(app.frames.length - before).toBeLessThanOrEqual(1)
    await tick(250)
    expect(frame()).toContain('t49')
    expect(app.frames.length - before).toBeLessThanOrEqual(2)
  })

  it('quits on q and on Ctrl-C', async () => {
    for (const key of ['q', '\u0003']) {
      const { store, app } = mount()
      await tick()
      app.stdin.write(key)
      for (let i = 0; i < 150 && !store.getState().quit; i++) await tick(20)
      expect(store.getState().quit).toBe(true)
      app.unmount()
    }
  })
})
