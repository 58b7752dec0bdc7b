import { describe, expect, it } from 'vitest'
import { resolveSettings } from '../options.ts'
import { MemoryStore } from './memory-store.ts'

describe('MemoryStore', () => {
  it('keeps only the last journalSize requests', async () => {
    const store = new MemoryStore(resolveSettings({ journalSize: 3, demo: false }))
    for (let i = 0; i < 10; i++) {
      store.journal({
        atMs: 0,
        requestId: String(i),
        method: 'GET',
        path: '/',
        route: 'other',
        status: 404,
        durationMs: 0,
      })
    }
    const entries = await store.readJournal({})
    expect(entries.map((e) => e.requestId)).toEqual(['7', '8', '9'])
    expect(entries.map((e) => e.seq)).toEqual([8, 9, 10])
  })

  it('keeps only the last N results of a server', async () => {
    const store = new MemoryStore(
      resolveSettings({
        demo: false,
        limits: { results: 2 },
        scenario: { servers: [{ id: 's' }] },
      }),
    )
    for (const name of ['A', 'B', 'C']) {
      await store.enqueue('s', [{ command_name: name, command_param: {} }])
      expect(
        (
          await store.report(
            's',
            'demo',
            { command_name: name, result: 'success', result_detail: {} },
            'r',
          )
        ).status,
      ).toBe('ok')
    }
    const view = await store.viewServer('s')
    expect(view?.results.map((r) => r.command.command_name)).toEqual(['B', 'C'])
    expect(view?.resultsTotal).toBe(3)
  })

  it('releases a scheduled command by timer and announces it, with no request needed', async () => {
    const store = new MemoryStore(
      resolveSettings({ demo: false, scenario: { servers: [{ id: 's' }] } }),
    )
    const controller = new AbortController()
    const events = (await store.subscribe({ types: ['enqueue'] }, controller.signal))[
      Symbol.asyncIterator
    ]()
    await store.enqueue('s', [{ command_name: 'LATER', command_param: {}, releaseAfterMs: 30 }])
    const next = await events.next()
    expect(next.value).toMatchObject({
      type: 'enqueue',
      serverId: 's',
      command: { command_name: 'LATER' },
    })
    controller.abort()
    store.dispose()
  })

  it('refuses to grow a queue past its limit', async () => {
    const store = new MemoryStore(
      resolveSettings({ demo: false, limits: { queue: 2 }, scenario: { servers: [{ id: 's' }] } }),
    )
    const outcome = await store.enqueue(
      's',
      [1, 2, 3].map((i) => ({ command_name: `C${i}`, command_param: {} })),
    )
    expect(outcome).toMatchObject({ ok: false })
  })

  it('deleting a server removes every fault scoped to it, added before or after it was registered', async () => {
    const store = new MemoryStore(resolveSettings({ demo: false }))
    await store.registerServer({ id: 'e1' })
    const add = (id: string, server: string) =>
      store.addFault({ id, kind: 'status', status: 503, server })
    await add('fe', 'e1')
    await add('fg', 'g1')
    await add('fk', 'k1')
    await store.registerServer({ id: 'g1' })
    expect(await store.deleteServer('e1')).toBe(true)
    expect(await store.deleteServer('g1')).toBe(true)
    // A fault for a server never registered stays until used or that server is deleted.
    expect(await store.deleteServer('k1')).toBe(false)
    expect((await store.listFaults()).map((f) => f.spec.id)).toEqual(['fk'])
    await store.registerServer({ id: 'g1' })
    expect(store.drawFaults('g1', 'command').hits).toEqual([])
  })
})
