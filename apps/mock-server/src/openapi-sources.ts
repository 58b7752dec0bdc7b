import { openApiDocument } from '@sms-command/core'
import { ERROR_CODES } from './errors.ts'

const { paths: corePaths } = openApiDocument
const coreCommand = corePaths['/v3/sources/{server_id}/command'].get
const coreResult = corePaths['/v3/sources/{server_id}/command_result'].post

/**
 * An error answer whose `error_code` is one of `codes`: the schema says so (an `enum` a client
 * or a test can read), and so does the text.
 */
const error = (
  description: string,
  codes: readonly string[],
  headers?: Record<string, unknown>,
) => ({
  description: `${description} (${codes.join(', ')})`,
  headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' }, ...headers },
  content: {
    'application/json': {
      schema: {
        allOf: [
          { $ref: '#/components/schemas/ErrorBody' },
          { type: 'object', properties: { error_code: { enum: [...codes] } } },
        ],
      },
    },
  },
})

const retryAfter = {
  'Retry-After': { description: 'Seconds until the budget refills.', schema: { type: 'string' } },
}

const C = ERROR_CODES

/**
 * 401 for a credential: API Gateway's APIGW.0301 by default; with `authErrors: "sms"` an AK/SK
 * failure is SMS.0202 and a skewed X-Sdk-Date SMS.0205 (a token failure stays APIGW.0301).
 */
const authFailureCodes = [C.badToken, C.akSkFailed, C.clockSkew] as const
const authFailureText =
  'Missing, unknown, expired or revoked token, or a failed AK/SK signature: APIGW.0301 with the ' +
  'gateway text and `request_id`; with `authErrors: "sms"`, SMS.0202 for a bad signature and ' +
  'SMS.0205 for an X-Sdk-Date more than 15 minutes off'

const throttled = error(
  "Past the mock's rate limit (`rateLimit`), per identity and API; Retry-After in seconds",
  [C.throttled],
  retryAfter,
)
const internal = error('An unexpected failure of the mock', [C.internal])

/**
 * What an injected fault answers (`kind: "status"`, scenario or `POST /_mock/faults`): any status
 * 400–599 with the fault's own `error_code`, else SMS.2007 for 5xx, APIGW.0308 for 429 and
 * MOCK.FAULT for another 4xx; Retry-After for 429 and 503 (1 unless given). The other faults
 * corrupt or drop an answer: `malformed-json`, `truncated-body`, `drop-connection`.
 */
const injectedFault = (route: string) => ({
  description:
    `An injected fault on route "${route}" (or "any"${route === 'sources' ? '' : ', "sms"'}): ` +
    'a `status` fault answers its status, any of 400–599, with its own error_code, else ' +
    `${C.internal} for 5xx, ${C.throttled} for 429 and MOCK.FAULT for another 4xx (Retry-After ` +
    'for 429 and 503); `malformed-json` and `truncated-body` corrupt any answer above, ' +
    '`drop-connection` closes the connection without one.',
  headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' }, ...retryAfter },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
})

/** A HEAD is answered as its GET without a body (RFC 9110 §9.3.2), Content-Length included. */
const headOf = (operation: { operationId: string; summary: string; responses: object }) => ({
  ...operation,
  operationId: `${operation.operationId}Head`,
  summary: `${operation.summary} (HEAD: the GET's status and headers, no body)`,
})

const tokenHeader = {
  name: 'X-Auth-Token',
  in: 'header',
  required: false,
  description: 'IAM user token (X-Subject-Token of POST /v3/auth/tokens). Or sign with AK/SK.',
  schema: { type: 'string', minLength: 1, maxLength: 16_384 },
}

const query = (name: string, description: string, schema: Record<string, unknown>) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
})

/** `GET /v3/sources` (docs/api.md §8) as OpenAPI, for documents that lack it. */
export const sourcesPathItem = {
  description:
    'Any method but GET and HEAD is answered 404 APIGW.0101 (the mock serves GET only), before ' +
    'faults and credentials.',
  get: {
    operationId: 'listServers',
    summary: 'List source servers (fleet view)',
    parameters: [
      tokenHeader,
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
      '400': error('Bad query: the text names the parameter and what was expected', [C.badRequest]),
      '401': error(authFailureText, authFailureCodes),
      '429': throttled,
      '500': internal,
      default: injectedFault('sources'),
    },
  },
} as const

