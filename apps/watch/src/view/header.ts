/**
 * The header: which sources feed the watch and how they are doing, then the fleet's totals.
 *
 * @module
 */

import type { SourceStatus } from '../model.ts'
import { displayed, effectiveIntervalMs, pollRate, type WatchState } from '../reducer.ts'
import { formatAge } from '../server-view.ts'
import { fleetTotals } from '../view-model.ts'
import { cellWidth, clean, formatClock, truncateCells } from './format.ts'
import { type Line, lineWidth, type Segment, seg } from './line.ts'
import { commandColor } from './palette.ts'

/**
 * Segments of the sources line that may be cut when it is too long, with the fewest cells each
 * keeps and the pass that cuts it: targets (URLs) first, then error messages; status markers are
 * never cut.
 */
const SHRINKABLE = new WeakMap<Segment, { min: number; pass: number }>()
const TARGET_PASS = 0
const MESSAGE_PASS = 1
const shrinkable = (segment: Segment, min: number, pass = MESSAGE_PASS): Segment => {
  SHRINKABLE.set(segment, { min, pass })
  return segment
}

function sourceText(source: SourceStatus): Segment[] {
  const label = `${source.kind} ${clean(source.target)}`
  // Cut to the kind and an ellipsis ("api … ") before any status or message is.
  const labelSegment = shrinkable(seg(`${label} `), source.kind.length + 3, TARGET_PASS)
  if (source.status === 'ok') {
    // The fleet list isn't a stream: it says what it found rather than "live".
    const text = source.kind === 'fleet' && source.message ? `● ${source.message}` : '● live'
    return [labelSegment, seg(text, { color: 'green' })]
  }
  if (source.status === 'connecting')
    return [labelSegment, seg('○ connecting', { color: 'yellow' })]
  if (source.status === 'stale')
    return [
      labelSegment,
      seg(`◌ stale since ${formatClock(source.since ?? source.at)}`, { color: 'yellow' }),
    ]
  return [
    labelSegment,
    shrinkable(seg(`✗ ${clean(source.message ?? 'error')}`, { color: 'red', bold: true }), 12),
  ]
}

// One source of a kind is shown in full; several (ten agents, say) as one tally, with the first
// failure spelled out, so the header stays one line.
function sourceGroups(sources: readonly SourceStatus[]): Segment[][] {
  const kinds = new Map<string, SourceStatus[]>()
  for (const source of sources) kinds.set(source.kind, [...(kinds.get(source.kind) ?? []), source])
  const groups: Segment[][] = []
  const order = (kind: string) => ['api', 'mock', 'agent'].indexOf(kind) >>> 0
  for (const [kind, members] of [...kinds].sort((a, b) => order(a[0]) - order(b[0]))) {
    const [only] = members
    if (members.length === 1 && only) {
      groups.push(sourceText(only))
      continue
    }
    const live = members.filter((source) => source.status === 'ok').length
    const connecting = members.filter((source) => source.status === 'connecting').length
    const failed = members.filter((source) => source.status === 'error')
    const group: Segment[] = [
      seg(`${members.length} ${kind}s `),
      seg(`● ${live} live`, { color: live > 0 ? 'green' : 'gray' }),
    ]
    if (connecting > 0) group.push(seg(` ○ ${connecting} connecting`, { color: 'yellow' }))
    const stale = members.filter((source) => source.status === 'stale').length
    if (stale > 0) group.push(seg(` ◌ ${stale} stale`, { color: 'yellow' }))
    const first = failed[0]
    if (first) {
      group.push(
        shrinkable(
          seg(
            ` ✗ ${failed.length} failing (${clean(first.target)}: ${clean(first.message ?? 'error')})`,
            { color: 'red', bold: true },
          ),
          12,
        ),
      )
    }
    groups.push(group)
  }
  return groups
}

const rate = (rps: number) =>
  rps >= 10 ? rps.toFixed(0) : rps >= 1 ? rps.toFixed(1) : rps.toFixed(2)

// How often each server is polled, and why when the fleet's budget stretches it.
function pollingSegments(state: WatchState): Segment[] {
  if (!state.intervalApplies) return [seg(' · push')]
  const every = effectiveIntervalMs(state)
  const out: Segment[] = [seg(` · every ${formatAge(every)}`)]
  const budget = state.budget
  if (!budget) return out
  const throttled = budget.rps < budget.maxRps
  out.push(
    seg(
      throttled
        ? ` (budget ${rate(budget.rps)} of ${rate(budget.maxRps)}/s after a 429)`
        : ` (budget ${rate(budget.maxRps)}/s)`,
      throttled ? { color: 'yellow' } : { dim: every <= state.intervalMs },
    ),
  )
  if (budget.heldUntil !== undefined && budget.heldUntil > state.now) {
    // A Retry-After pause: no poll goes out until then, whatever the rate says.
    out.push(seg(` held until ${formatClock(budget.heldUntil)}`, { color: 'yellow', bold: true }))
  }
  return out
}

/** A part of a header line; `drop` says which go first when the line is too long (0: never). */
interface HeaderPart {
  segments: Segment[]
  drop: number
}

/**
 * Joins header parts into a line of at most `cols` cells by leaving out the least important
 * parts first (highest `drop`), keeping the order of those that stay. Parts with `drop` 0 (the
 * budget, the interval, a stale marker) always stay; what still doesn't fit is cut at the edge.
 */
