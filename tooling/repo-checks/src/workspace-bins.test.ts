/**
 * Every CLI's `bin` is a tracked launcher, not a file in dist/: pnpm links the bins of workspace
 * packages at install time, before the build has made dist/, and warned "Failed to create bin"
 * ten times on a fresh clone's first install. The launcher imports the built entry, whose source
 * must exist (so a renamed entry can't leave a bin pointing at nothing).
 */

import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { manifestOf, PUBLISHED_PACKAGES, repoRoot, trackedFiles } from './repo.ts'

const withBins = PUBLISHED_PACKAGES.flatMap((dir) => {
  const bin = (manifestOf(dir).bin ?? {}) as Record<string, string>
  return Object.entries(bin).map(([name, target]) => [dir, name, target] as const)
})

describe('the workspace CLIs', () => {
  it('exist (agent, mock, watch)', () => {
    expect(withBins.map(([, name]) => name).sort()).toEqual(['sms-agent', 'sms-mock', 'sms-watch'])
  })

  it.each(withBins)(
    '%s: %s is a tracked, executable launcher of a built entry',
    (dir, _, target) => {
      const path = `${dir}/${target.replace(/^\.\//, '')}`
      expect(target).not.toMatch(/^\.?\/?dist\//)
      expect(trackedFiles()).toContain(path)
      const text = readFileSync(join(repoRoot, path), 'utf8')
      expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true)
      expect(statSync(join(repoRoot, path)).mode & 0o111).not.toBe(0)
      const entry = /^import '\.\.\/dist\/([\w-]+)\.js'$/m.exec(text)?.[1]
      expect(entry).toBeDefined()
      expect(existsSync(join(repoRoot, dir, 'src', `${entry}.ts`))).toBe(true)
      expect(manifestOf(dir).files).toContain('bin')
    },
  )
})
