import { Box, Text, useIsScreenReaderEnabled } from 'ink'
import { memo } from 'react'
import type { WatchState } from '../reducer.ts'
import { styledText } from './ansi.ts'
import { buildFrame } from './frame.ts'
import { type Line, lineText, sameLine } from './line.ts'

/** Props of {@link WatchView}. */
export interface WatchViewProps {
  state: WatchState
  /** False under `NO_COLOR`: colours are dropped; bold, dim and inverse stay. */
  color: boolean
}

// One styled `<Text>` per line (see ansi.ts). Splitting a line further (ASCII apart from glyphs,
// column padding as blank boxes) cut the characters Ink tokenizes, but cost more in nodes (React
// fibers, Yoga nodes, Ink's per-node squash and measure) than it saved: 41 against 35 ms of CPU
// per frame in the bench's default run, where frames come twice a second and Ink's per-node code
// stays cold (docs/benchmarks.md).
const FrameLine = memo(
  function FrameLine({ line, color }: { line: Line; color: boolean }) {
    // A screen reader gets the words, as Ink's `<Text>` drops its styles for one.
    const reader = useIsScreenReaderEnabled()
    if (line.length === 0) return <Text> </Text>
    return <Text wrap="truncate-end">{reader ? lineText(line) : styledText(line, color)}</Text>
  },
  (before, after) => before.color === after.color && sameLine(before.line, after.line),
)

/**
 * Draws a frame of the watch: header, table, detail pane, event log and footer, or the help
 * overlay. Every line comes from the frame builder (`buildFrame`), so the frame is never taller than the
 * terminal.
 *
 * @example
 * render(<WatchView state={state} color={!process.env.NO_COLOR} />)
 */
export function WatchView({ state, color }: WatchViewProps) {
  const lines = buildFrame(state)
  return (
    <Box flexDirection="column">
      {lines.map((line, index) => (
        <FrameLine key={index} line={line} color={color} />
      ))}
    </Box>
  )
}
