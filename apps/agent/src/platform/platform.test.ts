import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { currentPlatform } from './platform.ts'

describe('the Node platform fetch', () => {
  it('accepts a 16,384-character token header, which plain Node fetch refuses', async () => {
    const token = 'T'.repeat(16_384)
    const server = createServer((_, response) => {
      response.writeHead(201, { 'X-Subject-Token': token }).end('{}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/auth/tokens`
    try {
      await expect(fetch(url)).rejects.toThrow()
      const response = await currentPlatform().safeFetch()(url, { method: 'POST', body: '{}' })
      expect(response.headers.get('x-subject-token')).toBe(token)
    } finally {
      server.close()
    }
  })
})
