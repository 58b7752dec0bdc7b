import { openApiDocument } from '@sms-command/core'

const error = (description: string) => ({
  description,
  headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
})

const query = (name: string, description: string, schema: Record<string, unknown>) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
})

/** `GET /v3/sources` (API.md §8) as OpenAPI, for documents that lack it. */
export const sourcesPathItem = {
  get: {
    operationId: 'listServers',
    summary: 'List source servers (fleet view)',
    parameters: [
      query('limit', 'Page size; 0 or absent means 200.', {
        type: 'integer',
        minimum: 0,
        maximum: 200,
      }),
      query('offset', 'Servers to skip.', { type: 'integer', minimum: 0 }),
      query('id', 'Only the server with this id.', { type: 'string' }),
      query('name', 'Servers whose name contains this (the mock: case-insensitive).', {
        type: 'string',
      }),
      query('state', 'Servers in this state.', { type: 'string' }),
      query('migration_cycle', 'Servers in this migration cycle.', { type: 'string' }),
      query('ip', 'Servers with this IP (the mock keeps none: matches nothing).', {
        type: 'string',
      }),
      query('migproject', 'Servers of this migration project (the mock: matches nothing).', {
        type: 'string',
      }),
      query(
        'enterprise_project_id',
        'Servers of this enterprise project (the mock: matches nothing).',
        { type: 'string' },
      ),
      query('connected', 'Servers whose agent SMS currently sees (or not).', { type: 'boolean' }),
    ],
    responses: {
      '200': {
        description: '`count` is the total matching, independent of limit and offset.',
        headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                count: { type: 'integer' },
                source_servers: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      name: { type: 'string' },
                      state: { type: 'string' },
                      migration_cycle: { type: 'string' },
                      connected: { type: 'boolean' },
                      last_visit_time: {
                        type: 'integer',
                        description: 'Epoch ms when `connected` last changed.',
                      },
                      add_date: { type: 'integer' },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '400': error('Bad query (the mock names the parameter).'),
      '401': error('Missing, expired or revoked token, or a failed AK/SK signature (APIGW.0301).'),
      '429': error('Throttled (APIGW.0308), with Retry-After.'),
    },
  },
} as const

/**
 * Core's OpenAPI document with the fleet list added when core does not describe it yet, and
 * the serving origin first among `servers`.
 *
 * @example
 * mockOpenApiDocument('http://127.0.0.1:8080').paths['/v3/sources']
 */
export function mockOpenApiDocument(origin: string) {
  const paths: Record<string, unknown> = { ...openApiDocument.paths }
  if (!('/v3/sources' in paths)) paths['/v3/sources'] = sourcesPathItem
  return { ...openApiDocument, servers: [{ url: origin }, ...openApiDocument.servers], paths }
}
