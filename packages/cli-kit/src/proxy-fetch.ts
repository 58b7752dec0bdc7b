/**
 * The `fetch` the sms-command CLIs send every request with. On Node it goes through undici
 * (`ProxyAgent` per proxy, `Agent` direct): Node's own `fetch` ignores `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (Bun's and
 * Deno's honour them) and refuses response headers past 16 KiB, while an IAM `X-Subject-Token`
 * may be 16,384 characters (docs/api.md §7). On Bun and Deno it is the runtime's own `fetch`.
 * Core stays Web-APIs-only and takes this as its `fetch` option. The subpath is `proxy-fetch`, not
 * `node-fetch`: it serves Bun and Deno too, and `node-fetch` is another npm package.
 *
 * @module
 */
import process from 'node:process'
import { type ProxyEnvironment, proxyFor, readProxyEnvironment, redactProxyUrl } from './proxy.ts'

export type { ProxyEnvironment } from './proxy.ts'
export { normalizeProxyUrl, proxyFor, readProxyEnvironment, redactProxyUrl } from './proxy.ts'

/** Response headers the Node fetch accepts: a 16,384-character token and then some. */
export const MAX_RESPONSE_HEADER_BYTES = 64 * 1024

/** The runtime a fetch is built for. */
export type FetchRuntime = 'node' | 'bun' | 'deno'

/**
 * The runtime this process runs on.
 *
 * @example
 * detectFetchRuntime() // 'node'
 */
export function detectFetchRuntime(): FetchRuntime {
  if (process.versions.bun) return 'bun'
  if (process.versions.deno) return 'deno'
  return 'node'
}

/** Reads the process environment; `undefined` where Deno grants no read. */
function processEnv(name: string): string | undefined {
  try {
    return process.env[name]
  } catch {
    return undefined
  }
}

/** The proxy of a request; a URL fetch will refuse goes "direct", for fetch's own error. */
function proxyOf(url: string, environment: ProxyEnvironment): string | undefined {
  try {
    return proxyFor(url, environment)
  } catch {
    return undefined
  }
}

/** Options of {@link createRuntimeFetch}. */
export interface RuntimeFetchOptions {
  /** Where the proxy variables are read (default: the process environment). */
  env?: (name: string) => string | undefined
  /** Default: the runtime this process runs on. */
  runtime?: FetchRuntime
  /** Largest response head accepted on Node, in bytes (default {@link MAX_RESPONSE_HEADER_BYTES}). */
  maxHeaderSize?: number
  /**
   * Whether direct requests on Node need response heads past Node's own limit (16 KiB unless
   * `--max-http-header-size` says otherwise), as an IAM token does. Default true. With false,
   * direct requests go through Node's built-in `fetch` and undici is loaded only for a request
   * that goes through a proxy: one HTTP stack in the process instead of two (about 10 MB of
   * memory and the work of a second client per request), for callers whose answers are small
   * (the SMS command channel; a larger head is still refused, as `headers-too-large`).
   */
  largeResponseHeaders?: boolean
}

/**
 * A `fetch` that honours the proxy variables and accepts the API's largest headers on every
 * runtime. On Node each request goes through undici's `ProxyAgent` for the proxy
 * {@link proxyFor} names (credentials in the proxy URL become `Proxy-Authorization`), or an
 * `Agent` when it goes direct, both with `maxHeaderSize`; so what {@link describeProxies} says is
 * what the requests do. undici is loaded on the first request that needs it: every request by
 * default, only those through a proxy with `largeResponseHeaders: false`.
 *
 * @example
 * const fetch = createRuntimeFetch()
 * const client = createSmsClient({ endpoint, auth, fetch })
 * // Small answers only: Node's built-in fetch unless a proxy is in the way.
 * const smsFetch = createRuntimeFetch({ largeResponseHeaders: false })
 */
