import { describe, expect, it } from 'vitest'
import { proxyFor, readProxyEnvironment, redactProxyUrl } from './proxy.ts'

const env = (values: Record<string, string>) => (name: string) => values[name]

describe('readProxyEnvironment', () => {
  it('reads upper and lower case, lower case first', () => {
    expect(
      readProxyEnvironment(env({ HTTPS_PROXY: 'http://up:1', http_proxy: 'http://low:2' })),
    ).toEqual({ httpsProxy: 'http://up:1', httpProxy: 'http://low:2', noProxy: undefined })
    expect(
      readProxyEnvironment(env({ https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:1' }))
        .httpsProxy,
    ).toBe('http://low:1')
  })
})

describe('proxyFor', () => {
  const proxies = {
    httpsProxy: 'http://secure:3128',
    httpProxy: 'http://plain:3128',
    noProxy: 'localhost, .internal.corp,10.0.0.1:8080',
  }
  it.each([
    ['https://sms.ap-southeast-1.myhuaweicloud.com', 'http://secure:3128'],
    ['http://sms.example.com', 'http://plain:3128'],
    ['http://localhost:8080', undefined],
    ['https://iam.internal.corp/v3', undefined],
    ['https://internal.corp', undefined],
    ['http://10.0.0.1:8080', undefined],
    ['http://10.0.0.1:9090', 'http://plain:3128'],
  ])('%s goes through %s', (url, expected) => {
    expect(proxyFor(url, proxies)).toBe(expected)
  })

  it('sends an https URL direct when only HTTP_PROXY is set, as curl and Deno do', () => {
    expect(proxyFor('https://sms.example.com', { ...proxies, httpsProxy: undefined })).toBe(
      undefined,
    )
  })

  it('goes direct with NO_PROXY=*', () => {
    expect(proxyFor('https://x.example', { ...proxies, noProxy: '*' })).toBeUndefined()
  })
})

describe('redactProxyUrl', () => {
  it('drops the credentials of a proxy URL', () => {
    expect(redactProxyUrl('http://alice:s3cret@proxy.corp:3128/')).toBe('http://proxy.corp:3128')
  })
})
