import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { createMockAdminClient, isMockAdminError } from './client.ts'
import { ServerListSchema, ServerViewSchema } from './schemas.ts'

// What a reader of the admin API (the watch's mock source among them) may rely on: a view that
// matches is kept with its unknown fields, anything else is refused, never half-read.
const view = {
  id: 'a',
  domain: 'demo',
  delivery: 'ack',
  idle: 'empty-name',
  createdAt: '2026-01-01T00:00:00.000Z',
  current: null,
  queue: [{ seq: 1, command_name: 'START', command_param: {}, enqueuedAt: null }],
  scheduled: [],
  awaiting: [],
  results: [],
  resultsTotal: 0,
  deliveriesTotal: 0,
  name: 'a',
  state: 'running',
  migration_cycle: null,
}

const summary = {
  id: 'a',
  domain: 'demo',
  delivery: 'ack',
  current: null,
  queueLength: 0,
  scheduled: 0,
  resultsTotal: 0,
  deliveriesTotal: 0,
  name: 'a',
  state: 'running',
  migration_cycle: null,
}

describe('the admin answers’ schemas', () => {
  it('accept a well-formed server view and keep unknown fields', () => {
    const parsed = v.safeParse(ServerViewSchema, { ...view, extra: 1 })
    expect(parsed.success).toBe(true)
    expect(parsed.output).toMatchObject({ queue: [{ command_name: 'START' }], extra: 1 })
  })

  it.each([
    ['a queue entry that is a string', { ...view, queue: ['START'] }],
    ['an empty command name', { ...view, queue: [{ ...view.queue[0], command_name: '' }] }],
    ['null', null],
  ])('refuse a server view with %s', (_what, body) => {
    expect(v.safeParse(ServerViewSchema, body).success).toBe(false)
  })

  it('refuse a body that is not JSON, through the client', async () => {
    const client = createMockAdminClient('http://mock.test', {
      fetch: async () => new Response('{', { headers: { 'content-type': 'application/json' } }),
    })
    const error = await client.server('a').then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(isMockAdminError(error) && error.message).toBe(
      'mock admin GET /_mock/servers/a answered 200: the body is not JSON',
    )
  })

  it('check the server list', () => {
    const parsed = v.safeParse(ServerListSchema, { servers: [summary] })
    expect(parsed.success && parsed.output.servers.map((server) => server.id)).toEqual(['a'])
    expect(v.safeParse(ServerListSchema, { servers: [{ ...summary, id: 3 }] }).success).toBe(false)
  })
})
