/**
 * The real mock server (apps/mock-server) on 127.0.0.1, port 0, driven through its admin API
 * with the mock's own typed client (`@sms-command/mock-server/client`).
 */
import {
  type AdminResult,
  createMockAdminClient,
  type MockAdminClient,
  type RequestLogLine,
} from '@sms-command/mock-server/client'
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'

export type MockResult = AdminResult

export type MockJournalEntry = RequestLogLine

export interface Mock {
  url: string
  server: RunningNodeServer
  /** The mock's admin API: faults, tokens, servers, the journal… */
  client: MockAdminClient
  register(serverId: string): Promise<void>
  enqueue(serverId: string, commands: Parameters<MockAdminClient['enqueue']>[1]): Promise<void>
  results(serverId: string): Promise<MockResult[]>
  journal(serverId: string): Promise<MockJournalEntry[]>
  close(): Promise<void>
}

export async function startMock(options: Parameters<typeof startNodeServer>[0]): Promise<Mock> {
  const server = await startNodeServer({ port: 0, demo: false, journalSize: 50_000, ...options })
  const client = createMockAdminClient(server.url, {
    ...(options?.adminToken === undefined ? {} : { adminToken: options.adminToken }),
  })
  return {
    url: server.url,
    server,
    client,
    async register(serverId) {
      await client.registerServer({ id: serverId })
    },
    async enqueue(serverId, commands) {
      await client.enqueue(serverId, commands)
    },
    async results(serverId) {
      return (await client.results(serverId)).results
    },
    async journal(serverId) {
      return (await client.journal({ server: serverId, limit: 50_000 })).entries
    },
    close: () => server.close(),
  }
}
