import { describe, expect, it } from 'vitest'
import { isConfigError } from './config-error.ts'
import { normalizeProxyUrl, proxyFor, readProxyEnvironment, redactProxyUrl } from './proxy.ts'

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

describe('proxy values as curl reads them', () => {
  it('reads a scheme-less host:port as http://host:port', () => {
    expect(readProxyEnvironment(env({ HTTP_PROXY: '127.0.0.1:18450' })).httpProxy).toBe(
      'http://127.0.0.1:18450',
    )
    expect(readProxyEnvironment(env({ https_proxy: 'ops:pw@proxy.corp:3128' })).httpsProxy).toBe(
      'http://ops:pw@proxy.corp:3128',
    )
    expect(normalizeProxyUrl(' https://proxy.corp ', 'HTTPS_PROXY')).toBe('https://proxy.corp')
  })

  it('sends requests through a scheme-less proxy and logs it with its host', () => {
    const environment = readProxyEnvironment(env({ HTTP_PROXY: 'proxy.corp:3128' }))
    const proxy = proxyFor('http://sms.example', environment)
    expect(proxy).toBe('http://proxy.corp:3128')
    expect(redactProxyUrl(proxy as string)).toBe('http://proxy.corp:3128')
  })

  it('treats an empty or blank value as unset', () => {
    expect(readProxyEnvironment(env({ http_proxy: ' ', HTTP_PROXY: 'p:1' })).httpProxy).toBe(
      'http://p:1',
    )
  })

  it.each([
    ['socks5://proxy.corp:1080', 'HTTPS_PROXY', 'expected an http:// or https:// proxy'],
    ['http://', 'HTTPS_PROXY', 'expected a proxy URL such as http://proxy.corp:3128'],
    ['not a proxy', 'HTTPS_PROXY', 'expected a proxy URL such as http://proxy.corp:3128'],
    ['proxy.corp:99999', 'HTTPS_PROXY', 'expected a proxy URL such as http://proxy.corp:3128'],
  ])('refuses %s as a config error naming %s', (value, variable, expected) => {
    let error: unknown
    try {
      readProxyEnvironment(env({ [variable]: value }))
    } catch (caught) {
      error = caught
    }
    expect(isConfigError(error)).toBe(true)
    expect(error).toMatchObject({ setting: variable, exitCode: 2 })
    expect((error as Error).message).toContain(`Invalid ${variable}: ${expected}`)
  })

  it('names the lower-case variable it read, and never shows the credentials', () => {
    expect(() =>
      readProxyEnvironment(env({ http_proxy: 'http://ops:pw-SECRET@proxy.corp:99999' })),
    ).toThrow(/^Invalid http_proxy: .*"…@proxy\.corp:99999"$/)
  })
})
