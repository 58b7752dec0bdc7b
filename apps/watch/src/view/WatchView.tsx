import { Box, Text, useIsScreenReaderEnabled } from 'ink'
import { memo } from 'react'
import type { WatchState } from '../reducer.ts'
import { asciiRuns, styledText } from './ansi.ts'
import { buildFrame } from './frame.ts'
import { type Line, lineText, sameLine } from './line.ts'

/** Props of {@link WatchView}. */
export interface WatchViewProps {
  state: WatchState
  /** False under `NO_COLOR`: colours are dropped; bold, dim and inverse stay. */
  color: boolean
}

// One `<Text>` per run of ASCII or of glyphs, each already styled (see ansi.ts): the fewest nodes
// for Ink to lay out and the shortest strings for it to measure over grapheme clusters.
const FrameLine = memo(
  function FrameLine({ line, color }: { line: Line; color: boolean }) {
    // A screen reader gets the words, as Ink's `<Text>` drops its styles for one.
    const reader = useIsScreenReaderEnabled()
    if (line.length === 0) return <Text> </Text>
    if (reader) return <Text wrap="truncate-end">{lineText(line)}</Text>
    const runs = asciiRuns(line)
    if (runs.length === 1) return <Text wrap="truncate-end">{styledText(line, color)}</Text>
    return (
      <Box flexDirection="row">
        {runs.map((run, index) => (
          <Text key={index} wrap="truncate-end">
            {styledText(run, color)}
          </Text>
        ))}
      </Box>
    )
  },
  (before, after) => before.color === after.color && sameLine(before.line, after.line),
)

/**
 * Draws a frame of the watch: header, table, detail pane, event log and footer, or the help
 * overlay. Every line comes from {@link buildFrame}, so the frame is never taller than the
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
