import { describe, expect, it } from 'vitest'
import { fakeFetch, json, rejection, smsError } from '../../test/fake-fetch.ts'
import { staticToken } from '../auth/static-token.ts'
import { isSmsApiError, type SmsApiError } from '../errors/sms-api-error.ts'
import { isSmsInputError, type SmsInputError } from '../errors/sms-input-error.ts'
import {
  isSmsResponseValidationError,
  type SmsResponseValidationError,
} from '../errors/sms-response-validation-error.ts'
import type { SourceServer } from '../schemas/source-server.ts'
import { createVirtualScheduler } from '../testing/virtual-scheduler.ts'
import { createSmsClient } from './create-sms-client.ts'
import { parseServerPage } from './list-servers.ts'

const server = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `srv-${n}`,
  name: `web-${n}`,
  state: 'replicate',
  connected: true,
  ...extra,
})

function setup(
  script: Parameters<typeof fakeFetch>[0],
  fallback?: Parameters<typeof fakeFetch>[1],
) {
  const api = fakeFetch(script, fallback)
  const scheduler = createVirtualScheduler()
  const client = createSmsClient({
    endpoint: 'https://sms.example.test',
    auth: staticToken('token'),
    fetch: api.fetch,
    scheduler,
    random: () => 0,
  })
  return { client, api, scheduler }
}

async function collect(iterator: AsyncIterable<SourceServer>): Promise<SourceServer[]> {
  const servers: SourceServer[] = []
  for await (const item of iterator) servers.push(item)
  return servers
}

