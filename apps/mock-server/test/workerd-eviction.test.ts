// A Durable Object evicted after ~80 s idle comes back from storage only; restarting wrangler
// over the same persisted state directory drops every object's memory the same way.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, expectCommand, expectError, http, uniqueId } from './conformance/helpers.ts'
import { type SpawnedMock, startWranglerMock } from './conformance/spawn.ts'

/** The ids of the events an open stream sends within `ms` (the backlog replay, then live ones). */
async function eventIds(
  url: string,
  headers: Record<string, string>,
  ms: number,
  whileOpen?: () => Promise<void>,
): Promise<number[]> {
  const stop = new AbortController()
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
    signal: stop.signal,
  })
  expect(response.status).toBe(200)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let text = ''
  const reading = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        text += decoder.decode(value, { stream: true })
      }
    } catch {
      // Aborted below.
    }
  })()
  await whileOpen?.()
  await new Promise((resolve) => setTimeout(resolve, ms))
  stop.abort()
  await reading
  return [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]))
}

describe('workerd: state survives the control object losing its memory', () => {
  let mock: SpawnedMock | undefined
  afterAll(async () => {
    await mock?.stop()
  })

  it('keeps live settings, rate-limit windows and event numbering across a restart', async () => {
    const persistTo = mkdtempSync(join(tmpdir(), 'sms-mock-evict-'))
    mock = await startWranglerMock(persistTo)
    let target = { name: 'workerd', baseUrl: mock.url, adminToken: ADMIN_TOKEN, fetch }
    let api = http(target)
    const set = await api.admin('POST', '/settings', { authErrors: 'sms', rateLimit: '1/hour' })
    expect(set.status).toBe(200)
    await expectCommand(await api.getCommand('seeded-1'))
    await expectError(await api.getCommand('seeded-1'), 429, 'APIGW.0308')
    await api.register(uniqueId())
    const before = await eventIds(`${mock.url}/_mock/events?since=0`, {}, 300)
    expect(before.length).toBeGreaterThan(1)
    const lastBefore = Math.max(...before)
    await mock.stop()

    mock = await startWranglerMock(persistTo)
    target = { ...target, baseUrl: mock.url }
    api = http(target)
    const settings = await api.admin('GET', '/settings')
    expect(settings.body).toEqual({
      authErrors: 'sms',
      rateLimit: { limit: 1, windowMs: 3_600_000, text: '1/h' },
    })
    const throttled = await api.getCommand('seeded-1')
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(3_000)
    await expectError(throttled, 429, 'APIGW.0308', /limit:1,time:1 hour/)
    // A client resuming from the last id it saw gets the next ones, never smaller ids.
    const after = await eventIds(
      `${mock.url}/_mock/events`,
      { 'last-event-id': String(lastBefore) },
      300,
      () => api.register(uniqueId()).then(() => undefined),
    )
    expect(after.length).toBeGreaterThan(0)
    expect(Math.min(...after)).toBe(lastBefore + 1)
  }, 180_000)
})
