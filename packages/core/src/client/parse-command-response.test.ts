import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  isSmsResponseValidationError,
  SmsResponseValidationError,
} from '../errors/sms-response-validation-error.ts'
import { parseCommandResponse } from './parse-command-response.ts'

describe('parseCommandResponse', () => {
  it('returns the documented example command', () => {
    const body =
      '{ "command_name" : "START", "command_param" : { "task_id" : "2c0689c860ad4728a497c91ec0844384" } }'
    expect(parseCommandResponse(200, body)).toEqual({
      command_name: 'START',
      command_param: { task_id: '2c0689c860ad4728a497c91ec0844384' },
    })
  })

  it.each([
    ['204 with no body', 204, ''],
    ['an empty body', 200, ''],
    ['a blank body', 200, ' \n'],
    ['an empty object', 200, '{}'],
    ['JSON null', 200, 'null'],
    ['an empty command_name', 200, '{"command_name":""}'],
    ['a null command_name', 200, '{"command_name":null}'],
    ['an empty command_name with an empty param', 200, '{"command_name":"","command_param":{}}'],
    ['a null command_name with a null param', 200, '{"command_name":null,"command_param":null}'],
  ])('returns null when no command is pending (%s)', (_, status, body) => {
    expect(parseCommandResponse(status, body)).toBeNull()
  })

  it('passes an unknown command through unchanged', () => {
    expect(
      parseCommandResponse(200, '{"command_name":"UPLOAD_LOG","command_param":{"bucket":"logs"}}'),
    ).toEqual({
      command_name: 'UPLOAD_LOG',
      command_param: { bucket: 'logs' },
    })
  })

  it('tolerates extra fields and keeps unknown parameters', () => {
    const body =
      '{"command_name":"SYNC","command_param":{"task_id":"t","priority":3},"request_id":"r"}'
    expect(parseCommandResponse(200, body)).toEqual({
      command_name: 'SYNC',
      command_param: { task_id: 't', priority: 3 },
    })
  })

  it('treats a missing or null command_param as empty and drops null parameters', () => {
    expect(parseCommandResponse(200, '{"command_name":"STOP"}')).toEqual({
      command_name: 'STOP',
      command_param: {},
    })
    expect(
      parseCommandResponse(200, '{"command_name":"STOP","command_param":{"task_id":null}}'),
    ).toEqual({
      command_name: 'STOP',
      command_param: {},
    })
  })

  it('accepts fields at their documented maximum length', () => {
    const body = JSON.stringify({
      command_name: 'C'.repeat(255),
      command_param: { task_id: 't'.repeat(255) },
    })
    expect(parseCommandResponse(200, body)?.command_name).toHaveLength(255)
  })

  it.each([
    ['command_name', { command_name: 'C'.repeat(256) }, 'a string of 256 characters'],
    [
      'command_param.task_id',
      { command_name: 'START', command_param: { task_id: 't'.repeat(256) } },
      'a string of 256 characters',
    ],
    [
      'command_param.bucket',
      { command_name: 'START', command_param: { bucket: 'b'.repeat(300) } },
      'a string of 300 characters',
    ],
    ['command_name', { command_name: 42 }, 'number 42'],
    ['command_param.task_id', { command_name: 'START', command_param: { task_id: 7 } }, 'number 7'],
    ['command_param', { command_name: 'START', command_param: 'x' }, 'a string of 1 characters'],
    ['command_param', { command_name: 'START', command_param: ['a'] }, 'an array of 1 items'],
  ])('rejects a body whose %s breaks the schema, naming the field', (field, body, received) => {
    let caught: unknown
    try {
      parseCommandResponse(200, JSON.stringify(body), {
        method: 'GET',
        path: '/v3/sources/s/command',
        serverId: 's',
      })
    } catch (error) {
      caught = error
    }
    expect(isSmsResponseValidationError(caught)).toBe(true)
    const error = caught as SmsResponseValidationError
    expect(error.field).toBe(field)
    expect(error.message).toContain(field)
    expect(error.message).toContain(received)
    expect(error.message).toContain('GET /v3/sources/s/command')
  })

  it('rejects a body that is not JSON, with the cause kept', () => {
    expect(() => parseCommandResponse(200, '<html>gateway</html>')).toThrow(
      /\$: a JSON object, received a body that is not JSON/,
    )
    try {
      parseCommandResponse(200, '{"command_name":')
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(SyntaxError)
    }
  })

  it.each([['[]'], ['"START"'], ['42'], ['true']])(
    'rejects JSON that is not an object (%s)',
    (body) => {
      expect(() => parseCommandResponse(200, body)).toThrow(SmsResponseValidationError)
    },
  )

  it('never throws anything but a validation error, whatever the body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), jsonCommandLike()), (body) => {
        try {
          const result = parseCommandResponse(200, body)
          if (result !== null) {
            expect(typeof result.command_name).toBe('string')
            expect(result.command_name.length).toBeGreaterThan(0)
            expect(result.command_name.length).toBeLessThanOrEqual(255)
          }
        } catch (error) {
          expect(isSmsResponseValidationError(error)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trips any valid command', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 255 }),
        fc.option(fc.string({ maxLength: 255 }), { nil: undefined }),
        fc.option(fc.string({ maxLength: 255 }), { nil: undefined }),
        (name, taskId, bucket) => {
          const param: Record<string, string> = {}
          if (taskId !== undefined) param.task_id = taskId
          if (bucket !== undefined) param.bucket = bucket
          const parsed = parseCommandResponse(
            200,
            JSON.stringify({ command_name: name, command_param: param }),
          )
          expect(parsed).toEqual({ command_name: name, command_param: param })
        },
      ),
      { numRuns: 500 },
    )
  })
})

function jsonCommandLike() {
  const value = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
  )
  return fc
    .record(
      {
        command_name: value,
        command_param: fc.oneof(
          fc.record({ task_id: value, bucket: value }, { requiredKeys: [] }),
          fc.constant(null),
          fc.string(),
        ),
      },
      { requiredKeys: [] },
    )
    .map((body) => JSON.stringify(body))
}
