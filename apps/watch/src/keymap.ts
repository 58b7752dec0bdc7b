/**
 * The one keymap: input handling looks keys up here and the `?` overlay and the footer are
 * generated from it, so help can never drift from behaviour.
 *
 * @module
 */

/** What a key asks the UI to do. Pure data, folded by the reducer. */
export type UiAction =
  | { type: 'move'; by: number }
  | { type: 'page'; by: 1 | -1 }
  | { type: 'jump'; to: 'top' | 'bottom' }
  | { type: 'detail-toggle' }
  | { type: 'back' }
  | { type: 'filter-start' }
  | { type: 'filter-input'; text: string }
  | { type: 'filter-backspace' }
  | { type: 'filter-commit' }
  | { type: 'filter-clear' }
  | { type: 'sort-cycle' }
  | { type: 'sort-reverse' }
  | { type: 'pause-toggle' }
  | { type: 'interval-step'; by: 1 | -1 }
  | { type: 'help-toggle' }
  | { type: 'quit' }

/** Where input goes: the table, the filter prompt, or the help overlay. */
export type InputMode = 'table' | 'filter' | 'help'

/** One row of the keymap. */
export interface KeyBinding {
  /** Normalised key names (see {@link keyNames}). */
  keys: readonly string[]
  /** How the help overlay writes the keys. */
  label: string
  description: string
  /** Short form for the footer; bindings without one are only in the overlay. */
  hint?: string
  modes: readonly InputMode[]
  action: UiAction
  group: 'Navigate' | 'View' | 'Filter' | 'Polling' | 'General'
}

const TABLE: readonly InputMode[] = ['table']
const TABLE_AND_FILTER: readonly InputMode[] = ['table', 'filter']

/**
 * Every key the watch understands, by mode. The help overlay lists these rows in this order.
 *
 * @example
 * KEYMAP.find((binding) => binding.keys.includes('j'))?.action // { type: 'move', by: 1 }
 */
