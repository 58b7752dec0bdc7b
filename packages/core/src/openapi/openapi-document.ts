import { toJsonSchema } from '@valibot/to-json-schema'
import type * as v from 'valibot'
import { CommandResponseSchema } from '../schemas/command.ts'
import { CommandResultSchema } from '../schemas/command-result.ts'
import { ErrorBodySchema } from '../schemas/error-body.ts'
import { LIMITS } from '../schemas/limits.ts'

// Transforms (null → absent) have no JSON Schema form; the documented shape is what matters here.
const jsonSchema = (schema: v.GenericSchema): Record<string, unknown> => {
  const { $schema: _dialect, ...rest } = toJsonSchema(schema, { errorMode: 'ignore' })
  return rest
}

const errorResponse = (description: string) => ({
  description,
  headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
})

const authFailures =
  'Missing, expired or revoked token, or a failed AK/SK signature: API Gateway answers APIGW.0301 ' +
  "(SMS.0202 and SMS.0205, for a bad signature and a skewed X-Sdk-Date, are SMS's own names for " +
  'the same failures).'

const sharedErrorResponses = {
  '403': errorResponse('No permission (SMS.2002).'),
  '404': errorResponse('Not found.'),
  '429': errorResponse(
    'Throttled by API Gateway (APIGW.0308), per user and API; Retry-After may be absent, small or absurd.',
  ),
  '500': errorResponse('Internal server error (SMS.2007).'),
}

// A GET has no body and no Content-Type, and the command it asks for can't mismatch: the body
// checks (SMS.2004–2006) and SMS.2009 belong to command_result only.
const commandErrorResponses = {
  '400': errorResponse('Bad request (e.g. a server_id outside 1–255 characters).'),
  '401': errorResponse(authFailures),
  ...sharedErrorResponses,
}

const commandResultErrorResponses = {
  '400': errorResponse(
    'Bad request: SMS.2009, the result answers another command than the current one; or a ' +
      'malformed body or server_id.',
  ),
  '401': errorResponse(
    `${authFailures} SMS also answers 401 to a body it refuses whatever the credential (docs/api.md ` +
      '§7): SMS.2004 body over 10,240 bytes, SMS.2005 Content-Type missing, SMS.2006 Content-Type ' +
      'not JSON; a new credential does not help with those.',
  ),
  ...sharedErrorResponses,
}

/** Said on both paths: a method a path does not take is SMS's 401, not a credential failure. */
const wrongMethodNote =
  'A method other than the one below is answered 401 SMS.2003 (method not allowed, docs/api.md §7): ' +
  'not an authentication failure.'

/** A JSON Schema object, as `@valibot/to-json-schema` writes it (without `$schema`). */
export type JsonSchemaObject = Record<string, unknown>

/** An OpenAPI parameter of the command channel (the path's server id, the token header). */
export interface OpenApiParameter {
  readonly name: string
  readonly in: string
  readonly required: boolean
  readonly description: string
  readonly schema: JsonSchemaObject
}

/** An OpenAPI response: its description, the `X-Request-Id` header and the JSON body's schema. */
export interface OpenApiResponse {
  readonly description: string
  readonly headers?: Readonly<Record<string, { readonly $ref: string }>>
  readonly content?: Readonly<Record<string, { readonly schema: JsonSchemaObject }>>
}

/** The error statuses both operations document. */
export type OpenApiErrorStatus = '400' | '401' | '403' | '404' | '429' | '500'

/** An operation of the command channel: every documented status has a response. */
export interface OpenApiOperation<Status extends string> {
  readonly operationId: string
  readonly summary: string
  readonly parameters: readonly OpenApiParameter[]
  readonly requestBody?: {
    readonly required: boolean
    readonly content: Readonly<Record<string, { readonly schema: JsonSchemaObject }>>
  }
  readonly responses: { readonly [status in Status | OpenApiErrorStatus]: OpenApiResponse }
}

/**
 * The OpenAPI 3.1 document of the command channel, as {@link createOpenApiDocument} builds it.
 *
 * @example
 * const document: OpenApiDocument = createOpenApiDocument()
 * document.paths['/v3/sources/{server_id}/command'].get.responses['401'].description
 */
