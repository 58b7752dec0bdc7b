import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  decodeTextFile,
  isTextFileEncodingError,
  readTextFile,
  stripBom,
  TextFileEncodingError,
} from './read-text-file.ts'

const utf16le = (text: string) =>
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
const utf16be = (text: string) => {
  const le = Buffer.from(text, 'utf16le')
  return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()])
}

async function fileWith(bytes: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-kit-text-'))
  const file = join(dir, 'password')
  await writeFile(file, bytes)
  return file
}

function failureOf(bytes: Uint8Array): TextFileEncodingError {
  try {
    decodeTextFile(bytes, '/etc/sms-agent/iam-password')
  } catch (error) {
    if (isTextFileEncodingError(error)) return error
    throw error
  }
  throw new Error('decoded')
}

describe('readTextFile', () => {
  it('reads a file saved with a UTF-8 BOM (Notepad, PowerShell 5.1) without the invisible first character', async () => {
    const file = await fileWith(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('s3cret\r\n')]),
    )
    expect(await readTextFile(file)).toBe('s3cret\r\n')
  })

  it("reads UTF-16 LE with its BOM, what PowerShell 5.1's `echo pw > file` and Out-File write", async () => {
    expect(await readTextFile(await fileWith(utf16le('pässwörd-日本\r\n')))).toBe(
      'pässwörd-日本\r\n',
    )
    expect(decodeTextFile(utf16le('{"interval": "1m"}\r\n'), 'config.json')).toBe(
      '{"interval": "1m"}\r\n',
    )
  })

  it('reads UTF-16 BE with its BOM', () => {
    expect(decodeTextFile(utf16be('s3cret-€\n'), 'password')).toBe('s3cret-€\n')
  })

  it('reads plain UTF-8, multi-byte characters included', () => {
    expect(decodeTextFile(Buffer.from('pässwörd 🔑\n'), 'password')).toBe('pässwörd 🔑\n')
    expect(decodeTextFile(new Uint8Array(), 'empty')).toBe('')
  })

  it('refuses a legacy code page (Windows-1252 "é") naming the offset and how to re-save, never the content', () => {
    const error = failureOf(Buffer.from([0x73, 0x33, 0x63, 0xe9, 0x74, 0x0d, 0x0a]))
    expect(error).toBeInstanceOf(TextFileEncodingError)
    expect(error.name).toBe('TextFileEncodingError')
    expect(error.path).toBe('/etc/sms-agent/iam-password')
    expect(error.offset).toBe(3)
    expect(error.message).toContain('not UTF-8 text: byte 0xE9 at offset 3')
    expect(error.message).toContain('save it as UTF-8')
    expect(error.message).not.toContain('s3c')
    expect(error.cause).toBeDefined()
  })

  it('counts the offset from the start of the file when a UTF-8 BOM came first', () => {
    const error = failureOf(Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff]))
    expect(error.offset).toBe(4)
    expect(error.message).toContain('byte 0xFF at offset 4')
  })

  it('refuses UTF-16 without a BOM (NUL bytes) and UTF-16 cut in the middle of a character', () => {
    const noBom = failureOf(Buffer.from('pw', 'utf16le'))
    expect(noBom.message).toContain('a NUL byte at offset 1')
    expect(noBom.message).toContain('UTF-16 saved without its byte order mark?')
    const odd = failureOf(Buffer.concat([utf16le('pw'), Buffer.from([0x41])]))
    expect(odd.message).toContain('an odd number of bytes')
    const lone = failureOf(Buffer.from([0xff, 0xfe, 0x00, 0xd8, 0x41, 0x00]))
    expect(lone.message).toContain('an unpaired surrogate')
  })

  it('leaves text without a BOM, and a U+FEFF later in the text, as they are', () => {
    expect(stripBom('plain')).toBe('plain')
    expect(stripBom('a\uFEFFb')).toBe('a\uFEFFb')
    expect(stripBom('\uFEFF')).toBe('')
  })
})
