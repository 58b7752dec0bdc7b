import { SmsInputError } from '../errors/sms-input-error.ts'
import { describeValue } from '../errors/to-validation-issues.ts'

/**
 * The client's endpoint as the base every request path resolves against: an absolute http(s)
 * URL ending in `/` (so a path prefix such as `/sms-proxy/` is kept), without query or fragment.
 *
 * @throws {SmsInputError} naming `endpoint` for anything else.
 * @example
 * normalizeEndpoint('https://proxy.example/sms-proxy').href // 'https://proxy.example/sms-proxy/'
 */
export function normalizeEndpoint(endpoint: string | URL): URL {
  let url: URL
  try {
    url = new URL(String(endpoint))
  } catch (cause) {
    throw new SmsInputError(
      'endpoint',
      'expected an absolute http(s) URL',
      describeValue(endpoint),
      { cause },
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SmsInputError(
      'endpoint',
      'expected an absolute http(s) URL',
      `protocol ${url.protocol}`,
    )
  }
  // A trailing slash makes relative resolution keep a path prefix such as `/sms-proxy/`.
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  url.search = ''
  url.hash = ''
  return url
}