export const KEYMAP: readonly KeyBinding[] = [
  {
    keys: ['up', 'k'],
    label: '↑ k',
    description: 'select the server above',
    hint: 'move',
    modes: TABLE_AND_FILTER,
    action: { type: 'move', by: -1 },
    group: 'Navigate',
  },
  {
    keys: ['down', 'j'],
    label: '↓ j',
    description: 'select the server below',
    modes: TABLE_AND_FILTER,
    action: { type: 'move', by: 1 },
    group: 'Navigate',
  },
  {
    keys: ['pageup', 'ctrl+b'],
    label: 'PgUp ^B',
    description: 'one page up',
    modes: TABLE_AND_FILTER,
    action: { type: 'page', by: -1 },
    group: 'Navigate',
  },
  {
    keys: ['pagedown', 'ctrl+f'],
    label: 'PgDn ^F',
    description: 'one page down',
    modes: TABLE_AND_FILTER,
    action: { type: 'page', by: 1 },
    group: 'Navigate',
  },
  {
    keys: ['g', 'home'],
    label: 'g Home',
    description: 'first server',
    modes: TABLE,
    action: { type: 'jump', to: 'top' },
    group: 'Navigate',
  },
  {
    keys: ['G', 'end'],
    label: 'G End',
    description: 'last server',
    modes: TABLE,
    action: { type: 'jump', to: 'bottom' },
    group: 'Navigate',
  },
  {
    keys: ['enter'],
    label: 'Enter',
    description: 'open or close the detail pane of the selected server',
    hint: 'detail',
    modes: TABLE,
    action: { type: 'detail-toggle' },
    group: 'View',
  },
  {
    keys: ['escape'],
    label: 'Esc',
    description: 'close the detail pane, else clear the filter',
    modes: TABLE,
    action: { type: 'back' },
    group: 'View',
  },
  {
    keys: ['s'],
    label: 's',
    description: 'sort by the next column',
    hint: 'sort',
    modes: TABLE,
    action: { type: 'sort-cycle' },
    group: 'View',
  },
  {
    keys: ['r'],
    label: 'r',
    description: 'reverse the sort order',
    modes: TABLE,
    action: { type: 'sort-reverse' },
    group: 'View',
  },
  {
    keys: ['p', ' '],
    label: 'p Space',
    description: 'pause or resume the display (polling carries on)',
    hint: 'pause',
    modes: TABLE,
    action: { type: 'pause-toggle' },
    group: 'View',
  },
  {
    keys: ['/'],
    label: '/',
    description:
      'filter servers and events (id, name, state, command, task, error); all words match',
    hint: 'filter',
    modes: TABLE,
    action: { type: 'filter-start' },
    group: 'Filter',
  },
  {
    keys: ['enter'],
    label: 'Enter',
    description: 'keep the filter and return to the table',
    hint: 'keep',
    modes: ['filter'],
    action: { type: 'filter-commit' },
    group: 'Filter',
  },
  {
    keys: ['escape'],
    label: 'Esc',
    description: 'clear the filter',
    hint: 'clear',
    modes: ['filter'],
    action: { type: 'filter-clear' },
    group: 'Filter',
  },
  {
    keys: ['backspace'],
    label: 'Backspace',
    description: 'delete the last filter character',
    hint: 'delete',
    modes: ['filter'],
    action: { type: 'filter-backspace' },
    group: 'Filter',
  },
  {
    keys: ['+', '='],
    label: '+',
    description: 'poll less often (longer interval)',
    hint: 'interval',
    modes: TABLE,
    action: { type: 'interval-step', by: 1 },
    group: 'Polling',
  },
  {
    keys: ['-', '_'],
    label: '-',
    description: 'poll more often (shorter interval)',
    modes: TABLE,
    action: { type: 'interval-step', by: -1 },
    group: 'Polling',
  },
  {
    keys: ['?'],
    label: '?',
    description: 'show or hide this help',
    hint: 'help',
    modes: ['table', 'help'],
    action: { type: 'help-toggle' },
    group: 'General',
  },
  {
    keys: ['escape'],
    label: 'Esc',
    description: 'close this help',
    modes: ['help'],
    action: { type: 'help-toggle' },
    group: 'General',
  },
  {
    keys: ['q', 'ctrl+c'],
    label: 'q ^C',
    description: 'quit and restore the terminal',
    hint: 'quit',
    modes: ['table', 'help'],
    action: { type: 'quit' },
    group: 'General',
  },
  {
    keys: ['ctrl+c'],
    label: '^C',
    description: 'quit',
    modes: ['filter'],
    action: { type: 'quit' },
    group: 'General',
  },
]

/** The subset of Ink's `Key` that {@link keyNames} reads. */
export interface InkKey {
  upArrow?: boolean
  downArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  home?: boolean
  end?: boolean
  return?: boolean
  escape?: boolean
  backspace?: boolean
  delete?: boolean
  tab?: boolean
  ctrl?: boolean
}

/**
 * Normalises an Ink keypress to keymap names: `up`, `pagedown`, `enter`, `escape`, `backspace`,
 * `ctrl+c`, or the characters typed (one name per character, so a paste of `jjj` moves three).
 *
 * @example
 * keyNames('', { downArrow: true }) // ['down']
 * keyNames('c', { ctrl: true }) // ['ctrl+c']
 */
export function keyNames(input: string, key: InkKey): string[] {
  if (key.upArrow) return ['up']
  if (key.downArrow) return ['down']
  if (key.pageUp) return ['pageup']
  if (key.pageDown) return ['pagedown']
  if (key.home) return ['home']
  if (key.end) return ['end']
  if (key.return) return ['enter']
  if (key.escape) return ['escape']
  // Most terminals send DEL (0x7f) for the Backspace key, which Ink calls `delete`.
  if (key.backspace || key.delete) return ['backspace']
  if (key.tab) return ['tab']
  if (key.ctrl) return input ? [`ctrl+${input.toLowerCase()}`] : []
  return splitKeys(input)
}

/** Escape sequences of the keys the keymap binds, as terminals send them (CSI and SS3 forms). */
const ESCAPE_SEQUENCES: ReadonlyArray<readonly [string, string]> = [
  ['\u001b[A', 'up'],
  ['\u001bOA', 'up'],
  ['\u001b[B', 'down'],
  ['\u001bOB', 'down'],
  ['\u001b[5~', 'pageup'],
  ['\u001b[6~', 'pagedown'],
  ['\u001b[H', 'home'],
  ['\u001bOH', 'home'],
  ['\u001b[1~', 'home'],
  ['\u001b[F', 'end'],
  ['\u001bOF', 'end'],
  ['\u001b[4~', 'end'],
  // The Delete key: Ink calls it `delete`, which a lone keypress maps to backspace too.
  ['\u001b[3~', 'backspace'],
]

