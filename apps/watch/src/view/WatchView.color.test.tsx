import { describe, expect, it } from 'vitest'

// Chalk decides its colour level when first imported, and a test runner's stdout is no TTY: force
// colours on before loading Ink, so this file (isolated by vitest) can see what `color` changes.
process.env.FORCE_COLOR = '1'
const { render } = await import('ink-testing-library')
const { WatchView } = await import('./WatchView.tsx')
const { apply, fleetState, stripAnsi, T0 } = await import('../../test/fixtures.ts')

const ESC = String.fromCharCode(27)
const foregroundColours = (frame: string) =>
  frame
    .split(ESC)
    .slice(1)
    .filter((sequence) => /^\[(3[0-7]|9[0-7])m/.test(sequence))

describe('colour', () => {
  const state = apply(fleetState(2), {
    type: 'updates',
    updates: [
      { serverId: 'srv-0001', at: T0 + 1, command: { name: 'DELETE' } },
      { serverId: 'srv-0002', at: T0 + 1, error: { status: 500, message: 'boom', at: T0 } },
    ],
  })

  function frame(color: boolean): string {
    const instance = render(<WatchView state={state} color={color} />)
    const output = instance.lastFrame() ?? ''
    instance.unmount()
    return output
  }

  it('colours states and commands when colour is on', () => {
    expect(foregroundColours(frame(true)).length).toBeGreaterThan(0)
  })

  it('draws no colour under NO_COLOR, but the same text (the command name stays)', () => {
    const plain = frame(false)
    expect(foregroundColours(plain)).toEqual([])
    expect(plain).toContain(`${ESC}[`) // bold, dim and inverse remain
    expect(stripAnsi(plain)).toBe(stripAnsi(frame(true)))
    expect(stripAnsi(plain)).toMatch(/srv-0001\s+pending\s+DELETE/)
  })
})
