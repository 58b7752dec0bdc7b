/**
 * The real mock SMS (apps/mock-server) on 127.0.0.1, port 0, driven through its admin API
 * (`/_mock`): register a server, queue commands, read the results it recorded.
 */
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'

export interface MockResult {
  command: { seq: number; command_name: string; command_param: Record<string, unknown> }
  result: 'success' | 'fail'
  result_detail: Record<string, unknown>
}

export interface Mock {
  url: string
  server: RunningNodeServer
  register(serverId: string): Promise<void>
  enqueue(serverId: string, commands: unknown[]): Promise<void>
  results(serverId: string): Promise<MockResult[]>
  close(): Promise<void>
}

export async function startMock(token: string): Promise<Mock> {
  const server = await startNodeServer({ port: 0, demo: false, tokens: [token] })
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
