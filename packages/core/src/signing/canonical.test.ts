import { describe, expect, it } from 'vitest'
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalUri,
  compareCodeUnits,
  encodeRfc3986,
} from './canonical.ts'

describe('encodeRfc3986', () => {
  it('keeps only unreserved characters and encodes UTF-8 bytes in uppercase hex', () => {
    expect(encodeRfc3986('AZaz09-_.~')).toBe('AZaz09-_.~')
    expect(encodeRfc3986(" !*'()/+=&é中😀")).toBe(
      '%20%21%2A%27%28%29%2F%2B%3D%26%C3%A9%E4%B8%AD%F0%9F%98%80',
    )
  })
})

describe('canonicalUri', () => {
  it('always ends with a slash', () => {
    expect(canonicalUri('')).toBe('/')
    expect(canonicalUri('/')).toBe('/')
    expect(canonicalUri('/v3/sources/1/command')).toBe('/v3/sources/1/command/')
    expect(canonicalUri('/v3/')).toBe('/v3/')
  })

  it('encodes the decoded path once, so an encoded space stays %20 (not %2520)', () => {
    expect(canonicalUri('/v3/sources/srv%20one/command')).toBe('/v3/sources/srv%20one/command/')
    expect(canonicalUri('/a%2a/%C3%A9/é')).toBe('/a%2A/%C3%A9/%C3%A9/')
  })

  it('keeps an encoded slash inside its segment and keeps stray or non-UTF-8 escapes', () => {
    expect(canonicalUri('/a%2Fb')).toBe('/a%2Fb/')
    expect(canonicalUri('/100%/x%zz/%FF')).toBe('/100%25/x%25zz/%FF/')
  })

  it('encodes sub-delimiters the URL parser leaves in paths', () => {
    expect(canonicalUri(new URL("https://h/a!$&'()*+,;=:@").pathname)).toBe(
      '/a%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40/',
    )
  })
})

describe('canonicalQuery', () => {
  it('sorts keys, then a repeated key’s values, on the decoded strings', () => {
    expect(canonicalQuery(new URLSearchParams('b=2&a=y&a=x&a=X'))).toBe('a=X&a=x&a=y&b=2')
  })

  it('sorts before encoding, so the order is that of the raw strings', () => {
    // Raw, 'z' (U+007A) precedes 'é' (U+00E9); encoded, '%C3%A9' would precede 'z'.
    expect(
      canonicalQuery(
        new URLSearchParams([
          ['k', 'é'],
          ['k', 'z'],
        ]),
      ),
    ).toBe('k=z&k=%C3%A9')
  })

  it('signs a valueless key as k= and decodes + as a space', () => {
    expect(canonicalQuery(new URLSearchParams('flag&q=a+b%2B'))).toBe('flag=&q=a%20b%2B')
    expect(canonicalQuery(new URLSearchParams(''))).toBe('')
  })
})

describe('canonicalHeaders', () => {
  it('lists name:value lines in the given order, trimming spaces and tabs', () => {
    const headers = new Map([
      ['x-sdk-date', '20060102T150405Z'],
      ['host', ' example.com\t'],
    ])
    expect(canonicalHeaders(headers, ['host', 'x-sdk-date'])).toBe(
      'host:example.com\nx-sdk-date:20060102T150405Z\n',
    )
  })

  it('throws a TypeError for a signed header that is absent', () => {
    expect(() => canonicalHeaders(new Map(), ['host'])).toThrow(TypeError)
  })
})

describe('compareCodeUnits', () => {
  it('orders like Array#sort', () => {
    const words = ['x_a', 'x-a', 'xa', 'X', 'x0', '😀', '\uffff']
    expect([...words].sort(compareCodeUnits)).toEqual([...words].sort())
  })
})