describe('listServers', () => {
  it('pages with limit and offset until offset reaches count', async () => {
    const { client, api } = setup([
      json({ count: 5, source_servers: [server(1), server(2)] }),
      json({ count: 5, source_servers: [server(3), server(4)] }),
      json({ count: 5, source_servers: [server(5)] }),
    ])
    const servers = await collect(client.listServers({ limit: 2 }))
    expect(servers.map((item) => item.id)).toEqual(['srv-1', 'srv-2', 'srv-3', 'srv-4', 'srv-5'])
    expect(api.requests.map((request) => new URL(request.url).search)).toEqual([
      '?limit=2&offset=0',
      '?limit=2&offset=2',
      '?limit=2&offset=4',
    ])
    expect(api.requests.every((request) => request.path === '/v3/sources')).toBe(true)
    expect(api.requests[0]?.headers['x-auth-token']).toBe('token')
  })

  it('sends the filters as the documented query parameters', async () => {
    const { client, api } = setup([json({ count: 0, source_servers: [] })])
    await collect(
      client.listServers({
        state: 'replicate',
        name: 'web 01',
        id: 'f32ab4d6',
        connected: false,
        migrationCycle: 'replicating',
        enterpriseProjectId: '0',
      }),
    )
    const query = new URL(api.requests[0]?.url ?? '').searchParams
    expect(Object.fromEntries(query)).toEqual({
      state: 'replicate',
      name: 'web 01',
      id: 'f32ab4d6',
      connected: 'false',
      migration_cycle: 'replicating',
      enterprise_project_id: '0',
      limit: '200',
      offset: '0',
    })
  })

  it('stops on an empty page when count claims more (a lying count cannot loop forever)', async () => {
    const { client, api } = setup(
      [json({ count: 1_000_000, source_servers: [server(1), server(2)] })],
      () => json({ count: 1_000_000, source_servers: [] }),
    )
    expect(await collect(client.listServers({ limit: 2 }))).toHaveLength(2)
    expect(api.requests).toHaveLength(2)
  })

  it('stops after a short page when count is absent', async () => {
    const { client, api } = setup([
      json({ source_servers: [server(1), server(2)] }),
      json({ source_servers: [server(3)] }),
    ])
    expect(await collect(client.listServers({ limit: 2 }))).toHaveLength(3)
    expect(api.requests).toHaveLength(2)
  })

  it('fails when SMS sends the same page again (it ignored offset)', async () => {
    const page = json({ count: 10, source_servers: [server(1), server(2)] })
    const { client, api } = setup([], () => page.clone())
    const error = (await rejection(
      collect(client.listServers({ limit: 2 })),
    )) as SmsResponseValidationError
    expect(isSmsResponseValidationError(error)).toBe(true)
    expect(error.field).toBe('source_servers')
    expect(api.requests).toHaveLength(2)
  })

  it('passes unknown states through, drops nulls and keeps extra fields', async () => {
    const { client } = setup([
      json({
        count: 1,
        source_servers: [
          server(1, {
            state: 'hibernating',
            migration_cycle: 'teleporting',
            ip: null,
            last_visit_time: 1764441600000,
            replicatesize: 1073741824,
            oem_system: true,
          }),
        ],
      }),
    ])
    expect(await collect(client.listServers())).toEqual([
      {
        id: 'srv-1',
        name: 'web-1',
        state: 'hibernating',
        migration_cycle: 'teleporting',
        connected: true,
        last_visit_time: 1764441600000,
        replicatesize: 1073741824,
        oem_system: true,
      },
    ])
  })

  it('treats an empty body as an empty listing', async () => {
    const { client } = setup([new Response(null, { status: 204 })])
    expect(await collect(client.listServers())).toEqual([])
  })

  it.each([
    ['a count that is negative', { count: -1, source_servers: [] }, 'count'],
    [
      'a name that is a number',
      { count: 1, source_servers: [{ id: 's', name: 7 }] },
      'source_servers.0.name',
    ],
    [
      'connected as a string',
      { count: 1, source_servers: [{ connected: 'yes' }] },
      'source_servers.0.connected',
    ],
    ['servers that are not an array', { count: 1, source_servers: {} }, 'source_servers'],
    [
      'an id over 255 characters',
      { count: 1, source_servers: [{ id: 'x'.repeat(256) }] },
      'source_servers.0.id',
    ],
    ['a body that is an array', [], '$'],
  ])('rejects %s, naming the field', async (_label, body, field) => {
    const { client } = setup([json(body)])
    const error = (await rejection(collect(client.listServers()))) as SmsResponseValidationError
    expect(isSmsResponseValidationError(error)).toBe(true)
    expect(error.field).toBe(field)
    expect(error.path).toBe('/v3/sources')
  })

  it('rejects a body that is not JSON as a validation error', async () => {
    const { client } = setup([new Response('<html>proxy</html>', { status: 200 })])
    const error = (await rejection(collect(client.listServers()))) as SmsResponseValidationError
    expect(isSmsResponseValidationError(error)).toBe(true)
    expect(error.message).toContain('not JSON')
  })

  it('surfaces HTTP errors as SmsApiError with the path and no server id', async () => {
    const { client } = setup([smsError(403, 'SMS.9004', 'no permission')])
    const error = (await rejection(collect(client.listServers()))) as SmsApiError
    expect(isSmsApiError(error)).toBe(true)
    expect(error.status).toBe(403)
    expect(error.path).toBe('/v3/sources')
    expect(error.serverId).toBeUndefined()
    expect(error.message).toContain('GET /v3/sources failed with HTTP 403 SMS.9004')
  })

  it('retries a 503 like the other calls', async () => {
    const { client, api, scheduler } = setup([
      smsError(503, 'APIGW.0201', 'busy', { 'Retry-After': '2' }),
      json({ count: 1, source_servers: [server(1)] }),
    ])
    const listing = collect(client.listServers())
    await scheduler.runNext()
    expect(await listing).toHaveLength(1)
    expect(api.requests).toHaveLength(2)
    expect(scheduler.sleeps).toContain(2000)
  })

  it('rejects with the abort reason when the caller aborts', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    const { client, api } = setup([json({ count: 1, source_servers: [server(1)] })])
    await expect(collect(client.listServers({ signal: controller.signal }))).rejects.toThrow('stop')
    expect(api.requests).toHaveLength(0)
  })

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ limit: 5000 }, 'limit'],
    [{ state: 3 }, 'state'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ connected: 'true' }, 'connected'],
  ])('rejects the option %j at once, naming %s, without a request', (options, field) => {
    const { client, api } = setup([])
    let thrown: unknown
    try {
      client.listServers(options as never)
    } catch (error) {
      thrown = error
    }
    expect(isSmsInputError(thrown)).toBe(true)
    expect((thrown as SmsInputError).field).toBe(field)
    expect(api.requests).toHaveLength(0)
  })
})

describe('parseServerPage', () => {
  it('reads the documented example', () => {
    const page = parseServerPage(
      200,
      JSON.stringify({
        count: 2,
        source_servers: [
          {
            id: 'f32ab4d6-d150-4fb3-aa55-edbb5cf9947f',
            name: 'web-01',
            ip: '192.168.0.12',
            os_type: 'LINUX',
            os_version: 'CENTOS7.6',
            state: 'replicate',
            connected: true,
            migration_cycle: 'replicating',
            last_visit_time: 1764441600000,
            add_date: 1764400000000,
            replicatesize: 1073741824,
            totalsize: 53687091200,
          },
        ],
      }),
    )
    expect(page.count).toBe(2)
    expect(page.servers[0]).toMatchObject({ os_type: 'LINUX', totalsize: 53687091200 })
  })
})
