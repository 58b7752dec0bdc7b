import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readTextFile, stripBom } from './read-text-file.ts'

describe('readTextFile', () => {
  it('reads a file saved with a UTF-8 BOM (Notepad, PowerShell 5.1) without the invisible first character', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-kit-bom-'))
    const file = join(dir, 'password')
    await writeFile(
      file,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('s3cret\r\n')]),
    )
    expect(await readTextFile(file)).toBe('s3cret\r\n')
  })

  it('leaves text without a BOM, and a U+FEFF later in the text, as they are', () => {
    expect(stripBom('plain')).toBe('plain')
    expect(stripBom('a\uFEFFb')).toBe('a\uFEFFb')
    expect(stripBom('\uFEFF')).toBe('')
  })
})
