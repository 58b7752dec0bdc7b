import { readFile } from 'node:fs/promises'

/**
 * A file that isn't text in an encoding editors write: invalid UTF-8 without a byte order mark
 * (a legacy code page such as Windows-1252), or NUL bytes without one (UTF-16 saved without its
 * BOM). Its message says where and how to re-save the file, and never quotes the content: the
 * file may hold a password.
 *
 * @example
 * try { await readTextFile(path) } catch (error) {
 *   if (isTextFileEncodingError(error)) console.error(`${error.path}: ${error.message}`)
 * }
 */
export class TextFileEncodingError extends Error {
  override readonly name = 'TextFileEncodingError' as const
  /** The file that was read. */
  readonly path: string
  /** Offset of the first byte that doesn't decode. */
  readonly offset: number

  constructor(path: string, message: string, offset: number, options?: { cause?: unknown }) {
    super(message, options)
    this.path = path
    this.offset = offset
  }
}

/**
 * True for a {@link TextFileEncodingError}.
 *
 * @example
 * if (isTextFileEncodingError(error)) process.exitCode = 2
 */
export function isTextFileEncodingError(error: unknown): error is TextFileEncodingError {
  return error instanceof TextFileEncodingError
}

const RESAVE =
  'save it as UTF-8 (Notepad: Save as, Encoding UTF-8; PowerShell: Set-Content -Encoding utf8)'

/**
 * A file's content as editors on every OS write it. UTF-8, with or without the byte order mark
 * that Notepad and PowerShell put first; UTF-16 with its byte order mark (what PowerShell 5.1's
 * `>` and `Out-File` write, and Notepad's "Unicode"). Anything else is a
 * {@link TextFileEncodingError} rather than a guess: a mis-decoded password is a rejected IAM
 * login that counts toward the lockout, and a BOM read as text is an invisible first character
 * that fails a config at "line 1, column 1". Every file the CLIs read (config, token, password,
 * SK, scenario) goes through here or {@link stripBom}.
 *
 * @example
 * const text = await readTextFile('/etc/sms-agent/config.json')
 */
export async function readTextFile(path: string): Promise<string> {
  return decodeTextFile(await readFile(path), path)
}

/**
 * {@link readTextFile}'s decoding of bytes already read; `path` only names the file in errors.
 *
 * @example
 * decodeTextFile(new Uint8Array([0xff, 0xfe, 0x70, 0x00, 0x77, 0x00]), 'password') // 'pw'
 */
export function decodeTextFile(bytes: Uint8Array, path: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return utf8(bytes.subarray(3), path, 3)
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return utf16(bytes.subarray(2), path, 'le')
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16(bytes.subarray(2), path, 'be')
  const nul = bytes.indexOf(0)
  if (nul !== -1) {
    throw new TextFileEncodingError(
      path,
      `not text: a NUL byte at offset ${nul} (UTF-16 saved without its byte order mark?); ${RESAVE}`,
      nul,
    )
  }
  return utf8(bytes, path, 0)
}

function utf8(bytes: Uint8Array, path: string, skipped: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch (cause) {
    const offset = skipped + firstInvalidUtf8(bytes)
    throw new TextFileEncodingError(
      path,
      `not UTF-8 text: byte 0x${(bytes[offset - skipped] ?? 0).toString(16).toUpperCase().padStart(2, '0')} at offset ${offset} does not decode (a legacy code page such as Windows-1252?); ${RESAVE}`,
      offset,
      { cause },
    )
  }
}

function utf16(bytes: Uint8Array, path: string, order: 'le' | 'be'): string {
  const offset = 2
  if (bytes.length % 2 !== 0) {
    throw new TextFileEncodingError(
      path,
      `not UTF-16 text: an odd number of bytes after the byte order mark; ${RESAVE}`,
      offset + bytes.length - 1,
    )
  }
  // Swapped by hand rather than with a 'utf-16be' TextDecoder, which not every runtime has.
  const le = order === 'le' ? bytes : swapPairs(bytes)
  try {
    return new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(le)
  } catch (cause) {
    throw new TextFileEncodingError(
      path,
      `not UTF-16 text: an unpaired surrogate; ${RESAVE}`,
      offset,
      { cause },
    )
  }
}

function swapPairs(bytes: Uint8Array): Uint8Array {
  const swapped = new Uint8Array(bytes.length)
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    swapped[i] = bytes[i + 1] as number
    swapped[i + 1] = bytes[i] as number
  }
  return swapped
}

/** Offset of the first byte where `bytes` stops being well-formed UTF-8. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const lead = bytes[i] as number
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0
    if (length === 0 || i + length > bytes.length) return i
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + length))
    } catch {
      return i
    }
    i += length
  }
  return i
}

/**
 * The text without a leading UTF-8 byte order mark (U+FEFF); any other text unchanged. For text
 * that an injected reader returned.
 *
 * @example
 * stripBom('\uFEFF{"endpoint": "https://sms.example"}') // '{"endpoint": "https://sms.example"}'
 */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
