import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AGENT_DIR, type Runtime, runtimeAvailable, runtimeBinary } from './agent-process.ts'

let posts = 0
let base = ''
const server = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    if (request.method === 'POST') {
      posts++
      // The request took effect; its answer is lost.
      request.socket.destroy()
      return
    }
    response.end(request.url === '/count' ? String(posts) : 'ok')
  })
})

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function run(runtime: Runtime, count: number, kind = 'large'): Promise<string> {
  const fixture = join(AGENT_DIR, 'test', 'fixtures', 'post-once.mjs')
  const platform =
    runtime === 'node'
      ? join(AGENT_DIR, 'dist', 'platform', 'platform.js')
      : join(AGENT_DIR, 'src', 'platform', 'platform.ts')
  const args =
    runtime === 'deno'
      ? [
          'run',
          '--quiet',
          '--allow-net=127.0.0.1',
          '--allow-read',
          fixture,
          platform,
          base,
          `${count}`,
          kind,
        ]
      : [fixture, platform, base, `${count}`, kind]
  return new Promise((resolve, reject) => {
    const child = spawn(runtimeBinary(runtime), args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`)),
    )
  })
}

describe('platform.safeFetch', () => {
  it.each(['node', 'bun', 'deno'] as const)(
    'on %s never sends a POST twice when the connection drops after the server got it',
    async (runtime) => {
      if (!runtimeAvailable(runtime)) return
      posts = 0
      expect(await run(runtime, 5)).toBe('5')
    },
  )
  it.each(['node', 'bun', 'deno'] as const)(
    'on %s never sends a POST twice with largeResponseHeaders: false (the SMS fetch) either',
    async (runtime) => {
      if (!runtimeAvailable(runtime)) return
      posts = 0
      expect(await run(runtime, 5, 'small')).toBe('5')
    },
  )
})
