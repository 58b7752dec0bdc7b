/**
 * The Worker example (worker/) in workerd, through Miniflare: bundled with esbuild as wrangler
 * would, configured from its own wrangler.toml (the Durable Object binding and migration), its
 * `scheduled` handler triggered as the cron would, against the real mock SMS on 127.0.0.1 and a
 * handler service on 127.0.0.1. Durable Object storage is kept on disk, so a "restart" is a new
 * workerd over the same storage.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler'
import { type Mock, startMock, until } from './mock.ts'

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'worker')
const WRANGLER_TOML = join(WORKER, 'wrangler.toml')
const TOKEN = 'worker-example-token-c41d'
const HANDLER_TOKEN = 'handler-token-9e2b'

interface HandlerCall {
  server_id: string
  delivery: string
  command: { command_name: string; command_param: { task_id?: string } }
  authorization: string | undefined
}

/** The team's handler service: records each command; one whose task id starts with "block" never gets an answer. */
async function startHandler() {
  const calls: HandlerCall[] = []
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8')
    })
    request.on('end', () => {
      const call = {
        ...JSON.parse(body),
        authorization: request.headers.authorization,
      } as HandlerCall
      calls.push(call)
      const task = call.command.command_param.task_id ?? ''
      if (task.startsWith('block')) return
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify({ result: 'success', result_detail: { handled: task } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/sms-command`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe('worker/ in workerd (Miniflare) against the mock', () => {
  let mock: Mock
  let handler: Awaited<ReturnType<typeof startHandler>>
  let script: string
  let storage: string
  const running: Miniflare[] = []
  const logs: string[] = []

  beforeAll(async () => {
    mock = await startMock(TOKEN)
    handler = await startHandler()
    // What `wrangler deploy` does: one ES module, `cloudflare:workers` left to the runtime.
    const bundle = await build({
      entryPoints: [join(WORKER, 'src', 'index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['workerd', 'worker', 'browser', 'import'],
      external: ['cloudflare:workers'],
      write: false,
    })
    script = bundle.outputFiles[0]?.text ?? ''
  }, 60_000)
  afterAll(async () => {
    await handler?.close()
    await mock?.close()
  })
  beforeEach(async () => {
    storage = await mkdtemp(join(tmpdir(), 'sms-worker-example-'))
  })
  afterEach(async () => {
    for (const miniflare of running.splice(0)) await miniflare.dispose().catch(() => {})
    await rm(storage, { recursive: true, force: true })
  })

  /** A workerd running the Worker as wrangler.toml configures it, with the test's vars and secrets. */
  async function startWorker(serverIds: string[], vars: Record<string, string> = {}) {
    const { workerOptions } = unstable_getMiniflareWorkerOptions(WRANGLER_TOML)
    const miniflare = new Miniflare({
      // The Worker's log lines (one JSON event each) are kept for the assertions, not printed.
      handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
        stdout.on('data', (chunk: Buffer) =>
          logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
        )
        stderr.on('data', (chunk: Buffer) =>
          logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
        )
      },
      modules: true,
      script,
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags,
      durableObjects: workerOptions.durableObjects,
      durableObjectsPersist: storage,
      bindings: {
        ...workerOptions.bindings,
        SMS_ENDPOINT: mock.url,
        SMS_SERVER_IDS: serverIds.join(','),
        SMS_HANDLER_URL: handler.url,
        SMS_TOKEN: TOKEN,
        SMS_HANDLER_TOKEN: HANDLER_TOKEN,
        ...vars,
      },
    })
    running.push(miniflare)
    await miniflare.ready
    const worker = (await miniflare.getWorker()) as unknown as {
      scheduled(options: { cron: string }): Promise<{ outcome: string }>
    }
    // Miniflare types its stubs with @cloudflare/workers-types, which this example does without.
    const namespace = (await miniflare.getDurableObjectNamespace('DELIVERY')) as unknown as {
      idFromName(name: string): unknown
      get(id: unknown): { journalState(): Promise<unknown> }
    }
    return {
      miniflare,
      /** One cron tick: resolves when the scheduled handler is done. */
      tick: () => worker.scheduled({ cron: '* * * * *' }),
      /** The journal the server's Durable Object keeps in its storage. */
      journal: async (serverId: string) =>
        // A plain copy: what the stub returns is a proxy into workerd, gone once it stops.
        JSON.parse(
          JSON.stringify(await namespace.get(namespace.idFromName(serverId)).journalState()),
        ) as {
          entries: {
            state: string
            outcome?: string
            command: { command_param: { task_id: string } }
          }[]
        } | null,
      stop: async () => {
        running.splice(running.indexOf(miniflare), 1)
        await miniflare.dispose()
      },
    }
  }

  const tasks = (calls: HandlerCall[], serverId: string) =>
    calls
      .filter((call) => call.server_id === serverId)
      .map((call) => call.command.command_param.task_id)

  it('wrangler.toml declares the cron, the Durable Object binding and its migration', () => {
    const config = unstable_readConfig({ config: WRANGLER_TOML })
    expect(config.triggers.crons).toEqual(['* * * * *'])
    expect(config.durable_objects.bindings).toEqual([
      { name: 'DELIVERY', class_name: 'DeliveryObject' },
    ])
    expect(config.migrations).toEqual([{ tag: 'v1', new_sqlite_classes: ['DeliveryObject'] }])
  })

  it('delivers each command once across cron ticks, one Durable Object per server, and keeps the journal in its storage across a restart', async () => {
    const [a, b] = ['srv-worker-a', 'srv-worker-b']
    for (const id of [a, b]) await mock.register(id)
    await mock.enqueue(a, [
      { command_name: 'START', command_param: { task_id: 'a1' } },
      { command_name: 'SYNC', command_param: { task_id: 'a2' } },
    ])
    await mock.enqueue(b, [{ command_name: 'STOP', command_param: { task_id: 'b1' } }])

    const worker = await startWorker([a, b])
    let ticks = 0
    for (; ticks < 6; ticks++) {
      expect(await worker.tick()).toMatchObject({ outcome: 'ok' })
      if ((await mock.results(a)).length === 2 && (await mock.results(b)).length === 1) break
    }
    // More ticks change nothing: nothing runs again, nothing is reported again.
    for (let extra = 0; extra < 3; extra++) await worker.tick()

    expect(tasks(handler.calls, a)).toEqual(['a1', 'a2'])
    expect(tasks(handler.calls, b)).toEqual(['b1'])
    expect(handler.calls.every((call) => call.authorization === `Bearer ${HANDLER_TOKEN}`)).toBe(
      true,
    )
    expect(new Set(handler.calls.map((call) => call.delivery)).size).toBe(handler.calls.length)
    const resultsA = await mock.results(a)
    expect(resultsA.map((result) => [result.command.command_param.task_id, result.result])).toEqual(
      [
        ['a1', 'success'],
        ['a2', 'success'],
      ],
    )
    expect(resultsA[0]?.result_detail).toMatchObject({ handled: 'a1' })
    expect((await mock.results(b)).map((result) => result.command.command_param.task_id)).toEqual([
      'b1',
    ])
    expect(JSON.stringify([resultsA, handler.calls])).not.toContain(TOKEN)

    const journalA = await worker.journal(a)
    expect(
      journalA?.entries.map((entry) => [
        entry.command.command_param.task_id,
        entry.state,
        entry.outcome,
      ]),
    ).toEqual([
      ['a1', 'reported', 'acknowledged'],
      ['a2', 'reported', 'acknowledged'],
    ])
    expect((await worker.journal(b))?.entries).toHaveLength(1)

    // A new workerd over the same storage: the journal is still there, and nothing runs again.
    await worker.stop()
    const restarted = await startWorker([a, b])
    expect(await restarted.journal(a)).toEqual(journalA)
    for (let tick = 0; tick < 2; tick++) await restarted.tick()
    expect(tasks(handler.calls, a)).toEqual(['a1', 'a2'])
    expect(await mock.results(a)).toHaveLength(2)
  }, 120_000)

  it('a pass cut off mid-handler (workerd gone) is reported interrupted after the restart, and not run again', async () => {
    const serverId = 'srv-worker-crash'
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'START', command_param: { task_id: 'block-w1' } },
      { command_name: 'START', command_param: { task_id: 'w2' } },
    ])
    const worker = await startWorker([serverId])
    const pass = worker.tick().catch((error: unknown) => error)
    await until(
      'the handler to receive block-w1',
      () => tasks(handler.calls, serverId).includes('block-w1') || undefined,
    )
    expect((await worker.journal(serverId))?.entries[0]).toMatchObject({ state: 'running' })
    await worker.stop()
    await pass

    const restarted = await startWorker([serverId])
    for (let tick = 0; tick < 4 && (await mock.results(serverId)).length < 2; tick++) {
      await restarted.tick()
    }
    const results = await mock.results(serverId)
    expect(results.map((result) => [result.command.command_param.task_id, result.result])).toEqual([
      ['block-w1', 'fail'],
      ['w2', 'success'],
    ])
    expect(results[0]?.result_detail).toMatchObject({ reason: 'interrupted' })
    expect(tasks(handler.calls, serverId)).toEqual(['block-w1', 'w2'])
    const events = logs.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'command.interrupted',
        task_id: 'block-w1',
        server_id: serverId,
      }),
    )
  }, 120_000)

  it('with a setting missing polls nothing and runs nothing, and says which', async () => {
    const serverId = 'srv-worker-unset'
    await mock.register(serverId)
    await mock.enqueue(serverId, [{ command_name: 'START', command_param: { task_id: 'u1' } }])
    const worker = await startWorker([serverId], { SMS_HANDLER_URL: '' })
    await worker.tick()
    const events = logs.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
    expect(events).toContainEqual({
      event: 'pass.done',
      server_id: serverId,
      error: 'not set: SMS_HANDLER_URL (nothing was polled)',
    })
    expect(tasks(handler.calls, serverId)).toEqual([])
    expect(await mock.results(serverId)).toEqual([])
  }, 60_000)
})
