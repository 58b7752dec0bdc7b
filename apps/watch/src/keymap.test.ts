import { describe, expect, it } from 'vitest'
import { footerHints, helpLines, KEYMAP, keyNames, keyToAction } from './keymap.ts'

describe('keyNames', () => {
  it('names special keys', () => {
    expect(keyNames('', { upArrow: true })).toEqual(['up'])
    expect(keyNames('', { pageDown: true })).toEqual(['pagedown'])
    expect(keyNames('', { return: true })).toEqual(['enter'])
    expect(keyNames('', { escape: true })).toEqual(['escape'])
    expect(keyNames('', { delete: true })).toEqual(['backspace'])
    expect(keyNames('c', { ctrl: true })).toEqual(['ctrl+c'])
  })

  it('splits pasted text into one key per character', () => {
    expect(keyNames('jjk', {})).toEqual(['j', 'j', 'k'])
    expect(keyNames('G', {})).toEqual(['G'])
  })

  it('names control bytes that arrive together as they would be named alone', () => {
    expect(keyNames('\u007f\u007f', {})).toEqual(['backspace', 'backspace'])
    expect(keyNames('\b\b', {})).toEqual(['backspace', 'backspace'])
    expect(keyNames('ab\u007fc', {})).toEqual(['a', 'b', 'backspace', 'c'])
    expect(keyNames('x\r\r', {})).toEqual(['x', 'enter', 'enter'])
    expect(keyNames('\n', {})).toEqual(['enter'])
    expect(keyNames('\t\u0003', {})).toEqual(['tab', 'ctrl+c'])
    expect(keyNames('\u001b\u001b', {})).toEqual(['escape', 'escape'])
    expect(keyNames('\u001b[A\u001b[B\u001b[6~\u001b[3~', {})).toEqual([
      'up',
      'down',
      'pagedown',
      'backspace',
    ])
    expect(keyNames('db-🚀', {})).toEqual(['d', 'b', '-', '🚀'])
  })

  it('turns batched backspaces into filter deletions, not typed text', () => {
    const actions = keyNames('\u007f\b', {}).map((name) => keyToAction('filter', name))
    expect(actions).toEqual([{ type: 'filter-backspace' }, { type: 'filter-backspace' }])
  })
})

describe('keyToAction', () => {
  it('maps each documented key to its action', () => {
    expect(keyToAction('table', 'k')).toEqual({ type: 'move', by: -1 })
    expect(keyToAction('table', 'down')).toEqual({ type: 'move', by: 1 })
    expect(keyToAction('table', 'pageup')).toEqual({ type: 'page', by: -1 })
    expect(keyToAction('table', 'G')).toEqual({ type: 'jump', to: 'bottom' })
    expect(keyToAction('table', 'enter')).toEqual({ type: 'detail-toggle' })
    expect(keyToAction('table', '/')).toEqual({ type: 'filter-start' })
    expect(keyToAction('table', 's')).toEqual({ type: 'sort-cycle' })
    expect(keyToAction('table', 'r')).toEqual({ type: 'sort-reverse' })
    expect(keyToAction('table', 'p')).toEqual({ type: 'pause-toggle' })
    expect(keyToAction('table', '+')).toEqual({ type: 'interval-step', by: 1 })
    expect(keyToAction('table', '-')).toEqual({ type: 'interval-step', by: -1 })
    expect(keyToAction('table', '?')).toEqual({ type: 'help-toggle' })
    expect(keyToAction('table', 'q')).toEqual({ type: 'quit' })
    expect(keyToAction('table', 'ctrl+c')).toEqual({ type: 'quit' })
  })

  it('types printable characters in the filter prompt but still navigates with arrows', () => {
    expect(keyToAction('filter', 'q')).toEqual({ type: 'filter-input', text: 'q' })
    expect(keyToAction('filter', ' ')).toEqual({ type: 'filter-input', text: ' ' })
    expect(keyToAction('filter', 'down')).toEqual({ type: 'move', by: 1 })
    expect(keyToAction('filter', 'escape')).toEqual({ type: 'filter-clear' })
  })

  it('binds no key twice within a mode', () => {
    for (const mode of ['table', 'filter', 'help'] as const) {
      const keys = KEYMAP.filter((binding) => binding.modes.includes(mode)).flatMap((b) => b.keys)
      expect(new Set(keys).size).toBe(keys.length)
    }
  })
})

describe('generated help', () => {
  it('lists every binding of the keymap with its description', () => {
    const text = helpLines().join('\n')
    for (const binding of KEYMAP) {
      expect(text).toContain(binding.label)
      expect(text).toContain(binding.description)
    }
  })

  it('builds footer hints from the bindings that have one', () => {
    expect(footerHints('table')).toEqual([
      '↑ move',
      'Enter detail',
      's sort',
      'p pause',
      '/ filter',
      '+ interval',
      '? help',
      'q quit',
    ])
    expect(footerHints('help')).toEqual(['? close', 'Esc close', 'q quit'])
    expect(footerHints('filter')).toEqual([
      '↑ k move',
      'Enter keep',
      'Esc clear',
      'Backspace delete',
    ])
  })
})
