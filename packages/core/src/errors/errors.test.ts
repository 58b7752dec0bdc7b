import { describe, expect, it } from 'vitest'
import { isSmsApiError, SmsApiError } from './sms-api-error.ts'
import { isSmsError } from './sms-error.ts'
import { isSmsInputError, SmsInputError } from './sms-input-error.ts'
import { isHeadersOverflow, isSmsNetworkError, SmsNetworkError } from './sms-network-error.ts'
import {
  isSmsResponseValidationError,
  SmsResponseValidationError,
} from './sms-response-validation-error.ts'

const context = { method: 'GET', path: '/v3/sources/s/command', serverId: 's' }
const samples = {
  SmsApiError: new SmsApiError({
    ...context,
    status: 500,
    body: { error_code: 'SMS.2007', error_msg: 'boom' },
  }),
  SmsNetworkError: new SmsNetworkError('network', {
    ...context,
    cause: new TypeError('fetch failed'),
  }),
  SmsResponseValidationError: new SmsResponseValidationError(
    [{ field: 'command_name', expected: 'expected a string', received: 'number 1' }],
    { ...context, status: 200 },
  ),
  SmsInputError: new SmsInputError('serverId', 'expected a non-empty string', 'an empty string'),
}
const guards = {
  SmsApiError: isSmsApiError,
  SmsNetworkError: isSmsNetworkError,
  SmsResponseValidationError: isSmsResponseValidationError,
  SmsInputError: isSmsInputError,
}

describe('error classes', () => {
  it.each(Object.entries(samples))('%s has its literal name and is an Error', (name, error) => {
    expect(error.name).toBe(name)
    expect(error).toBeInstanceOf(Error)
    expect(isSmsError(error)).toBe(true)
    expect(String(error)).toMatch(new RegExp(`^${name}: `))
  })

  it.each(Object.entries(guards))('is%s recognises only its own class', (name, guard) => {
    for (const [other, error] of Object.entries(samples)) expect(guard(error)).toBe(other === name)
    expect(guard(new Error('plain'))).toBe(false)
    expect(guard({ name })).toBe(false)
    expect(guard(undefined)).toBe(false)
  })

  it('guards recognise errors from another copy of the package by name', () => {
    class ForeignApiError extends Error {
      override name = 'SmsApiError'
    }
    expect(isSmsApiError(new ForeignApiError('x'))).toBe(true)
  })

  it('keeps the cause', () => {
    expect(samples.SmsNetworkError.cause).toBeInstanceOf(TypeError)
    expect(samples.SmsNetworkError.message).toBe(
      'GET /v3/sources/s/command failed: fetch failed (server "s")',
    )
  })

  it('serialises to a plain summary with the context', () => {
    expect(JSON.parse(JSON.stringify(samples.SmsApiError))).toEqual({
      name: 'SmsApiError',
      message: 'GET /v3/sources/s/command failed with HTTP 500 SMS.2007: boom (server "s")',
      method: 'GET',
      path: '/v3/sources/s/command',
      serverId: 's',
      status: 500,
      errorCode: 'SMS.2007',
      errorMsg: 'boom',
    })
    expect(JSON.parse(JSON.stringify(samples.SmsResponseValidationError))).toMatchObject({
      field: 'command_name',
      status: 200,
      issues: [{ field: 'command_name', expected: 'expected a string', received: 'number 1' }],
    })
    expect(JSON.parse(JSON.stringify(samples.SmsInputError))).toMatchObject({ field: 'serverId' })
    expect(JSON.parse(JSON.stringify(samples.SmsNetworkError))).toMatchObject({ reason: 'network' })
  })
})

describe('isHeadersOverflow', () => {
  const undici = Object.assign(new Error('Headers Overflow Error'), {
    code: 'UND_ERR_HEADERS_OVERFLOW',
  })
  it.each([
    ['undici, as the cause of fetch failed', new TypeError('fetch failed', { cause: undici })],
    ['undici by code alone', Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_OVERFLOW' })],
    ['hyper (Deno)', new TypeError('error sending request: message head is too large')],
    ['a plain "header too large"', new Error('Header too large')],
  ])('recognises %s', (_label, error) => {
    expect(isHeadersOverflow(error)).toBe(true)
  })
  it.each([
    [
      'a refused connection',
      new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }),
    ],
    ['a non-error', 'headers overflow'],
  ])('does not take %s for one', (_label, error) => {
    expect(isHeadersOverflow(error)).toBe(false)
  })
  it('makes a network error of its own kind, with advice', () => {
    const error = new SmsNetworkError('headers-too-large', {
      method: 'POST',
      path: '/v3/auth/tokens',
      service: 'iam',
      url: 'https://iam.example/v3/auth/tokens',
      cause: new TypeError('fetch failed', { cause: undici }),
    })
    expect(error.reason).toBe('headers-too-large')
    expect(error.message).toContain('maxHeaderSize')
    expect(error.message).toContain('(IAM at https://iam.example/v3/auth/tokens)')
  })
})
