const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/**
 * UTF-8 bytes of a string, or a copy of the given bytes.
 *
 * The copy guarantees an `ArrayBuffer`-backed view, which WebCrypto requires
 * (a view over a `SharedArrayBuffer` is rejected).
 *
 * @example
 * toBytes('é') // Uint8Array [0xc3, 0xa9]
 */
export function toBytes(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data)
}

/**
 * Lowercase hex of some bytes.
 *
 * @example
 * toHex(new Uint8Array([0, 255]).buffer) // '00ff'
 */
export function toHex(buffer: ArrayBuffer): string {
  let out = ''
  for (const byte of new Uint8Array(buffer)) out += HEX[byte]
  return out
}

/**
 * Lowercase hex SHA-256 of a string (hashed as UTF-8) or of bytes.
 *
 * @example
 * await hexSha256('') // 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 */
export async function hexSha256(data: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', toBytes(data)))
}

/**
 * A WebCrypto HMAC-SHA256 key from the raw key bytes (a string key is taken as UTF-8).
 *
 * @example
 * const key = await importHmacKey('SecretKey', 'verify')
 */
export function importHmacKey(
  key: string | Uint8Array,
  usage: 'sign' | 'verify',
): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', toBytes(key), { name: 'HMAC', hash: 'SHA-256' }, false, [
    usage,
  ])
}

/**
 * Lowercase hex HMAC-SHA256 of `data` under `key` (strings are taken as UTF-8).
 *
 * @example
 * await hmacSha256Hex('key', 'The quick brown fox jumps over the lazy dog')
 * // 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'
 */
export async function hmacSha256Hex(
  key: string | Uint8Array,
  data: string | Uint8Array,
): Promise<string> {
  const cryptoKey = await importHmacKey(key, 'sign')
  return toHex(await crypto.subtle.sign('HMAC', cryptoKey, toBytes(data)))
}