/**
 * Names for a run of bytes that arrived together (typed fast, pasted, `tmux send -l`): Ink then
 * passes the whole run as text with no key flags, so each control byte is named here exactly as
 * it would be when it arrives alone — DEL and BS are `backspace`, CR and LF `enter`, ESC
 * `escape`, other C0 bytes `ctrl+letter`.
 *
 * @example
 * splitKeys('ab\u007f\u007f') // ['a', 'b', 'backspace', 'backspace']
 */
export function splitKeys(input: string): string[] {
  const names: string[] = []
  let index = 0
  while (index < input.length) {
    const char = input[index] as string
    if (char === '\u001b') {
      const sequence = ESCAPE_SEQUENCES.find(([bytes]) => input.startsWith(bytes, index))
      if (sequence) {
        names.push(sequence[1])
        index += sequence[0].length
      } else {
        names.push('escape')
        index++
      }
      continue
    }
    const code = char.charCodeAt(0)
    if (char === '\u007f' || char === '\b') names.push('backspace')
    else if (char === '\r' || char === '\n') names.push('enter')
    else if (char === '\t') names.push('tab')
    else if (code >= 1 && code <= 26) names.push(`ctrl+${String.fromCharCode(code + 96)}`)
    else if (code < 0x20) {
      // Other C0 bytes (NUL, FS…) mean nothing to the watch.
    } else {
      const point = input.codePointAt(index) as number
      const text = String.fromCodePoint(point)
      names.push(text)
      index += text.length
      continue
    }
    index++
  }
  return names
}

/**
 * The action a key means in a mode, or undefined. In the filter prompt any other printable
 * character is typed into the filter.
 *
 * @example
 * keyToAction('table', 'j') // { type: 'move', by: 1 }
 * keyToAction('filter', 'j') // { type: 'filter-input', text: 'j' }
 */
export function keyToAction(mode: InputMode, name: string): UiAction | undefined {
  if (mode === 'filter' && isPrintable(name)) return { type: 'filter-input', text: name }
  const binding = KEYMAP.find((entry) => entry.modes.includes(mode) && entry.keys.includes(name))
  return binding?.action
}

function isPrintable(name: string): boolean {
  return Array.from(name).length === 1 && name >= ' ' && name !== '\u007f'
}

/**
 * The help overlay's lines, grouped, generated from {@link KEYMAP}.
 *
 * @example
 * helpLines()[0] // 'Navigate'
 */
export function helpLines(): string[] {
  const lines: string[] = []
  const width = Math.max(...KEYMAP.map((binding) => binding.label.length))
  let group: string | undefined
  for (const binding of KEYMAP) {
    if (binding.group !== group) {
      if (group !== undefined) lines.push('')
      group = binding.group
      lines.push(group)
    }
    const where = binding.modes.includes('table') ? '' : ` (in ${binding.modes.join('/')})`
    lines.push(`  ${binding.label.padEnd(width)}  ${binding.description}${where}`)
  }
  return lines
}

/**
 * The footer's key hints for a mode, generated from {@link KEYMAP}.
 *
 * @example
 * footerHints('table') // ['↑ k move', 'Enter detail', …]
 */
export function footerHints(mode: InputMode): string[] {
  if (mode === 'filter') {
    return KEYMAP.filter((binding) => binding.modes.includes('filter') && binding.hint).map(
      (binding) => `${binding.label} ${binding.hint}`,
    )
  }
  if (mode === 'help') {
    return KEYMAP.filter((binding) => binding.modes.includes('help')).map(
      (binding) =>
        `${binding.label.split(' ')[0]} ${binding.action.type === 'quit' ? 'quit' : 'close'}`,
    )
  }
  return KEYMAP.filter((binding) => binding.hint && binding.modes.includes('table')).map(
    (binding) => `${binding.label.split(' ')[0]} ${binding.hint}`,
  )
}
