/**
 * The real mock server (apps/mock-server) on 127.0.0.1, port 0, driven through its admin API.
 */
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'

export interface MockResult {
  command: { seq: number; command_name: string; command_param: Record<string, unknown> }
  result: 'success' | 'fail'
  result_detail: Record<string, unknown>
}

export interface MockJournalEntry {
  route: string
  status: number
  method: string
  errorCode?: string
  faults?: { id: string; kind: string }[]
}

export interface Mock {
  url: string
  server: RunningNodeServer
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
  register(serverId: string): Promise<void>
  enqueue(serverId: string, commands: unknown[]): Promise<void>
  results(serverId: string): Promise<MockResult[]>
  journal(serverId: string): Promise<MockJournalEntry[]>
  close(): Promise<void>
}

export async function startMock(options: Parameters<typeof startNodeServer>[0]): Promise<Mock> {
  const server = await startNodeServer({ port: 0, demo: false, journalSize: 50_000, ...options })
  async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${server.url}/_mock${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} /_mock${path}: ${response.status} ${text}`)
    return JSON.parse(text) as T
  }
  return {
    url: server.url,
    server,
    admin,
    async register(serverId) {
      await admin('POST', '/servers', { id: serverId })
    },
    async enqueue(serverId, commands) {
      await admin('POST', `/servers/${encodeURIComponent(serverId)}/commands`, commands)
    },
    async results(serverId) {
      const body = await admin<{ results: MockResult[] }>(
        'GET',
        `/servers/${encodeURIComponent(serverId)}/results`,
      )
      return body.results
    },
    async journal(serverId) {
      const body = await admin<{ entries: MockJournalEntry[] }>(
        'GET',
        `/journal?server=${encodeURIComponent(serverId)}&limit=50000`,
      )
      return body.entries
    },
    close: () => server.close(),
  }
}
