import { CommandResponseSchema, ErrorBodySchema } from '@sms-command/core'
import { parseMockEvent } from '@sms-command/core/events'
import { followEventStream, type SseMessage } from '@sms-command/core/sse'
import * as v from 'valibot'
import { expect } from 'vitest'
import type { Scenario } from '../../src/scenario.ts'

/** A mock to test: where it is and how to reach it. */
export interface ConformanceTarget {
  name: string
  /** No trailing slash. */
  baseUrl: string
  fetch: typeof fetch
  adminToken: string
}

export const ADMIN_TOKEN = 'admin-secret'

/** The scenario every conformance target starts with. */
export const CONFORMANCE_SCENARIO = {
  seed: 1234,
  accounts: [{ name: 'other', id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }],
  users: [
    { name: 'alice', password: 'alice-password' },
    { name: 'bob', password: 'bob-password', account: 'other' },
  ],
  tokens: ['tok-demo', { token: 'tok-other', account: 'other' }],
  accessKeys: [
    { ak: 'AKDEMO0000000000', sk: 'sk-demo-secret' },
    { ak: 'AKLOCK0000000000', sk: 'sk-lock-secret' },
    { ak: 'AKALICE000000000', sk: 'sk-alice-secret', user: 'alice' },
  ],
  servers: [
    {
      id: 'seeded-1',
      name: 'web-01',
      state: 'replicate',
      migration_cycle: 'replicating',
      commands: [{ command_name: 'START', command_param: { task_id: 'seed-task' } }],
    },
  ],
} satisfies Scenario

/**
 * The request of a password login at the mock IAM (`POST /v3/auth/tokens`), Keystone-shaped;
 * `scoped` adds a domain scope.
 *
 * @example
 * await fetch(`${baseUrl}/v3/auth/tokens`, passwordLogin('alice', 'alice-password'))
 */
export function passwordLogin(
  name: string,
  password: string,
  { domain = 'demo', scoped = false }: { domain?: string; scoped?: boolean } = {},
): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name, password, domain: { name: domain } } },
        },
        ...(scoped ? { scope: { domain: { name: domain } } } : {}),
      },
    }),
  }
}

let counter = 0
/** A server id no other test uses. */
export function uniqueId(prefix = 'srv'): string {
  counter++
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`
}

/** Thin HTTP helpers bound to a target. */
export function http(target: ConformanceTarget) {
  const admin = async (method: string, path: string, body?: unknown, token = target.adminToken) => {
    const response = await target.fetch(`${target.baseUrl}/_mock${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return {
      status: response.status,
      body: text === '' ? undefined : JSON.parse(text),
      headers: response.headers,
    }
  }
  const getCommand = (
    serverId: string,
    headers: Record<string, string> = { 'x-auth-token': 'tok-demo' },
  ) =>
    target.fetch(`${target.baseUrl}/v3/sources/${encodeURIComponent(serverId)}/command`, {
      headers,
    })
  const postResult = (
    serverId: string,
    body: unknown,
    headers: Record<string, string> = { 'x-auth-token': 'tok-demo' },
  ) =>
    target.fetch(`${target.baseUrl}/v3/sources/${encodeURIComponent(serverId)}/command_result`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const register = async (id: string, extra: Record<string, unknown> = {}) => {
    const res = await admin('POST', '/servers', { id, ...extra })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body
  }
  const enqueue = async (id: string, commands: unknown) => {
    const res = await admin('POST', `/servers/${encodeURIComponent(id)}/commands`, commands)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body
  }
  return { admin, getCommand, postResult, register, enqueue }
}

/** Asserts an error answer: status, code, a valid error body, `X-Request-Id`, and a field mention. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
  mentions?: string | RegExp,
): Promise<{ error_code: string; error_msg: string }> {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
  const body = v.parse(ErrorBodySchema, JSON.parse(text))
  expect(body.error_code).toBe(code)
  if (mentions !== undefined) expect(body.error_msg).toMatch(mentions)
  return body
}

/** Asserts a 200 command answer valid against core's schema, and returns it. */
export async function expectCommand(response: Response) {
  const text = await response.text()
  expect(response.status, text).toBe(200)
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
  return v.parse(CommandResponseSchema, JSON.parse(text))
}

/**
 * Reads an open `/_mock/events` response with core's SSE reader (the one every consumer uses),
 * each event checked by core's `parseMockEvent`: an event core can't read fails the test.
 */
export function readEvents(response: Response) {
  if (!response.body) throw new Error('the event stream has no body')
  const stop = new AbortController()
  const queue: SseMessage[] = []
  let ended: string | undefined
  let wake: (() => void) | undefined
  let handed = false
  const following = followEventStream({
    url: response.url || 'http://conformance.invalid/_mock/events',
    // The response is already open: hand it over once; a reconnection means the stream ended.
    fetch: async () => {
      if (handed) throw new Error('the event stream ended')
      handed = true
      return response
    },
    keepAliveMs: 0,
    signal: stop.signal,
    onMessage: (message) => {
      queue.push(message)
      wake?.()
    },
    onStatus: (status, why) => {
      if (status === 'error') {
        ended = `the event stream ended${why ? ` (${why})` : ''}`
        stop.abort()
        wake?.()
      }
    },
  })
  const decode = (message: SseMessage) => {
    if (message.event === 'ready') return JSON.parse(message.data) as ReturnType<typeof JSON.parse>
    const parsed = parseMockEvent(message.data)
    if (!parsed.success) throw parsed.error
    expect(parsed.event.type).toBe(message.event)
    return parsed.event as ReturnType<typeof JSON.parse>
  }
  return {
    /** The next message matching `predicate`, within `timeoutMs`. */
    async next(
      predicate: (m: { event: string; data: ReturnType<typeof JSON.parse> }) => boolean,
      timeoutMs = 5_000,
    ) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        while (queue.length > 0) {
          const raw = queue.shift()
          if (!raw) break
          const message = { event: raw.event, data: decode(raw) }
          if (predicate(message)) return message
        }
        if (ended !== undefined) throw new Error(ended)
        const remaining = deadline - Date.now()
        if (remaining <= 0) throw new Error('timed out waiting for an event')
        let timer: ReturnType<typeof setTimeout> | undefined
        await new Promise<void>((resolve) => {
          wake = resolve
          timer = setTimeout(resolve, remaining)
        })
        wake = undefined
        clearTimeout(timer)
      }
    },
    async close() {
      stop.abort()
      await following
    },
  }
}
