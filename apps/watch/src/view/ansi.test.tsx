import { describe, expect, it } from 'vitest'

// Chalk decides its colour level when first imported, and a test runner's stdout is no TTY: force
// colours on before loading Ink, so this file (isolated by vitest) compares styled bytes.
process.env.FORCE_COLOR = '1'
const { Box, Text } = await import('ink')
const { render } = await import('ink-testing-library')
const { styledText } = await import('./ansi.ts')
const { buildFrame } = await import('./frame.ts')
const { WatchView } = await import('./WatchView.tsx')
const { apply, fleetState, idleUpdates, press, serverIds, T0 } = await import(
  '../../test/fixtures.ts'
)
type Line = import('./line.ts').Line
type WatchState = import('../reducer.ts').WatchState

// ink-testing-library draws 100 columns, as wide as the state says the terminal is.
// How lines were drawn before styledText: one nested Ink `<Text>` per styled segment. The frame
// drawn now must be byte for byte what this draws.
function ReferenceView({ state, color }: { state: WatchState; color: boolean }) {
  return (
    <Box flexDirection="column">
      {buildFrame(state).map((line, index) => (
        <ReferenceLine key={index} line={line} color={color} />
      ))}
    </Box>
  )
}

function ReferenceLine({ line, color }: { line: Line; color: boolean }) {
  if (line.length === 0) return <Text> </Text>
  return (
    <Text wrap="truncate-end">
      {line.map((segment, index) => {
        const style = segment.style
        if (!style) return segment.text
        return (
          <Text
            key={index}
            {...(color && style.color ? { color: style.color } : {})}
            {...(style.bold ? { bold: true } : {})}
            {...(style.dim ? { dimColor: true } : {})}
            {...(style.inverse ? { inverse: true } : {})}
          >
            {segment.text}
          </Text>
        )
      })}
    </Text>
  )
}

function frameOf(element: React.ReactElement): string {
  const instance = render(element)
  const frame = instance.lastFrame() ?? ''
  instance.unmount()
  return frame
}

function variedFleet(): WatchState {
  const ids = serverIds(5)
  return press(
    apply(
      fleetState(5, { rows: 30, cols: 100 }),
      { type: 'updates', updates: idleUpdates(ids) },
      {
        type: 'updates',
        updates: [
          { serverId: 'srv-0002', at: T0 + 2_000, command: { name: 'DELETE', taskId: 't-2' } },
          { serverId: 'srv-0003', at: T0 + 2_100, command: { name: 'CUSTOM' } },
          {
            serverId: 'srv-0004',
            at: T0 + 2_200,
            error: {
              status: 503,
              code: 'SMS.2007',
              message: '北京 服务 异常 👨‍👩‍👧',
              at: T0 + 2_200,
            },
          },
        ],
      },
      { type: 'tick', now: T0 + 5_000 },
    ),
    'down',
    'enter',
  )
}

describe('styledText', () => {
  it('draws what nested Ink <Text> elements draw, with colour and without', () => {
    const state = variedFleet()
    for (const color of [true, false]) {
      const drawn = frameOf(<WatchView state={state} color={color} />)
      expect(drawn).toContain('\u001b[')
      expect(drawn).toBe(frameOf(<ReferenceView state={state} color={color} />))
    }
  })

  it('keeps bold, dim and inverse and drops colours when colour is off', () => {
    const line: Line = [
      { text: 'a', style: { color: 'red', bold: true } },
      { text: 'b', style: { dim: true, inverse: true } },
    ]
    expect(styledText(line, true)).toBe(
      '\u001b[1m\u001b[31ma\u001b[39m\u001b[22m\u001b[7m\u001b[2mb\u001b[22m\u001b[27m',
    )
    expect(styledText(line, false)).toBe(
      '\u001b[1ma\u001b[22m\u001b[7m\u001b[2mb\u001b[22m\u001b[27m',
    )
    expect(styledText([{ text: 'plain' }], true)).toBe('plain')
  })
})
