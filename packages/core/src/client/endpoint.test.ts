import { describe, expect, it } from 'vitest'
import { isSmsInputError } from '../errors/sms-input-error.ts'
import { normalizeEndpoint } from './endpoint.ts'

describe('normalizeEndpoint', () => {
  it('keeps a path prefix by ending it in a slash, and drops query and fragment', () => {
    expect(normalizeEndpoint('https://proxy.example/sms-proxy?x=1#y').href).toBe(
      'https://proxy.example/sms-proxy/',
    )
    expect(normalizeEndpoint(new URL('http://127.0.0.1:8080')).href).toBe('http://127.0.0.1:8080/')
  })

  it('refuses anything but an absolute http(s) URL, naming endpoint', () => {
    for (const endpoint of ['sms.example', 'ftp://sms.example/']) {
      let thrown: unknown
      try {
        normalizeEndpoint(endpoint)
      } catch (error) {
        thrown = error
      }
      expect(isSmsInputError(thrown) && thrown.field).toBe('endpoint')
    }
  })
})
