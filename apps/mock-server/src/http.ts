import { type ErrorPayload, errorBody, MockConfigError } from './errors.ts'

/** docs/api.md's limit on a request body, in bytes. */
export const MAX_BODY_BYTES = 10_240

const JSON_TYPE = 'application/json;charset=UTF-8'

/** Headers of a JSON answer dated `date` (built in one literal: this is the hot path). */
export function datedJsonHeaders(requestId: string, date: string): Record<string, string> {
  return { 'content-type': JSON_TYPE, 'x-request-id': requestId, date }
}

/**
 * Headers of a JSON answer the runtime dates (see `RuntimeAdapter.datesAnswers`).
 *
 * @example
 * new Response('{}', { headers: undatedJsonHeaders(nextRequestId()) })
 */
export function undatedJsonHeaders(requestId: string): Record<string, string> {
  return { 'content-type': JSON_TYPE, 'x-request-id': requestId }
}

/** Headers of a JSON answer. */
export function jsonHeaders(
  requestId: string,
  extra?: Record<string, string>,
): Record<string, string> {
  return { 'content-type': JSON_TYPE, 'x-request-id': requestId, ...extra }
}

/** A JSON answer carrying `X-Request-Id`. */
export function jsonResponse(
  status: number,
  body: unknown,
  requestId: string,
  extra?: Record<string, string>,
): Response {
  return new Response(JSON.stringify(body), { status, headers: jsonHeaders(requestId, extra) })
}

/**
 * An `{error_code, error_msg}` answer carrying `X-Request-Id`. An API Gateway code (`APIGW.*`)
 * also carries `request_id` in the body, as the gateway's errors do (docs/api.md §7).
 */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  requestId: string,
  extra?: Record<string, string>,
): Response {
  const body: ErrorPayload & { request_id?: string } = errorBody(code, message)
  if (code.startsWith('APIGW.')) body.request_id = requestId
  return jsonResponse(status, body, requestId, extra)
}

let prefix = ''
let counter = 0
// Leading zeros by length, so the counter is padded without String#padStart (a measurable
// share of a poll on Bun).
const ZEROS = Array.from({ length: 17 }, (_, n) => '0'.repeat(n))

/**
 * A 32-hex request id like the gateway's: a random per-process prefix and a counter, so it is
 * unique without a syscall per request. The one generator of ids: the admin API's Hono
 * `requestId()` middleware calls it too. The SMS routes call it directly rather than through
 * Hono's middleware because they skip Hono on the hot path (measured: `app.ts`, beside
 * `app.fetch`).
 *
 * @example
 * nextRequestId() // '5f0c…0001'
 */
export function nextRequestId(): string {
  if (prefix === '') {
    const bytes = new Uint8Array(8)
    crypto.getRandomValues(bytes)
    for (const byte of bytes) prefix += byte.toString(16).padStart(2, '0')
  }
  counter = (counter + 1) % 0x1_0000_0000
  const hex = counter.toString(16)
  return prefix + ZEROS[16 - hex.length] + hex
}

export type BodyRead =
  | { ok: true; bytes: Uint8Array<ArrayBuffer> }
  | { ok: false; reason: 'too-large' | 'unreadable'; message: string }

/**
 * Reads a request body, giving up as soon as it passes `limit` bytes, so an oversized body
 * costs no more memory than the limit. The SMS and IAM routes' body limit; the admin API uses
 * Hono's `bodyLimit()`. Kept because the SMS routes skip Hono on the hot path, where Hono's
 * router and middlewares cost the mock its ratio to a bare server (measured: `app.ts`, beside
 * `app.fetch`), and because both routes read the body only after drawing their faults, so an
 * oversized body is journaled and answered through the faults that fired, which a middleware in
 * front of the route would skip.
 *
 * @example
 * const read = await readBodyLimited(request, MAX_BODY_BYTES)
 */
export async function readBodyLimited(request: Request, limit: number): Promise<BodyRead> {
  const tooLarge = {
    ok: false,
    reason: 'too-large',
    message: `body: expected at most ${limit} bytes`,
  } as const
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) return tooLarge
  if (request.body === null) return { ok: true, bytes: new Uint8Array(0) }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > limit) {
        await reader.cancel().catch(() => {})
        return tooLarge
      }
      chunks.push(value)
    }
  } catch {
    return { ok: false, reason: 'unreadable', message: 'body: the request body could not be read' }
  }
  if (chunks.length === 1 && chunks[0]) return { ok: true, bytes: new Uint8Array(chunks[0]) }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { ok: true, bytes }
}

const decoder = new TextDecoder('utf-8', { fatal: true })

export type JsonRead = { ok: true; value: Record<string, unknown> } | { ok: false; message: string }

/** Parses a body as a JSON object, with a message naming `body` when it is not one. */
export function parseJsonObject(bytes: Uint8Array, field = 'body'): JsonRead {
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    return { ok: false, message: `${field}: expected UTF-8 text` }
  }
  if (text.trim() === '')
    return { ok: false, message: `${field}: expected a JSON object, got an empty body` }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return {
      ok: false,
      message: `${field}: expected JSON, got text that does not parse (${bytes.byteLength} bytes)`,
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
    return { ok: false, message: `${field}: expected a JSON object, got ${got}` }
  }
  return { ok: true, value: value as Record<string, unknown> }
}

/** Whether a host name or address is loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return (
    h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1'
  )
}

/**
 * Refuses to serve the admin API to the network without an admin token.
 *
 * @throws {MockConfigError} naming `host` when `host` is not loopback and `adminToken` is unset.
 * @example
 * assertBindAllowed('0.0.0.0', undefined) // throws
 */
export function assertBindAllowed(host: string, adminToken: string | undefined): void {
  if (!isLoopbackHost(host) && adminToken === undefined) {
    throw new MockConfigError(
      'host',
      `${host} is not a loopback address: refusing to serve the admin API (reset, faults, journal) to the network without an admin token; pass --admin-token (or SMS_MOCK_ADMIN_TOKEN)`,
    )
  }
}

/** Formats a host for a URL (`[::1]` for IPv6). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}