export interface OpenApiDocument {
  readonly openapi: '3.1.0'
  readonly info: { readonly title: string; readonly version: string; readonly description: string }
  readonly servers: readonly { readonly url: string }[]
  readonly security: readonly Readonly<Record<string, readonly string[]>>[]
  readonly paths: {
    readonly '/v3/sources/{server_id}/command': {
      readonly description: string
      readonly get: OpenApiOperation<'200' | '204'>
    }
    readonly '/v3/sources/{server_id}/command_result': {
      readonly description: string
      readonly post: OpenApiOperation<'200'>
    }
  }
  readonly components: {
    readonly schemas: {
      readonly CommandResponse: JsonSchemaObject
      readonly CommandResult: JsonSchemaObject
      readonly ErrorBody: JsonSchemaObject
    }
    readonly headers: Readonly<
      Record<string, { readonly description: string; readonly schema: JsonSchemaObject }>
    >
    readonly securitySchemes: Readonly<Record<string, JsonSchemaObject>>
  }
}

const serverIdParameter = {
  name: 'server_id',
  in: 'path',
  required: true,
  description: 'The ID of the source server.',
  schema: { type: 'string', minLength: LIMITS.serverId.min, maxLength: LIMITS.serverId.max },
}

const authParameter = {
  name: 'X-Auth-Token',
  in: 'header',
  required: false,
  description: 'IAM user token (X-Subject-Token of POST /v3/auth/tokens). Or sign with AK/SK.',
  schema: { type: 'string', minLength: LIMITS.authToken.min, maxLength: LIMITS.authToken.max },
}

/**
 * Builds the OpenAPI 3.1 document of the command channel from core's valibot schemas (a fresh
 * object each call; {@link openApiDocument} is one built at import).
 *
 * @example
 * const document = createOpenApiDocument()
 * Object.keys(document.paths) // ['/v3/sources/{server_id}/command', '/v3/sources/{server_id}/command_result']
 */
export function createOpenApiDocument(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Huawei Cloud SMS agent command channel',
      version: '3',
      description:
        'How migration agents obtain commands from SMS and report their results. A command stays ' +
        'current, returned by every GET, until its result is reported (at-least-once delivery).',
    },
    servers: [{ url: 'https://sms.ap-southeast-1.myhuaweicloud.com' }],
    security: [{ token: [] }, { akSk: [] }],
    paths: {
      '/v3/sources/{server_id}/command': {
        description: wrongMethodNote,
        get: {
          operationId: 'showCommand',
          summary: 'Obtain the current command of a source server',
          parameters: [serverIdParameter, authParameter],
          responses: {
            '200': {
              description:
                'The current command; an empty or absent command_name (or an empty body) means none is pending.',
              headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/CommandResponse' } },
              },
            },
            '204': { description: 'No command is pending (tolerated by clients).' },
            ...commandErrorResponses,
          },
        },
      },
      '/v3/sources/{server_id}/command_result': {
        description: wrongMethodNote,
        post: {
          operationId: 'updateCommandStatus',
          summary: "Report a command's result",
          parameters: [serverIdParameter, authParameter],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/CommandResult' } },
            },
          },
          responses: {
            '200': {
              description:
                'Recorded: the command is cleared and the next queued one becomes current.',
              headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
              content: { 'application/json': { schema: {} } },
            },
            ...commandResultErrorResponses,
          },
        },
      },
    },
    components: {
      schemas: {
        CommandResponse: jsonSchema(CommandResponseSchema),
        CommandResult: jsonSchema(CommandResultSchema),
        ErrorBody: jsonSchema(ErrorBodySchema),
      },
      headers: {
        XRequestId: { description: 'Request id, for support.', schema: { type: 'string' } },
      },
      securitySchemes: {
        token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
        akSk: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=…, Signature=… with X-Sdk-Date.',
        },
      },
    },
  } as const
}

/**
 * The OpenAPI 3.1 document of both endpoints, generated from the same schemas the client
 * validates with. The mock server serves it at `/openapi.json`.
 *
 * @example
 * new Response(JSON.stringify(openApiDocument), { headers: { 'content-type': 'application/json' } })
 */
export const openApiDocument: OpenApiDocument = /* @__PURE__ */ createOpenApiDocument()