/** HTTP methods an OpenAPI path item can hold, beside GET and HEAD (TRACE: fetch refuses to send it). */
const OTHER_METHODS = ['post', 'put', 'delete', 'patch', 'options'] as const

/** An operation the mock does not serve on a path, with the refusal it answers. */
const notServed = (operationId: string, summary: string, responses: Record<string, unknown>) => ({
  operationId,
  summary,
  responses,
})

const sourcesOtherMethods = Object.fromEntries(
  OTHER_METHODS.map((method) => [
    method,
    notServed(`${method}Sources`, 'Not served (the mock serves GET and HEAD only)', {
      '404': error('The API does not exist or has not been published', [C.unknownApi]),
    }),
  ]),
)

/** Refusals of a request whose body is read before its credential is checked (AK/SK signs it). */
const signedBodyRefusals = {
  read: 'an unreadable body',
  tooLarge: 'an AK/SK-signed body over 1 MiB is refused before its signature is verified',
}

/**
 * A method the command routes don't take: once the credential passes, SMS's 401 SMS.2003 (docs/api.md
 * §7). A method that may carry a body (anything but GET/HEAD) reads it: an AK/SK-signed one over
 * 1 MiB is SMS.2004 and an unreadable one SMS.0400, both before the credential check.
 */
const wrongMethod = (operationId: string, route: string, expected: string, carriesBody: boolean) =>
  notServed(operationId, `Not served: answered 401 ${C.badMethod} (use ${expected})`, {
    ...(carriesBody
      ? { '400': error(`Bad request: ${signedBodyRefusals.read}`, [C.badRequest]) }
      : {}),
    '401': error(
      `${authFailureText}; once the credential passes, ${C.badMethod}: ${route} takes ${expected} only${
        carriesBody ? `; ${C.bodyTooLarge}: ${signedBodyRefusals.tooLarge}` : ''
      }`,
      [...authFailureCodes, C.badMethod, ...(carriesBody ? [C.bodyTooLarge] : [])],
    ),
    '429': throttled,
    '500': internal,
    default: injectedFault(route),
  })

const commandGet = {
  ...coreCommand,
  responses: {
    '200': coreCommand.responses['200'],
    '204': coreCommand.responses['204'],
    '400': error('server_id outside 1–255 characters or not a valid percent-encoded segment', [
      C.badRequest,
    ]),
    '401': error(authFailureText, authFailureCodes),
    '403': error('The source server belongs to another account than the credential', [
      C.noPermission,
    ]),
    '404': error('No source server with this id', [C.unknownServer]),
    '429': throttled,
    '500': internal,
    default: injectedFault('command'),
  },
}

const commandResultPost = {
  ...coreResult,
  responses: {
    '200': coreResult.responses['200'],
    '400': error(
      `${C.commandMismatch}: the result answers another command than the current one; ` +
        `${C.badRequest}: server_id out of range, an unreadable body, a body that is not a JSON ` +
        'object or fails the schema (the text names the field)',
      [C.badRequest, C.commandMismatch],
    ),
    '401': error(
      `${authFailureText}; whatever the credential, SMS's body refusals (docs/api.md §7): ` +
        `${C.bodyTooLarge} body over 10,240 bytes, ${C.contentTypeMissing} Content-Type missing, ` +
        `${C.contentTypeNotJson} Content-Type not application/json (charset UTF-8)`,
      [...authFailureCodes, C.bodyTooLarge, C.contentTypeMissing, C.contentTypeNotJson],
    ),
    '403': error('The source server belongs to another account than the credential', [
      C.noPermission,
    ]),
    '404': error('No source server with this id', [C.unknownServer]),
    '429': throttled,
    '500': internal,
    default: injectedFault('command_result'),
  },
}

const pathNote =
  'The mock answers every method here; a path under /v3/sources that matches none of its routes ' +
  `is 404 ${C.unknownApi}.`

/** `…/command` as the mock answers it: GET, HEAD, and the methods it refuses. */
export const commandPathItem = {
  description: pathNote,
  parameters: coreCommand.parameters,
  get: commandGet,
  head: headOf(commandGet),
  ...Object.fromEntries(
    OTHER_METHODS.map((method) => [
      method,
      wrongMethod(`${method}Command`, 'command', 'GET', true),
    ]),
  ),
}