function fitHeader(parts: readonly HeaderPart[], cols: number): Line {
  const kept = [...parts]
  const width = () => kept.reduce((sum, part) => sum + lineWidth(part.segments), 0)
  while (width() > cols) {
    const victim = kept.reduce<HeaderPart | undefined>(
      (worst, part) => (part.drop > 0 && (!worst || part.drop >= worst.drop) ? part : worst),
      undefined,
    )
    if (!victim) break
    kept.splice(kept.indexOf(victim), 1)
  }
  return kept.flatMap((part) => part.segments)
}

/**
 * The two header lines: the sources (each kind's status, messages cut to fit) and the fleet's
 * totals, polling and sort (the least important parts dropped first at narrow widths).
 *
 * @example
 * const [sources, totals] = headerLines(state)
 */
export function headerLines(state: WatchState): Line[] {
  const fleet = displayed(state)
  const totals = fleetTotals(fleet.servers)
  const first: Line = [seg(' sms-watch ', { bold: true, inverse: true }), seg(' ')]
  if (state.frozen) {
    first.push(
      seg(
        ` PAUSED · ${state.updatesWhilePaused} update${state.updatesWhilePaused === 1 ? '' : 's'} held `,
        {
          color: 'yellow',
          bold: true,
          inverse: true,
        },
      ),
      seg(' '),
    )
  }
  if (state.sources.length === 0) first.push(seg('no source', { color: 'red' }))
  sourceGroups(state.sources).forEach((group, index) => {
    if (index > 0) first.push(seg(' · '))
    first.push(...group)
  })

  // At 80 columns not everything fits: the budget and interval (why polls are slow, and when
  // they resume) matter more than the sort order or the per-command breakdown.
  const second: HeaderPart[] = [
    {
      segments: [
        seg(` ${totals.servers} server${totals.servers === 1 ? '' : 's'}`, { bold: true }),
      ],
      drop: 0,
    },
  ]
  const pending = totals.pendingByCommand.reduce((sum, [, count]) => sum + count, 0)
  second.push({ segments: [seg(' · pending '), seg(String(pending), { bold: true })], drop: 3 })
  if (totals.pendingByCommand.length > 0) {
    const breakdown: Segment[] = [seg(' (')]
    totals.pendingByCommand.forEach(([name, count], index) => {
      if (index > 0) breakdown.push(seg(' '))
      breakdown.push(seg(clean(name), { color: commandColor(name) }), seg(` ${count}`))
    })
    breakdown.push(seg(')'))
    second.push({ segments: breakdown, drop: 7 })
  }
  if (totals.byState.running > 0)
    second.push({
      segments: [seg(` · running ${totals.byState.running}`, { color: 'blue' })],
      drop: 4,
    })
  second.push({
    segments: [
      seg(' · errors '),
      seg(String(totals.failing), totals.failing > 0 ? { color: 'red', bold: true } : undefined),
    ],
    drop: 2,
  })
  second.push({
    segments: [
      seg(` · ${pollRate(state).toFixed(1)} ${state.intervalApplies ? 'polls' : 'events'}/s`),
    ],
    drop: 6,
  })
  second.push({ segments: pollingSegments(state), drop: 0 })
  if (state.filter)
    second.push({
      segments: [seg(' · filter '), seg(`"${clean(state.filter)}"`, { color: 'cyan' })],
      drop: 1,
    })
  second.push({
    segments: [seg(` · sort ${state.sort} ${state.sortReversed ? '▼' : '▲'}`, { dim: true })],
    drop: 8,
  })
  return [shortenMessages(first, state.terminal.cols), fitHeader(second, state.terminal.cols)]
}

/**
 * Fits the sources line to `cols` by cutting its long texts (error messages, then targets) a
 * step at a time, longest first, so one long message never pushes another source's status
 * (`● live`, `◌ stale since …`) off the edge.
 */
function shortenMessages(line: Line, cols: number): Line {
  const out = [...line]
  let pass = TARGET_PASS
  const room = (segment: Segment) => {
    const shrink = SHRINKABLE.get(segment)
    return shrink === undefined || shrink.pass !== pass ? 0 : cellWidth(segment.text) - shrink.min
  }
  for (;;) {
    const over = lineWidth(out) - cols
    if (over <= 0) return out
    let most = -1
    for (let index = 0; index < out.length; index++) {
      const segment = out[index] as Segment
      if (room(segment) > 0 && (most < 0 || room(segment) > room(out[most] as Segment)))
        most = index
    }
    if (most < 0) {
      if (pass === MESSAGE_PASS) return out
      pass = MESSAGE_PASS
      continue
    }
    const segment = out[most] as Segment
    const width = cellWidth(segment.text)
    const min = width - room(segment)
    const cut = shrinkable(
      { ...segment, text: truncateCells(clean(segment.text), Math.max(min, width - over)) },
      min,
      pass,
    )
    // A label keeps its trailing space, so the status after it doesn't run into it.
    if (segment.text.endsWith(' ') && !cut.text.endsWith(' '))
      cut.text = `${truncateCells(clean(segment.text), Math.max(min, width - over) - 1)} `
    out[most] = cut
  }
}
