/**
 * The real mock SMS (apps/mock-server) on 127.0.0.1, port 0, driven through its admin API with
 * the mock's own typed client (`@sms-command/mock-server/client`): register a server, queue
 * commands, read the results it recorded.
 */
import {
  type AdminResult,
  type CommandInput,
  createMockAdminClient,
} from '@sms-command/mock-server/client'
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'

export type MockResult = AdminResult

export interface Mock {
  url: string
  server: RunningNodeServer
  register(serverId: string): Promise<void>
  enqueue(serverId: string, commands: CommandInput[]): Promise<void>
  results(serverId: string): Promise<MockResult[]>
  close(): Promise<void>
}

export async function startMock(token: string): Promise<Mock> {
  const server = await startNodeServer({ port: 0, demo: false, tokens: [token] })
  const admin = createMockAdminClient(server.url)
  return {
    url: server.url,
    server,
    async register(serverId) {
      await admin.registerServer({ id: serverId })
    },
    async enqueue(serverId, commands) {
      await admin.enqueue(serverId, commands)
    },
    async results(serverId) {
      return (await admin.results(serverId)).results
    },
    close: () => server.close(),
  }
}

/** Waits for a condition another process brings about, checking every 20 ms, for at most `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
