import { Box, Text, useIsScreenReaderEnabled, useStdout } from 'ink'
import { memo } from 'react'
import type { WatchState } from '../reducer.ts'
import { inkPieces, styledText } from './ansi.ts'
import { buildFrame } from './frame.ts'
import { type Line, lineText, sameLine } from './line.ts'

/** Props of {@link WatchView}. */
export interface WatchViewProps {
  state: WatchState
  /** False under `NO_COLOR`: colours are dropped; bold, dim and inverse stay. */
  color: boolean
}

// One `<Text>` per run of ASCII or of glyphs, each already styled, and column padding as blank
// boxes (see ansi.ts): few nodes for Ink to lay out, short strings for it to measure over
// grapheme clusters, and no blank cells for it to tokenize.
const FrameLine = memo(
  function FrameLine({ line, color, whole }: { line: Line; color: boolean; whole: boolean }) {
    // A screen reader gets the words, as Ink's `<Text>` drops its styles for one.
    const reader = useIsScreenReaderEnabled()
    if (line.length === 0) return <Text> </Text>
    if (reader) return <Text wrap="truncate-end">{lineText(line)}</Text>
    if (whole) return <Text wrap="truncate-end">{styledText(line, color)}</Text>
    const pieces = inkPieces(line)
    const [only] = pieces
    if (pieces.length === 1 && only && 'text' in only)
      return <Text wrap="truncate-end">{styledText(only.text, color)}</Text>
    return (
      <Box flexDirection="row">
        {pieces.map((piece, index) =>
          'text' in piece ? (
            <Text key={index} wrap="truncate-end">
              {styledText(piece.text, color)}
            </Text>
          ) : (
            <Box key={index} width={piece.blank} flexShrink={0} />
          ),
        )}
      </Box>
    )
  },
  (before, after) =>
    before.color === after.color &&
    before.whole === after.whole &&
    sameLine(before.line, after.line),
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
  // Lines are built for the state's width. Until a resize reaches the state, Ink may lay out a
  // narrower terminal, where it would shrink every piece of a line: one `<Text>` per line is then
  // cut at the right edge instead.
  // Ink 8 types it as any writable stream; a terminal's (or the test harness's) has its size.
  const inkCols = (useStdout().stdout as { columns?: number }).columns
  const whole = typeof inkCols === 'number' && inkCols > 0 && inkCols < state.terminal.cols
  return (
    <Box flexDirection="column">
      {lines.map((line, index) => (
        <FrameLine key={index} line={line} color={color} whole={whole} />
      ))}
    </Box>
  )
}
