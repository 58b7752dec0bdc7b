// What the `main()` tests share: fake stdout/stderr that keep what was written, the `io` that
// main() takes, and cleanups that run after each test (servers, proxies), last started first.
import { PassThrough } from 'node:stream'
import { afterEach } from 'vitest'

/**
 * A fake terminal-less stdout that keeps what was written; `lines()` parses it as NDJSON.
 *
 * @example
 * const out = capture()
 * out.stream.write('{"a":1}\n') // later: out.lines() → [{ a: 1 }]
 */
export function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    get text() {
      return text
    },
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

/**
 * The `io` for main(): captured stdout and stderr, an empty stdin, `env`, an optional `fetch`,
 * and `signal()` to deliver the stop signal main() registered for.
 *
 * @example
 * const { io: mainIo, stdout, signal } = io({ SMS_TOKEN: 't' })
 */
export function io(env: Record<string, string> = {}, fetch?: typeof globalThis.fetch) {
  const stdout = capture()
  const stderr = capture()
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream
  let onSignal: (() => void) | undefined
  return {
    stdout,
    stderr,
    signal: () => onSignal?.(),
    io: {
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdin,
      env,
      onSignal: (handler: () => void) => {
        onSignal = handler
        return () => {
          onSignal = undefined
        }
      },
      ...(fetch ? { fetch } : {}),
    },
  }
}

/**
 * Registers an afterEach that runs what the test pushed, last pushed first, and returns the list.
 *
 * @example
 * const cleanups = cleanupAfterEach()
 * cleanups.push(() => server.close())
 */
export function cleanupAfterEach(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return cleanups
}