/** `…/command_result` as the mock answers it: POST, and the methods it refuses. */
export const commandResultPathItem = {
  description: pathNote,
  parameters: coreResult.parameters,
  post: commandResultPost,
  get: wrongMethod('getCommandResult', 'command_result', 'POST', false),
  head: wrongMethod('headCommandResult', 'command_result', 'POST', false),
  ...Object.fromEntries(
    OTHER_METHODS.filter((method) => method !== 'post').map((method) => [
      method,
      wrongMethod(`${method}CommandResult`, 'command_result', 'POST', true),
    ]),
  ),
}

/** IAM's error body (Keystone's shape, docs/api.md §7): no `error_code`, the status in `error.code`. */
const keystoneError = (description: string) => ({
  description,
  headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            properties: {
              code: { type: 'integer' },
              title: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
})

/** `POST /v3/auth/tokens` (docs/api.md §4) as the mock's IAM answers it: the password flow only. */
export const iamTokensPathItem = {
  description: `Any method but POST is answered 404 ${C.unknownApi}.`,
  post: {
    operationId: 'createIamToken',
    summary: 'Get an IAM user token (password flow; the real one is on the IAM host)',
    security: [],
    parameters: [
      query('nocatalog', '`true` drops the service catalog from the body.', { type: 'string' }),
    ],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['auth'],
            description:
              '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name","password",' +
              '"domain":{"name"|"id"}}}},"scope"?:{"domain"|"project":{"name"|"id"}}}}',
          },
        },
      },
    },
    responses: {
      '201': {
        description: 'The token is the X-Subject-Token header; the body has token.expires_at.',
        headers: {
          'X-Subject-Token': { description: 'The IAM token.', schema: { type: 'string' } },
          'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
        },
        content: { 'application/json': { schema: { type: 'object', required: ['token'] } } },
      },
      '400': keystoneError('A body that is not the password flow: the message names the field'),
      '401': keystoneError(
        'Wrong user name or password, a disabled user, or a scope of another account or an ' +
          'unknown project',
      ),
      '500': internal,
      default: {
        ...keystoneError(
          'An injected fault on route "iam" (or "any"): a `status` fault answers its status, any ' +
            'of 400–599, in the Keystone shape (Retry-After for 429 and 503); `malformed-json` ' +
            'and `truncated-body` corrupt any answer above, `drop-connection` closes the ' +
            'connection without one.',
        ),
      },
    },
  },
  ...Object.fromEntries(
    ['get', 'head', 'put', 'delete', 'patch', 'options'].map((method) => [
      method,
      notServed(`${method}IamTokens`, "Not served (the mock's IAM takes POST only)", {
        '404': error('The API does not exist or has not been published', [C.unknownApi]),
      }),
    ]),
  ),
}

/**
 * The OpenAPI document of what the mock answers: core's document of the real API (schemas,
 * security, servers) with the mock's own path items, which list per path and method every status
 * and error_code the mock can answer (refusals, faults, wrong methods, the fleet list), and the
 * serving origin first among `servers`.
 *
 * @example
 * mockOpenApiDocument('http://127.0.0.1:8080').paths['/v3/sources'].get.responses['401']
 */
export function mockOpenApiDocument(origin: string) {
  return {
    ...openApiDocument,
    info: {
      ...openApiDocument.info,
      title: `${openApiDocument.info.title} (sms-command mock)`,
      description:
        `${openApiDocument.info.description} This is the mock's document: each operation lists ` +
        'every status and error_code the mock can answer, and `default` what an injected fault ' +
        `can. Any path the mock does not serve is 404 ${C.unknownApi}.`,
    },
    servers: [{ url: origin }, ...openApiDocument.servers],
    paths: {
      '/v3/sources': {
        ...sourcesPathItem,
        head: headOf(sourcesPathItem.get),
        ...sourcesOtherMethods,
      },
      '/v3/sources/{server_id}/command': commandPathItem,
      '/v3/sources/{server_id}/command_result': commandResultPathItem,
      '/v3/auth/tokens': iamTokensPathItem,
    },
  }
}