export function createRuntimeFetch(options: RuntimeFetchOptions = {}): typeof fetch {
  const runtime = options.runtime ?? detectFetchRuntime()
  if (runtime !== 'node') return (input, init) => globalThis.fetch(input, init)
  const environment = readProxyEnvironment(options.env ?? processEnv)
  const maxHeaderSize = options.maxHeaderSize ?? MAX_RESPONSE_HEADER_BYTES
  const builtInDirect = options.largeResponseHeaders === false
  // Loaded on first use, and only on Node: Bun and Deno never need undici.
  let undici: Promise<typeof import('undici')> | undefined
  let direct: unknown
  const viaProxy = new Map<string, unknown>()
  return async (input, init) => {
    const proxy = proxyOf(input instanceof Request ? input.url : String(input), environment)
    if (proxy === undefined && builtInDirect) return globalThis.fetch(input, init)
    undici ??= import('undici')
    const { Agent, ProxyAgent, fetch } = await undici
    let dispatcher: unknown
    if (proxy === undefined) {
      direct ??= new Agent({ maxHeaderSize })
      dispatcher = direct
    } else {
      dispatcher = viaProxy.get(proxy)
      if (dispatcher === undefined) {
        // Tunnel plain HTTP too (CONNECT), as undici 7 did: undici 8 would forward it in
        // absolute form, a different request than the one `describeProxies` announces.
        dispatcher = new ProxyAgent({ uri: proxy, maxHeaderSize, proxyTunnel: true })
        viaProxy.set(proxy, dispatcher)
      }
    }
    // undici's own fetch: from undici 8 on, its dispatchers no longer work under the fetch Node
    // bundles (Node 24 ships undici 7: "invalid onRequestStart method"). Its fetch doesn't take
    // a Request of Node's own undici either, so one is passed on as its parts.
    const isRequest = input instanceof Request
    return fetch(isRequest ? input.url : input, {
      ...(isRequest ? requestInit(input) : {}),
      ...init,
      dispatcher,
    } as Parameters<typeof fetch>[1]) as unknown as Promise<Response>
  }
}

/** A Request's parts as fetch options, for a fetch whose own `Request` class is another one. */
function requestInit(request: Request): RequestInit & { duplex?: 'half' } {
  return {
    method: request.method,
    headers: request.headers,
    redirect: request.redirect,
    signal: request.signal,
    ...(request.body ? { body: request.body, duplex: 'half' } : {}),
  }
}

/** Which proxy each named endpoint goes through, for a start log line. */
export interface ProxyDescription {
  /** The first proxy in use, without credentials. */
  proxy: string
  /** Each endpoint that goes through a proxy, by label, without credentials. */
  byLabel: Record<string, string>
  /** `requests go through the egress proxy http://proxy.corp:3128 (SMS, IAM), from …`. */
  message: string
}

/**
 * Says which proxy each endpoint goes through, without the proxy's credentials; `undefined` when
 * every endpoint goes direct.
 *
 * @example
 * describeProxies({ SMS: 'https://sms.example' }, readProxyEnvironment((name) => process.env[name]))
 * // { proxy: 'http://proxy.corp:3128', byLabel: { SMS: 'http://proxy.corp:3128' }, message: '…' }
 */
export function describeProxies(
  endpoints: Readonly<Record<string, string | undefined>>,
  environment: ProxyEnvironment,
): ProxyDescription | undefined {
  const byLabel: Record<string, string> = {}
  const labelsByProxy = new Map<string, string[]>()
  for (const [label, url] of Object.entries(endpoints)) {
    if (url === undefined) continue
    let proxy: string | undefined
    try {
      proxy = proxyFor(url, environment)
    } catch {
      continue
    }
    if (proxy === undefined) continue
    const shown = redactProxyUrl(proxy)
    byLabel[label] = shown
    labelsByProxy.set(shown, [...(labelsByProxy.get(shown) ?? []), label])
  }
  const [first] = labelsByProxy.keys()
  if (first === undefined) return undefined
  const parts = [...labelsByProxy].map(([proxy, labels]) => `${proxy} (${labels.join(', ')})`)
  return {
    proxy: first,
    byLabel,
    message: `requests go through the egress proxy ${parts.join(', ')}, from HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured)`,
  }
}
