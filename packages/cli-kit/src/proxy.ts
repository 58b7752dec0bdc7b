/**
 * Egress proxies from the environment, as curl and undici read them: `https_proxy`/`HTTPS_PROXY`
 * for https URLs, `http_proxy`/`HTTP_PROXY` for http, `no_proxy`/`NO_PROXY` for exceptions (the
 * lower-case name wins, as in undici). Bun and Deno honour these in their `fetch`; Node's `fetch`
 * does not, so `createRuntimeFetch` (`./proxy-fetch.ts`) routes each of Node's requests through
 * undici's `ProxyAgent` for the proxy this module names. This module says which proxy a URL goes through,
 * for the start logs of the CLIs and for Deno's permission hint.
 *
 * @module
 */
import { ConfigError } from './config-error.ts'

/** The proxy variables as read. */
export interface ProxyEnvironment {
  httpProxy: string | undefined
  httpsProxy: string | undefined
  noProxy: string | undefined
}

/** A value with a scheme (`http://…`); without one it is read as curl does, as `http://…`. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/** A proxy value fit for an error message: whatever precedes an `@` (credentials) removed. */
function shownValue(value: string): string {
  const at = value.lastIndexOf('@')
  return at === -1 ? value : `…@${value.slice(at + 1)}`
}

/**
 * A proxy variable's value as a URL: `host:port` (no scheme) is read as `http://host:port`, as
 * curl reads it; anything that is not then an `http:` or `https:` URL with a host is a
 * {@link ConfigError} naming the variable (credentials never shown).
 *
 * @example
 * normalizeProxyUrl('proxy.corp:3128', 'HTTPS_PROXY') // 'http://proxy.corp:3128'
 */
export function normalizeProxyUrl(value: string, variable: string): string {
  const trimmed = value.trim()
  const candidate = HAS_SCHEME.test(trimmed) ? trimmed : `http://${trimmed}`
  const expected = 'expected a proxy URL such as http://proxy.corp:3128 (or proxy.corp:3128)'
  let url: URL
  try {
    url = new URL(candidate)
  } catch (cause) {
    throw new ConfigError(
      variable,
      `Invalid ${variable}: ${expected}, received "${shownValue(trimmed)}"`,
      { cause },
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      variable,
      `Invalid ${variable}: expected an http:// or https:// proxy, received a ${url.protocol.slice(0, -1)}:// one ("${shownValue(trimmed)}")`,
    )
  }
  if (!url.hostname) {
    throw new ConfigError(
      variable,
      `Invalid ${variable}: ${expected}, received "${shownValue(trimmed)}"`,
    )
  }
  return candidate
}

/**
 * Reads the proxy variables, lower case first; an empty value counts as unset. Proxy values are
 * checked and a scheme-less `host:port` gets `http://` ({@link normalizeProxyUrl}); throws a
 * {@link ConfigError} naming the variable for a value no fetch could use.
 *
 * @example
 * readProxyEnvironment((name) => process.env[name]).httpsProxy // 'http://proxy.corp:3128'
 */
export function readProxyEnvironment(env: (name: string) => string | undefined): ProxyEnvironment {
  const read = (name: string) => {
    for (const variable of [name.toLowerCase(), name.toUpperCase()]) {
      const value = env(variable)
      if (value?.trim()) return { variable, value }
    }
    return undefined
  }
  const proxy = (name: string) => {
    const found = read(name)
    return found && normalizeProxyUrl(found.value, found.variable)
  }
  return {
    httpProxy: proxy('http_proxy'),
    httpsProxy: proxy('https_proxy'),
    noProxy: read('no_proxy')?.value,
  }
}

function bypassed(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '')
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    if (entry === '*') return true
    const [name = '', entryPort] = entry.split(/:(?=\d+$)/)
    if (entryPort && entryPort !== port) continue
    const suffix = name.replace(/^\*?\./, '')
    if (host === suffix || host.endsWith(`.${suffix}`)) return true
  }
  return false
}

/**
 * The proxy `url` is fetched through, or `undefined` when it goes direct: `HTTPS_PROXY` for https,
 * `HTTP_PROXY` for http (as curl, Deno and Go read them; an https URL never falls back to
 * `HTTP_PROXY`). On Node, `createRuntimeFetch` routes each request by this very function, so the
 * start log and the requests cannot disagree.
 *
 * @example
 * proxyFor('https://sms.example.com', { httpsProxy: 'http://p:3128', httpProxy: undefined, noProxy: undefined })
 * // 'http://p:3128'
 */
export function proxyFor(url: string, environment: ProxyEnvironment): string | undefined {
  const target = new URL(url)
  const proxy = target.protocol === 'https:' ? environment.httpsProxy : environment.httpProxy
  if (!proxy || bypassed(target, environment.noProxy)) return undefined
  return proxy
}

/**
 * A proxy URL fit for a log line: user and password removed.
 *
 * @example
 * redactProxyUrl('http://alice:s3cret@proxy.corp:3128') // 'http://proxy.corp:3128'
 */
export function redactProxyUrl(proxy: string): string {
  try {
    const url = new URL(proxy)
    return `${url.protocol}//${url.host}`
  } catch {
    return '(not a URL)'
  }
}
