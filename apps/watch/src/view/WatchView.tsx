import { Box, Text } from 'ink'
import { memo } from 'react'
import type { WatchState } from '../reducer.ts'
import { buildFrame, type Line, sameLine } from './frame.ts'

/** Props of {@link WatchView}. */
export interface WatchViewProps {
  state: WatchState
  /** False under `NO_COLOR`: colours are dropped; bold, dim and inverse stay. */
  color: boolean
}

const FrameLine = memo(
  function FrameLine({ line, color }: { line: Line; color: boolean }) {
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
