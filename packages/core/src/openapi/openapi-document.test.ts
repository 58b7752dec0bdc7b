import { describe, expect, it } from 'vitest'
import { openApiDocument } from './openapi-document.ts'

describe('openApiDocument', () => {
  it('is OpenAPI 3.1 with both endpoints', () => {
    expect(openApiDocument.openapi).toBe('3.1.0')
    expect(Object.keys(openApiDocument.paths)).toEqual([
      '/v3/sources/{server_id}/command',
      '/v3/sources/{server_id}/command_result',
    ])
  })

  it('carries the documented status codes', () => {
    expect(
      Object.keys(openApiDocument.paths['/v3/sources/{server_id}/command'].get.responses),
    ).toEqual(['200', '204', '400', '401', '403', '404', '429', '500'])
  })

  it('says which 401s are not about credentials, on the endpoint that can answer them', () => {
    const paths = openApiDocument.paths
    const command = paths['/v3/sources/{server_id}/command']
    const result = paths['/v3/sources/{server_id}/command_result']
    for (const responses of [command.get.responses, result.post.responses]) {
      expect(responses['401'].description).toContain('APIGW.0301')
      expect(responses['429'].description).toContain('APIGW.0308')
    }
    for (const code of ['SMS.2004', 'SMS.2005', 'SMS.2006']) {
      expect(result.post.responses['401'].description).toContain(code)
      // A GET carries no body or Content-Type to refuse.
      expect(command.get.responses['401'].description).not.toContain(code)
    }
    expect(command.description).toContain('SMS.2003')
    expect(result.description).toContain('SMS.2003')
  })

  it('cites SMS.2009 only where a result can mismatch: command_result', () => {
    const paths = openApiDocument.paths
    expect(
      paths['/v3/sources/{server_id}/command_result'].post.responses['400'].description,
    ).toContain('SMS.2009')
    expect(paths['/v3/sources/{server_id}/command'].get.responses['400'].description).not.toContain(
      'SMS.2009',
    )
  })

  it('derives schemas with the documented length limits from the valibot schemas', () => {
    const { CommandResponse, CommandResult, ErrorBody } = openApiDocument.components.schemas
    expect(JSON.stringify(CommandResponse)).toContain('"maxLength":255')
    expect(CommandResult).toMatchObject({
      type: 'object',
      required: ['command_name', 'result', 'result_detail'],
      properties: { result: { enum: ['success', 'fail'] } },
    })
    expect(ErrorBody).toMatchObject({
      properties: { error_msg: { type: 'string', maxLength: 1024 } },
    })
  })

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(openApiDocument))).toEqual(openApiDocument)
  })
})
